import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Recomputes a run from the store and compares every byte: each result from the entries and
/// placement it recorded (so a later revocation does not change an old run), the inputs
/// hash, and the results hash.
enum Verification {
    static let maxMismatches = 100

    static func verify(_ run: EvaluationRunRecord, _ r: any StoreReader, _ schemes: PublishedSchemes) throws -> VerifyEvaluationRunResponse {
        guard let scheme = try schemes.version(run.schemeVersion, r), let period = Convert.corePeriod(run.period) else {
            throw StoreError(.failed, "the run's scheme or period cannot be read", detail: "run \(run.id)")
        }
        let stored = try r.allEvaluationResults(runID: run.id, withInputs: true)
        var mismatches: [ResultMismatch] = []
        // Subjects placed in scope on the evaluation date, as the store has them now, that the
        // run did not evaluate (a back-dated placement added them). One the run evaluated and
        // the store no longer lists is not reported: a subject who has left since is no
        // longer active, and a run is right to have counted them then.
        let evaluated = Set(stored.map(\.subjectID))
        for s in try r.evaluationSubjects(underPath: run.organizationPath, on: run.evaluationDate, categories: run.categories)
            where !evaluated.contains(s.subjectID) {
            mismatches.append(ResultMismatch(subjectId: s.subjectID, kind: "missing"))
        }
        let refs = RefTable(scheme.compiled)
        var inputs: [SubjectInput] = []
        var previous: [String: PreviousResult] = [:]
        inputs.reserveCapacity(stored.count)
        for x in stored {
            let rows = try r.evaluationEntries(seqs: x.inputs)
            if rows.count != x.inputs.count {
                mismatches.append(ResultMismatch(subjectId: x.subjectID, kind: "input", storedSha256: x.resultSHA256, recomputedSha256: ""))
            }
            if let now = try r.evaluationSubject(id: x.subjectID, on: run.evaluationDate), now.organizationID != x.organizationID {
                mismatches.append(ResultMismatch(subjectId: x.subjectID, kind: "input", storedSha256: x.resultSHA256, recomputedSha256: ""))
            }
            inputs.append(StoredInputs.input(x, entries: rows, refs: refs))
            if !x.previousRunID.isEmpty, let p = try r.evaluationResult(runID: x.previousRunID, subjectID: x.subjectID) {
                previous[x.subjectID] = PreviousResult(runID: p.runID, total: p.total, grade: p.grade)
            }
        }
        var snapshot = RunEngine.Snapshot(run: run, scheme: scheme.compiled, period: period, inputs: inputs, refs: refs, previous: previous)
        snapshot.run.state = RunState.running.rawValue
        let builder = ResultBuilder(run: run, scheme: scheme.compiled)
        let again = builder.records(inputs, RunEngine.score(snapshot), previous: previous)
        for (a, b) in zip(stored, again) where a.resultSHA256 != b.resultSHA256 {
            mismatches.append(ResultMismatch(subjectId: a.subjectID, kind: "result", storedSha256: a.resultSHA256, recomputedSha256: b.resultSHA256))
        }
        let inputsHash = builder.inputsHash(inputs, refs)
        let resultsHash = ResultBuilder.resultsHash(again)
        var m = VerifyEvaluationRunResponse()
        m.runId = run.id
        m.resultsChecked = Int32(stored.count)
        m.inputsMatch = inputsHash == run.inputsSHA256
        m.resultsMatch = resultsHash == run.resultsSHA256
        m.recomputedInputsSha256 = inputsHash
        m.recomputedResultsSha256 = resultsHash
        mismatches.sort { ($0.subjectId, $0.kind) < ($1.subjectId, $1.kind) }
        m.mismatches = Array(mismatches.prefix(maxMismatches))
        m.matches = m.inputsMatch && m.resultsMatch && mismatches.isEmpty && stored.count == run.personTimes
        return m
    }
}
