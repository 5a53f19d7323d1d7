import LianjieMessages
import LianjieScoring
import LianjieSecurity
import LianjieStore
import LianjieScoringMessages

/// The previous period's published result a result is compared with.
struct PreviousResult: Sendable {
    var runID: String
    var total: String
    var grade: Int32
}

/// Turns scored subjects into stored results with standings, comparisons and hashes; the
/// same code serves a run and its verification, so both compute the same bytes.
struct ResultBuilder {
    let run: EvaluationRunRecord
    let scheme: CompiledScheme

    /// The subject as the core scores it: the scheme's post coefficient overrides the post's own.
    static func scoringSubject(_ row: EvaluationSubjectRow, _ scheme: CompiledScheme) -> ScoringSubject {
        let coefficient = scheme.scheme.postCoefficients[row.postCode] ?? Exact(row.postCoefficient)?.hundredths ?? 100
        return ScoringSubject(id: row.subjectID, category: row.categoryCode, postCoefficient: coefficient)
    }

    /// The first and last day of the entries a run reads: from the earliest day any tag's
    /// window can reach back to, to the evaluation date.
    static func window(period: CorePeriod, evaluationDate: Day, scheme: CompiledScheme) -> (from: Day, to: Day) {
        let longest = scheme.tags.map(\.tag.windowMonths).max() ?? 60
        return (period.end.addingMonths(-longest), evaluationDate)
    }

    /// The stored results of `scored` (in the inputs' order), ranked within organisation and
    /// category, compared with `previous`, each with its hash.
    func records(_ inputs: [SubjectInput], _ scored: [SubjectResult], previous: [String: PreviousResult]) -> [EvaluationResultRecord] {
        // Each scored subject's standing within its organisation and within its category,
        // by position (the two rankings side by side).
        let standings = Parallel.map([false, true]) { byCategory in
            Self.standings(inputs, scored) { byCategory ? $0.row.categoryCode : $0.row.organizationID }
        }
        let (orgStandings, categoryStandings) = (standings[0], standings[1])
        let runID = run.id
        return Parallel.map(Array(inputs.indices)) { i in
            let (input, result) = (inputs[i], scored[i])
            var x = EvaluationResultRecord()
            x.runID = runID
            x.subjectID = input.row.subjectID
            x.employeeNumber = input.row.employeeNumber
            x.subjectName = input.row.name
            x.organizationID = input.row.organizationID
            x.organizationPath = input.row.organizationPath
            x.categoryCode = input.row.categoryCode
            x.postCode = input.row.postCode
            x.postCoefficient = input.scoring.postCoefficient
            x.noData = result.noData
            if let total = result.total {
                x.total = total.description
                // Within ±2⁶², so listings can order by it without overflow.
                x.totalUnits = Int64(clamping: max(min(total.units, 1 << 62), -(1 << 62)))
            }
            x.grade = LianjieMessages.Grade(result.grade).rawValue
            x.vetoEntries = result.vetoEntries.map { Int64($0) }
            x.dimensions = result.dimensions.map { d in
                [d.base.description, d.entries.description, d.adjustment.description, d.score.description,
                 Exact(hundredths: d.weight).description, d.weighted.description]
            }
            x.countedEntries = result.countedEntries
            if let s = orgStandings[i] {
                (x.organizationRank, x.organizationPeers, x.organizationPercentile) = (s.rank, s.peers, s.percentile.hundredths ?? 0)
            }
            if let s = categoryStandings[i] {
                (x.categoryRank, x.categoryPeers, x.categoryPercentile) = (s.rank, s.peers, s.percentile.hundredths ?? 0)
            }
            if let p = previous[x.subjectID] {
                (x.previousRunID, x.previousTotal, x.previousGrade) = (p.runID, p.total, p.grade)
            }
            x.inputs = input.entries.map(\.seq)
            x.resultSHA256 = Self.hash(x)
            return x
        }
    }

    /// The standing of each scored subject among the scored subjects of the same `key`, by position.
    static func standings(_ inputs: [SubjectInput], _ scored: [SubjectResult], groupedBy key: (SubjectInput) -> String) -> [LianjieScoring.Standing?] {
        var groups: [String: [Int]] = [:]
        for i in inputs.indices where scored[i].total != nil { groups[key(inputs[i]), default: []].append(i) }
        var out = [LianjieScoring.Standing?](repeating: nil, count: inputs.count)
        for members in groups.values {
            for (i, standing) in zip(members, Ranking.standings(totals: members.map { scored[$0].total! })) { out[i] = standing }
        }
        return out
    }

