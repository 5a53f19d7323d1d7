import LianjieScoring
import LianjieStore

/// A stored result's inputs read back: the subject as the run recorded it and the entries
/// whose seqs it kept, whatever their status now (a run is recomputed from what it had).
enum StoredInputs {
    static func input(_ x: EvaluationResultRecord, entries: [EvaluationEntryRow], refs: RefTable) -> SubjectInput {
        var row = EvaluationSubjectRow()
        row.subjectID = x.subjectID
        row.employeeNumber = x.employeeNumber
        row.name = x.subjectName
        row.organizationID = x.organizationID
        row.organizationPath = x.organizationPath
        row.categoryCode = x.categoryCode
        row.postCode = x.postCode
        row.postCoefficient = Exact(hundredths: x.postCoefficient).description
        let list = InputEntry.ordered(entries.map { e in
            InputEntry(seq: e.seq, quantity: e.quantity, ref: refs.index(library: e.library, version: e.libraryVersion, code: e.code),
                       day: Day(e.occurredOn)?.ordinal ?? 0)
        })
        return SubjectInput(row: row, scoring: ScoringSubject(id: x.subjectID, category: x.categoryCode, postCoefficient: x.postCoefficient),
                            entries: ArraySlice(list))
    }

    /// One result rescored with its breakdown, and its entries by seq.
    static func rescore(_ x: EvaluationResultRecord, run: EvaluationRunRecord, scheme: CompiledScheme, _ r: any StoreReader)
        throws -> (result: SubjectResult, entries: [Int64: EvaluationEntryRow]) {
        let rows = try r.evaluationEntries(seqs: x.inputs)
        let refs = RefTable(scheme)
        let input = input(x, entries: rows, refs: refs)
        let period = Convert.corePeriod(run.period)!
        let result = Scorer(scheme).score(input.scoring, entries: refs.scoringEntries(input.entries), period: period,
                                          evaluatedOn: Day(run.evaluationDate), breakdown: true)
        return (result, Dictionary(rows.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a }))
    }
}