    /// SHA-256 (hex) of a result's canonical text: everything it says, nothing it only shows
    /// (names and employee numbers may change later; they are kept beside it). The lines:
    ///
    ///     result subject=ID organization=ID category=CODE post=CODE coefficient=N noData=BOOL
    ///     total=T grade=N veto=SEQ,SEQ counted=N
    ///     dimension BASE ENTRIES ADJUSTMENT SCORE WEIGHT WEIGHTED      (one per dimension)
    ///     standing organization=RANK/PEERS/PERCENTILE category=RANK/PEERS/PERCENTILE
    ///     previous run=ID total=T grade=N
    ///     inputs=N
    ///
    /// each ending in a newline, put together byte by byte (string interpolation took a third
    /// of the time to build a run's results).
    static func hash(_ x: EvaluationResultRecord) -> String {
        var t = HashedText()
        t.add("result subject=", x.subjectID, " organization=", x.organizationID, " category=", x.categoryCode, " post=", x.postCode)
        t.add(" coefficient=", String(x.postCoefficient), " noData=", x.noData ? "true" : "false", "\n")
        t.add("total=", x.total, " grade=", String(x.grade), " veto=")
        for (i, v) in x.vetoEntries.enumerated() { t.add(i == 0 ? "" : ",", String(v)) }
        t.add(" counted=", String(x.countedEntries), "\n")
        for d in x.dimensions {
            t.add("dimension ")
            for (i, field) in d.enumerated() { t.add(i == 0 ? "" : " ", field) }
            t.add("\n")
        }
        t.add("standing organization=", String(x.organizationRank), "/", String(x.organizationPeers), "/", String(x.organizationPercentile))
        t.add(" category=", String(x.categoryRank), "/", String(x.categoryPeers), "/", String(x.categoryPercentile), "\n")
        t.add("previous run=", x.previousRunID, " total=", x.previousTotal, " grade=", String(x.previousGrade), "\n")
        t.add("inputs=", String(x.inputs.count), "\n")
        return t.hex()
    }

    /// SHA-256 (hex) of every input, in subject order: the run's scope and scheme, the tags
    /// the entries name (as recorded), then each subject's placement, category, post and
    /// coefficient with the digest of the entries it was scored from (seq, tag, day,
    /// quantity). The subjects' digests are computed on every core.
    func inputsHash(_ inputs: [SubjectInput], _ refs: RefTable) -> String {
        // Tags are named by their place among the tags the inputs use, sorted by text, so
        // the hash depends neither on the order they were read in nor on tags of entries
        // outside the scope.
        var usedRefs = [Bool](repeating: false, count: refs.texts.count)
        for input in inputs { for e in input.entries { usedRefs[Int(e.ref)] = true } }
        let usedTexts = refs.texts.indices.filter { usedRefs[$0] }.sorted { refs.texts[$0] < refs.texts[$1] }
        var rankOf = [Int32](repeating: -1, count: refs.texts.count)
        for (rank, i) in usedTexts.enumerated() { rankOf[i] = Int32(rank) }
        let ranks = rankOf
        let digests = Parallel.map(inputs) { input -> String in
            let r = input.row
            // The subject's line, then each entry as 24 little-endian bytes: seq, the tag's
            // rank, day, quantity.
            var records = input.entries.map { e in
                InputEntry(seq: e.seq.littleEndian, quantity: e.quantity.littleEndian, ref: ranks[Int(e.ref)].littleEndian, day: e.day.littleEndian)
            }
            let stream = Digest.SHA256Stream()
            var line = "subject \(r.subjectID) organization=\(r.organizationID) category=\(r.categoryCode) post=\(r.postCode) "
                + "coefficient=\(input.scoring.postCoefficient) entries=\(input.entries.count)\n"
            line.withUTF8 { stream.update(UnsafeRawBufferPointer($0)) }
            records.withUnsafeMutableBytes { stream.update(UnsafeRawBufferPointer($0)) }
            return Digest.hex(stream.finish())
        }
        var text = HashedText()
        text.add("run period=\(run.period.kind)/\(run.period.year)/\(run.period.index) scope=\(run.scopeKey) scheme=\(run.schemeVersion) "
                 + "hash=\(run.schemeHash) rules=\(run.rulesHash) date=\(run.evaluationDate)\n")
        for i in usedTexts { text.add("tag ", refs.texts[i], "\n") }
        for (input, digest) in zip(inputs, digests) { text.add(input.row.subjectID, " ", digest, "\n") }
        return text.hex()
    }

    /// SHA-256 (hex) over the results' own hashes, in subject order.
    static func resultsHash(_ results: [EvaluationResultRecord]) -> String {
        let ordered = zip(results, results.dropFirst()).allSatisfy { $0.subjectID < $1.subjectID }
            ? results : results.sorted { $0.subjectID < $1.subjectID }
        var text = HashedText()
        for r in ordered { text.add(r.subjectID, " ", r.resultSHA256, "\n") }
        return text.hex()
    }

    /// Text hashed (SHA-256) as it is put together, its UTF-8 appended in place (no string
    /// per line); a text past 64 KiB is fed to a streaming hash 64 KiB at a time.
    struct HashedText {
        private var stream: Digest.SHA256Stream?
        private var pending: [UInt8] = []

        init() { pending.reserveCapacity(512) }

        @inline(__always)
        mutating func add(_ parts: String...) {
            for var p in parts { p.withUTF8 { pending.append(contentsOf: $0) } }
            if pending.count >= 1 << 16 { flush() }
        }

        private mutating func flush() {
            if stream == nil { stream = Digest.SHA256Stream() }
            pending.withUnsafeBytes { stream!.update($0) }
            pending.removeAll(keepingCapacity: true)
        }

        /// The hash (hex) of everything added; the text is spent after it.
        mutating func hex() -> String {
            guard stream != nil else { return Digest.hex(Digest.sha256(pending)) }
            flush()
            return Digest.hex(stream!.finish())
        }
    }

    /// SHA-256 (hex) of the scheme's work-order and alert rules: the rule versions a run used.
    static func rulesHash(_ scheme: CoreScheme) -> String {
        let lines = scheme.canonicalText.split(separator: "\n").filter { $0.hasPrefix("rule ") || $0.hasPrefix("alert ") }
        return Digest.hex(Digest.sha256(lines.joined(separator: "\n")))
    }
}
