import Foundation
import CSQLite

/// Evaluation analysis: runs, results, their inputs, alerts and the outbox.
extension SQLiteAccess {
    // MARK: Runs

    /// A run's organisation's path now (it follows a move of the organisation), or the
    /// path it had when the run was made if the organisation is gone.
    static let runPath = "COALESCE((SELECT path FROM organizations WHERE organizations.id = evaluation_runs.organization_id), evaluation_runs.organization_path)"
    /// The same for a result's organisation.
    static let resultPath =
        "COALESCE((SELECT path FROM organizations WHERE organizations.id = evaluation_results.organization_id), evaluation_results.organization_path)"
    /// An alert is in the scope of the subject's organisation now (it follows a transfer).
    static let alertOrganization = "COALESCE((SELECT organization_id FROM subjects WHERE subjects.id = alerts.subject_id), alerts.organization_id)"
    static let alertPath = """
        COALESCE((SELECT o.path FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE s.id = alerts.subject_id), \
        alerts.organization_path)
        """

    private static let runColumns = """
        SELECT seq, id, period_kind, period_year, period_index, organization_id, \(runPath), categories, scheme_version,
               scheme_hash, rules_hash, evaluation_date, state, subjects_total, subjects_done, phase, heartbeat, grades, person_times,
               inputs_sha256, results_sha256, created_by, create_time, finish_time, published_by, publish_time, publish_note, is_current,
               superseded_by, supersede_time, supersede_reason, supersedes, end_reason, alerts_raised, version
        FROM evaluation_runs
        """

    private func runRow(_ r: [SQLValue]) -> EvaluationRunRecord {
        var x = EvaluationRunRecord()
        x.seq = r[0].int
        x.id = r[1].text
        x.period = PeriodKey(kind: Int32(r[2].int), year: Int32(r[3].int), index: Int32(r[4].int))
        x.organizationID = r[5].text
        x.organizationPath = r[6].text
        x.categories = Codec.list(r[7].text)
        x.schemeVersion = Int(r[8].int)
        x.schemeHash = r[9].text
        x.rulesHash = r[10].text
        x.evaluationDate = r[11].text
        x.state = Int32(r[12].int)
        x.subjectsTotal = Int(r[13].int)
        x.subjectsDone = Int(r[14].int)
        x.phase = r[15].text
        x.heartbeat = r[16].int
        let grades = Codec.list(r[17].text).compactMap { Int($0) }
        x.grades = grades.count == 5 ? grades : [0, 0, 0, 0, 0]
        x.personTimes = Int(r[18].int)
        x.inputsSHA256 = r[19].text
        x.resultsSHA256 = r[20].text
        x.createdBy = r[21].text
        x.createTime = r[22].int
        x.finishTime = r[23].int
        x.publishedBy = r[24].text
        x.publishTime = r[25].int
        x.publishNote = r[26].text
        x.isCurrent = r[27].int != 0
        x.supersededBy = r[28].text
        x.supersedeTime = r[29].int
        x.supersedeReason = r[30].text
        x.supersedes = r[31].text
        x.endReason = r[32].text
        x.alertsRaised = Int(r[33].int)
        x.version = r[34].int
        return x
    }

    private func runValues(_ x: EvaluationRunRecord) -> [SQLValue] {
        [.int(Int64(x.period.kind)), .int(Int64(x.period.year)), .int(Int64(x.period.index)), .text(x.organizationID), .text(x.organizationPath),
         .text(x.categories.joined(separator: ",")), .text(x.scopeKey), .int(Int64(x.schemeVersion)), .text(x.schemeHash), .text(x.rulesHash),
         .text(x.evaluationDate), .int(Int64(x.state)), .int(Int64(x.subjectsTotal)), .int(Int64(x.subjectsDone)), .text(x.phase),
         .int(x.heartbeat), .text(x.grades.map(String.init).joined(separator: ",")), .int(Int64(x.personTimes)), .text(x.inputsSHA256),
         .text(x.resultsSHA256), .text(x.createdBy), .int(x.createTime), .int(x.finishTime), .text(x.publishedBy), .int(x.publishTime),
         .text(x.publishNote), .int(x.isCurrent ? 1 : 0), .text(x.supersededBy), .int(x.supersedeTime), .text(x.supersedeReason),
         .text(x.supersedes), .text(x.endReason), .int(Int64(x.alertsRaised))]
    }

    func evaluationRun(id: String) throws -> EvaluationRunRecord? {
        try db.query("\(Self.runColumns) WHERE id = ?", [.text(id)]).first.map(runRow)
    }

    private func runWhere(_ f: EvaluationRunFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: Self.runPath)
        if let p = f.underPath {
            clause += " AND substr(\(Self.runPath), 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let p = f.period {
            clause += " AND period_kind = ? AND period_year = ? AND period_index = ?"
            args += [.int(Int64(p.kind)), .int(Int64(p.year)), .int(Int64(p.index))]
        }
        if let s = f.state { clause += " AND state = ?"; args.append(.int(Int64(s))) }
        if f.currentOnly { clause += " AND is_current = 1" }
        return (clause, args)
    }

    func evaluationRuns(_ f: EvaluationRunFilter, page: Page) throws -> [EvaluationRunRecord] {
        let (clause, args) = runWhere(f)
        return try db.query("\(Self.runColumns) WHERE \(clause) AND seq < ? ORDER BY seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(runRow)
    }

    func evaluationRunCount(_ f: EvaluationRunFilter) throws -> Int {
        let (clause, args) = runWhere(f)
        return try count("SELECT COUNT(*) FROM evaluation_runs WHERE \(clause)", args)
    }

    func currentEvaluationRun(scopeKey: String, period: PeriodKey, schemeVersion: Int) throws -> EvaluationRunRecord? {
        try db.query("""
            \(Self.runColumns) WHERE scope_key = ? AND period_kind = ? AND period_year = ? AND period_index = ? AND scheme_version = ?
            AND is_current = 1
            """, [.text(scopeKey), .int(Int64(period.kind)), .int(Int64(period.year)), .int(Int64(period.index)),
                  .int(Int64(schemeVersion))]).first.map(runRow)
    }

    func createEvaluationRun(_ x: EvaluationRunRecord) throws -> Int64 {
        try db.query("""
            INSERT INTO evaluation_runs (id, period_kind, period_year, period_index, organization_id, organization_path, categories, scope_key,
                scheme_version, scheme_hash, rules_hash, evaluation_date, state, subjects_total, subjects_done, phase, heartbeat, grades,
                person_times, inputs_sha256, results_sha256, created_by, create_time, finish_time, published_by, publish_time, publish_note,
                is_current, superseded_by, supersede_time, supersede_reason, supersedes, end_reason, alerts_raised, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, [.text(x.id)] + runValues(x))
        return db.lastInsertRowID
    }

    func updateEvaluationRun(_ x: EvaluationRunRecord) throws {
        try conflict("another run is current for this scope, period and scheme") { () throws(StoreError) in
            try db.query("""
                UPDATE evaluation_runs SET period_kind = ?, period_year = ?, period_index = ?, organization_id = ?, organization_path = ?,
                    categories = ?, scope_key = ?, scheme_version = ?, scheme_hash = ?, rules_hash = ?, evaluation_date = ?, state = ?,
                    subjects_total = ?, subjects_done = ?, phase = ?, heartbeat = ?, grades = ?, person_times = ?, inputs_sha256 = ?,
                    results_sha256 = ?, created_by = ?, create_time = ?, finish_time = ?, published_by = ?, publish_time = ?, publish_note = ?,
                    is_current = ?, superseded_by = ?, supersede_time = ?, supersede_reason = ?, supersedes = ?, end_reason = ?,
                    alerts_raised = ?, version = version + 1
                WHERE id = ?
                """, runValues(x) + [.text(x.id)])
        }
    }

    // MARK: Results

    private static let resultColumns = """
        SELECT run_id, subject_id, employee_number, subject_name, evaluation_results.organization_id, \(resultPath) AS organization_path,
               category_code, post_code,
               post_coefficient, no_data, total, total_units, grade, veto_entries, dimensions, counted_entries, organization_rank,
               organization_peers, organization_percentile, category_rank, category_peers, category_percentile, previous_run_id,
               previous_total, previous_grade, inputs, result_sha256
        """

    /// The result columns without the inputs (an empty blob in their place): for listings,
    /// which never need a run's millions of input seqs.
    private static let listColumns = resultColumns.replacingOccurrences(of: "previous_grade, inputs,", with: "previous_grade, x'' AS inputs,")

    private func resultRow(_ r: [SQLValue], from i: Int = 0) -> EvaluationResultRecord {
        var x = EvaluationResultRecord()
        x.runID = r[i].text
        x.subjectID = r[i + 1].text
        x.employeeNumber = r[i + 2].text
        x.subjectName = r[i + 3].text
        x.organizationID = r[i + 4].text
        x.organizationPath = r[i + 5].text
        x.categoryCode = r[i + 6].text
        x.postCode = r[i + 7].text
        x.postCoefficient = r[i + 8].int
        x.noData = r[i + 9].int != 0
        x.total = r[i + 10].text
        x.totalUnits = r[i + 11].int
        x.grade = Int32(r[i + 12].int)
        x.vetoEntries = Codec.list(r[i + 13].text).compactMap { Int64($0) }
        x.dimensions = Codec.list(r[i + 14].text, separator: ";").map { Codec.list($0) }
        x.countedEntries = Int(r[i + 15].int)
        x.organizationRank = Int(r[i + 16].int)
        x.organizationPeers = Int(r[i + 17].int)
        x.organizationPercentile = r[i + 18].int
        x.categoryRank = Int(r[i + 19].int)
        x.categoryPeers = Int(r[i + 20].int)
        x.categoryPercentile = r[i + 21].int
        x.previousRunID = r[i + 22].text
        x.previousTotal = r[i + 23].text
        x.previousGrade = Int32(r[i + 24].int)
        x.inputs = Codec.seqs(r[i + 25].blob)
        x.resultSHA256 = r[i + 26].text
        return x
    }

    func evaluationResult(runID: String, subjectID: String) throws -> EvaluationResultRecord? {
        try db.query("\(Self.resultColumns) FROM evaluation_results WHERE run_id = ? AND subject_id = ?", [.text(runID), .text(subjectID)])
            .first.map { resultRow($0) }
    }

    private func resultWhere(_ runID: String, _ f: EvaluationResultFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: Self.resultPath)
        clause = "run_id = ? AND " + clause
        args.insert(.text(runID), at: 0)
        if let p = f.underPath {
            clause += " AND substr(\(Self.resultPath), 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let g = f.grade { clause += " AND grade = ?"; args.append(.int(Int64(g))) }
        if let s = f.excludeSubjectID { clause += " AND subject_id != ?"; args.append(.text(s)) }
        return (clause, args)
    }

    func evaluationResults(runID: String, _ f: EvaluationResultFilter, page: Page) throws -> [(key: String, result: EvaluationResultRecord)] {
        let (clause, args) = resultWhere(runID, f)
        // The sort key: by employee number, or by total (no data last) then employee number;
        // fixed width so that text order is key order.
        let key = f.byTotal
            ? "printf('%d%020d|%s', no_data, 4611686018427387903 - total_units, employee_number)"
            : "employee_number"
        return try db.query("""
            SELECT * FROM (SELECT \(key) AS sort_key, \(Self.listColumns.dropFirst("SELECT".count)) FROM evaluation_results WHERE \(clause))
            WHERE sort_key > ? ORDER BY sort_key LIMIT ?
            """, args + [.text(page.after ?? ""), .int(Int64(page.limit))]).map { ($0[0].text, resultRow($0, from: 1)) }
    }

    func evaluationResultCount(runID: String, _ f: EvaluationResultFilter) throws -> Int {
        let (clause, args) = resultWhere(runID, f)
        return try count("SELECT COUNT(*) FROM evaluation_results WHERE \(clause)", args)
    }

    func allEvaluationResults(runID: String, withInputs: Bool) throws -> [EvaluationResultRecord] {
        try db.query("\(withInputs ? Self.resultColumns : Self.listColumns) FROM evaluation_results WHERE run_id = ? ORDER BY subject_id",
                     [.text(runID)]).map { resultRow($0) }
    }

    private static let publishedColumns = "SELECT r.period_kind, r.period_year, r.period_index, r.publish_time, " + listColumns.dropFirst("SELECT".count)

    private func publishedRow(_ r: [SQLValue]) -> PublishedResultRow {
        var x = PublishedResultRow()
        x.period = PeriodKey(kind: Int32(r[0].int), year: Int32(r[1].int), index: Int32(r[2].int))
        x.publishTime = r[3].int
        x.result = resultRow(r, from: 4)
        return x
    }

    func publishedResults(subjectID: String, kind: Int32, limit: Int) throws -> [PublishedResultRow] {
        var out: [PublishedResultRow] = []
        try db.each("""
            \(Self.publishedColumns) FROM evaluation_results JOIN evaluation_runs r ON r.id = evaluation_results.run_id
            WHERE evaluation_results.subject_id = ? AND r.state = 3 AND r.is_current = 1 AND r.period_kind = ?
            ORDER BY r.period_year DESC, r.period_index DESC, r.publish_time DESC, r.seq DESC
            """, [.text(subjectID), .int(Int64(kind))]) { row in
            let x = publishedRow(row)
            if out.last?.period != x.period, out.count < limit { out.append(x) }
        }
        return out
    }

    func publishedResults(period: PeriodKey, underPath: String, categoryCode: String?) throws -> [PublishedResultRow] {
        var args: [SQLValue] = [.int(Int64(period.kind)), .int(Int64(period.year)), .int(Int64(period.index)),
                                .int(Int64(underPath.utf8.count)), .text(underPath)]
        var category = ""
        if let c = categoryCode { category = " AND evaluation_results.category_code = ?"; args.append(.text(c)) }
        var out: [PublishedResultRow] = []
        try db.each("""
            \(Self.publishedColumns) FROM evaluation_results JOIN evaluation_runs r ON r.id = evaluation_results.run_id
            WHERE r.state = 3 AND r.is_current = 1 AND r.period_kind = ? AND r.period_year = ? AND r.period_index = ?
            AND substr(\(Self.resultPath), 1, ?) = ?\(category)
            ORDER BY evaluation_results.subject_id, r.publish_time DESC, r.seq DESC
            """, args) { row in
            let x = publishedRow(row)
            if out.last?.result.subjectID != x.result.subjectID { out.append(x) }
        }
        return out
    }

    /// The current published runs of a period whose results lie under `path`, as SQL after
    /// the results table (the arguments are the period's, the path's and a subject to leave out).
    private static let currentUnderPath = """
        FROM evaluation_results JOIN evaluation_runs r ON r.id = evaluation_results.run_id
        WHERE r.state = 3 AND r.is_current = 1 AND r.period_kind = ? AND r.period_year = ? AND r.period_index = ?
        AND substr(\(resultPath), 1, ?) = ? AND evaluation_results.subject_id <> ?
        """

    func publishedResults(period: PeriodKey, underPath: String, excluding: String, afterSubjectID: String, limit: Int) throws -> [PublishedResultRow] {
        let args: [SQLValue] = [.int(Int64(period.kind)), .int(Int64(period.year)), .int(Int64(period.index)),
                                .int(Int64(underPath.utf8.count)), .text(underPath), .text(excluding)]
        let ids = try db.query("""
            SELECT DISTINCT evaluation_results.subject_id \(Self.currentUnderPath) AND evaluation_results.subject_id > ?
            ORDER BY evaluation_results.subject_id LIMIT ?
            """, args + [.text(afterSubjectID), .int(Int64(limit))]).map { $0[0].text }
        guard let first = ids.first, let last = ids.last else { return [] }
        var out: [PublishedResultRow] = []
        try db.each("""
            \(Self.publishedColumns) \(Self.currentUnderPath) AND evaluation_results.subject_id BETWEEN ? AND ?
            ORDER BY evaluation_results.subject_id, r.publish_time DESC, r.seq DESC
            """, args + [.text(first), .text(last)]) { row in
            let x = publishedRow(row)
            if out.last?.result.subjectID != x.result.subjectID { out.append(x) }
        }
        return out
    }

    func publishedSubjectCount(period: PeriodKey, underPath: String, excluding: String) throws -> Int {
        try count("SELECT COUNT(DISTINCT evaluation_results.subject_id) \(Self.currentUnderPath)",
                  [.int(Int64(period.kind)), .int(Int64(period.year)), .int(Int64(period.index)), .int(Int64(underPath.utf8.count)),
                   .text(underPath), .text(excluding)])
    }

    func publishedResults(period: PeriodKey, subjectIDs: [String]) throws -> [String: PublishedResultRow] {
        guard !subjectIDs.isEmpty else { return [:] }
        let wanted = Set(subjectIDs)
        var out: [String: PublishedResultRow] = [:]
        for x in try publishedResults(period: period, underPath: "", categoryCode: nil) where wanted.contains(x.result.subjectID) {
            out[x.result.subjectID] = x
        }
        return out
    }

    func saveEvaluationResults(_ results: [EvaluationResultRecord]) throws {
        let encoded = Self.encodedLists(results)
        try db.run("""
            INSERT INTO evaluation_results (run_id, subject_id, employee_number, subject_name, organization_id, organization_path,
                category_code, post_code, post_coefficient, no_data, total, total_units, grade, veto_entries, dimensions, counted_entries,
                organization_rank, organization_peers, organization_percentile, category_rank, category_peers, category_percentile,
                previous_run_id, previous_total, previous_grade, inputs, result_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, times: results.count) { b, i in
            let x = results[i], lists = encoded[i]
            b.text(x.runID); b.text(x.subjectID); b.text(x.employeeNumber); b.text(x.subjectName); b.text(x.organizationID)
            b.text(x.organizationPath); b.text(x.categoryCode); b.text(x.postCode); b.int(x.postCoefficient); b.int(x.noData ? 1 : 0)
            b.text(x.total); b.int(x.totalUnits); b.int(Int64(x.grade)); b.text(lists.veto); b.text(lists.dimensions); b.int(Int64(x.countedEntries))
            b.int(Int64(x.organizationRank)); b.int(Int64(x.organizationPeers)); b.int(x.organizationPercentile)
            b.int(Int64(x.categoryRank)); b.int(Int64(x.categoryPeers)); b.int(x.categoryPercentile); b.text(x.previousRunID)
            b.text(x.previousTotal); b.int(Int64(x.previousGrade)); b.blob(lists.inputs); b.text(x.resultSHA256)
        }
    }

    /// Each result's list columns as stored (veto entries, dimensions, input seqs), encoded
    /// on every core before the inserts, which SQLite runs on the writer's thread alone (a
    /// run's results hold every input seq: ten million at the benchmark's scale).
    private static func encodedLists(_ results: [EvaluationResultRecord]) -> [(veto: String, dimensions: String, inputs: [UInt8])] {
        let count = results.count
        let chunks = min(count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard chunks > 1 else { return results.map(encodedLists) }
        return [(veto: String, dimensions: String, inputs: [UInt8])](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Each chunk initializes its own disjoint range.
            nonisolated(unsafe) let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in (c * count / chunks)..<((c + 1) * count / chunks) { (base + i).initialize(to: encodedLists(results[i])) }
            }
            initialized = count
        }
    }

    private static func encodedLists(_ x: EvaluationResultRecord) -> (veto: String, dimensions: String, inputs: [UInt8]) {
        (x.vetoEntries.map(String.init).joined(separator: ","), x.dimensions.map { $0.joined(separator: ",") }.joined(separator: ";"),
         Codec.blob(x.inputs))
    }

    func deleteEvaluationResults(runID: String) throws {
        try db.query("DELETE FROM evaluation_results WHERE run_id = ?", [.text(runID)])
    }

    // MARK: Inputs

    private static let subjectColumns = """
        SELECT s.id, s.employee_number, s.name, p.organization_id, o.path, c.code, po.code, po.risk_coefficient
        FROM subjects s
        JOIN placements p ON p.subject_id = s.id AND p.from_date <= ? AND (p.to_date = '' OR p.to_date > ?)
        JOIN organizations o ON o.id = p.organization_id
        JOIN categories c ON c.id = s.category_id
        JOIN posts po ON po.id = s.post_id
        """

    /// The subjects `subjectColumns` selects with `clause`, read in place (a run's scope can
    /// hold a hundred thousand).
    private func evaluationSubjects(_ clause: String, _ args: [SQLValue]) throws -> [EvaluationSubjectRow] {
        var out: [EvaluationSubjectRow] = []
        try db.scan("\(Self.subjectColumns) \(clause)", args) { stmt in
            func text(_ column: Int32) -> String { sqlite3_column_text(stmt, column).map { String(cString: $0) } ?? "" }
            var x = EvaluationSubjectRow()
            x.subjectID = text(0)
            x.employeeNumber = text(1)
            x.name = text(2)
            x.organizationID = text(3)
            x.organizationPath = text(4)
            x.categoryCode = text(5)
            x.postCode = text(6)
            x.postCoefficient = text(7)
            out.append(x)
        }
        return out
    }

    func evaluationSubjects(underPath: String, on day: String, categories: [String]) throws -> [EvaluationSubjectRow] {
        var args: [SQLValue] = [.text(day), .text(day), .int(Int64(underPath.utf8.count)), .text(underPath)]
        var clause = ""
        if !categories.isEmpty {
            clause = " AND c.code IN (\(Array(repeating: "?", count: categories.count).joined(separator: ", ")))"
            args += categories.map { .text($0) }
        }
        // Active subjects: the placement covers the day, and the subject has not left.
        return try evaluationSubjects("WHERE s.status = 1 AND substr(o.path, 1, ?) = ?\(clause) ORDER BY s.id", args)
    }

    func evaluationSubject(id: String, on day: String) throws -> EvaluationSubjectRow? {
        try evaluationSubjects("WHERE s.id = ?", [.text(day), .text(day), .text(id)]).first
    }

    private static let entryColumns = """
        SELECT seq, id, subject_id, tag_library, tag_version, tag_code, tag_name, occurred_on, quantity, polarity FROM entries
        """

    private func entryRow(_ r: [SQLValue]) -> EvaluationEntryRow {
        var x = EvaluationEntryRow()
        x.seq = r[0].int
        x.id = r[1].text
        x.subjectID = r[2].text
        x.library = r[3].text
        x.libraryVersion = Int(r[4].int)
        x.code = r[5].text
        x.tagName = r[6].text
        x.occurredOn = r[7].text
        x.quantity = r[8].int
        x.polarity = r[9].text
        return x
    }

    func scanConfirmedEntries(subjectIDs: ArraySlice<String>, days: ClosedRange<Int32>, _ body: (Int, ConfirmedEntryRow) throws -> Void) throws {
        // One seek per subject into the table kept in subject and day order: a scope of a
        // few teams reads only their rows.
        for i in subjectIDs.indices {
            try db.scan("""
                SELECT seq, quantity, day, tag FROM confirmed_entries WHERE subject_id = ? AND day >= ? AND day <= ? ORDER BY day, seq
                """, [.text(subjectIDs[i]), .int(Int64(days.lowerBound)), .int(Int64(days.upperBound))]) { stmt in
                try body(i, ConfirmedEntryRow(seq: sqlite3_column_int64(stmt, 0), quantity: sqlite3_column_int64(stmt, 1),
                                              day: Int32(truncatingIfNeeded: sqlite3_column_int64(stmt, 2)), tag: sqlite3_column_int64(stmt, 3)))
            }
        }
    }

    func confirmedEntryTags() throws -> [ConfirmedEntryTag] {
        try db.query("SELECT id, library, version, code FROM tag_refs ORDER BY id").map {
            ConfirmedEntryTag(id: $0[0].int, library: $0[1].text, version: Int($0[2].int), code: $0[3].text)
        }
    }

    func evaluationEntries(seqs: [Int64]) throws -> [EvaluationEntryRow] {
        var out: [EvaluationEntryRow] = []
        var start = 0
        while start < seqs.count {
            let slice = seqs[start..<min(start + 500, seqs.count)]
            start += 500
            let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            out += try db.query("\(Self.entryColumns) WHERE seq IN (\(placeholders))", slice.map { .int($0) }).map(entryRow)
        }
        return out.sorted { $0.seq < $1.seq }
    }

    func confirmedEntries(subjectID: String, from: String, to: String) throws -> [EvaluationEntryRow] {
        try db.query("\(Self.entryColumns) WHERE subject_id = ? AND status = 2 AND occurred_on >= ? AND occurred_on <= ? ORDER BY seq",
                     [.text(subjectID), .text(from), .text(to)]).map(entryRow)
    }

    func pendingEntryCount(subjectID: String, from: String, to: String) throws -> Int {
        try count("SELECT COUNT(*) FROM entries WHERE subject_id = ? AND status = 1 AND occurred_on >= ? AND occurred_on <= ?",
                  [.text(subjectID), .text(from), .text(to)])
    }

    func entryCounts(underPath: String, categoryCode: String?, from: String, to: String)
        throws -> (bySourceAndStatus: [KeyCount], debitTags: [KeyCount]) {
        var args: [SQLValue] = [.int(Int64(underPath.utf8.count)), .text(underPath), .text(from), .text(to)]
        var category = ""
        if let c = categoryCode { category = " AND c.code = ?"; args.append(.text(c)) }
        let base = """
            FROM entries e JOIN subjects s ON s.id = e.subject_id JOIN organizations o ON o.id = s.organization_id
            JOIN categories c ON c.id = s.category_id
            WHERE substr(o.path, 1, ?) = ? AND e.occurred_on >= ? AND e.occurred_on <= ?\(category)
            """
        let counts = try db.query("SELECT e.source, e.status, COUNT(*) \(base) GROUP BY e.source, e.status ORDER BY e.source, e.status", args)
            .map { KeyCount(key: "\($0[0].int)/\($0[1].int)", label: "", count: Int($0[2].int)) }
        let tags = try db.query("""
            SELECT e.tag_library || '/' || e.tag_code, MAX(e.tag_name), COUNT(*), COUNT(DISTINCT e.subject_id), MAX(e.dimension)
            \(base) AND e.status = 2 AND e.polarity = 'debit'
            GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10
            """, args).map { KeyCount(key: $0[0].text, label: $0[1].text, count: Int($0[2].int), subjects: Int($0[3].int), detail: $0[4].text) }
        return (counts, tags)
    }

    // MARK: Alerts

    private static let alertColumns = """
        SELECT seq, id, rule, kind, condition, severity, subject_id, subject_name, \(alertOrganization), \(alertPath), period_kind,
               period_year, period_index, dedupe_key, state, summary, entry_ids, work_orders, run_id, scheme_version, raise_time, version,
               case_id
        FROM alerts
        """

    private func alertRow(_ r: [SQLValue]) -> AlertRecord {
        var x = AlertRecord()
        x.seq = r[0].int
        x.id = r[1].text
        x.rule = r[2].text
        x.kind = r[3].text
        x.condition = r[4].text
        x.severity = Int32(r[5].int)
        x.subjectID = r[6].text
        x.subjectName = r[7].text
        x.organizationID = r[8].text
        x.organizationPath = r[9].text
        x.period = PeriodKey(kind: Int32(r[10].int), year: Int32(r[11].int), index: Int32(r[12].int))
        x.dedupeKey = r[13].text
        x.state = Int32(r[14].int)
        x.summary = r[15].text
        x.entryIDs = Codec.list(r[16].text)
        x.workOrders = Codec.list(r[17].text)
        x.runID = r[18].text
        x.schemeVersion = Int(r[19].int)
        x.raiseTime = r[20].int
        x.version = r[21].int
        x.caseID = r[22].text
        return x
    }

    func alert(id: String) throws -> AlertRecord? {
        try db.query("\(Self.alertColumns) WHERE id = ?", [.text(id)]).first.map(alertRow)
    }

    func alert(dedupeKey: String) throws -> AlertRecord? {
        try db.query("\(Self.alertColumns) WHERE dedupe_key = ?", [.text(dedupeKey)]).first.map(alertRow)
    }

    private func alertWhere(_ f: AlertFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: Self.alertPath)
        if let p = f.underPath {
            clause += " AND substr(\(Self.alertPath), 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let s = f.subjectID { clause += " AND subject_id = ?"; args.append(.text(s)) }
        if let s = f.excludeSubjectID { clause += " AND subject_id != ?"; args.append(.text(s)) }
        if let s = f.state { clause += " AND state = ?"; args.append(.int(Int64(s))) }
        if let p = f.period {
            clause += " AND period_kind = ? AND period_year = ? AND period_index = ?"
            args += [.int(Int64(p.kind)), .int(Int64(p.year)), .int(Int64(p.index))]
        }
        return (clause, args)
    }

    func alerts(_ f: AlertFilter, page: Page) throws -> [AlertRecord] {
        let (clause, args) = alertWhere(f)
        return try db.query("\(Self.alertColumns) WHERE \(clause) AND seq < ? ORDER BY seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(alertRow)
    }

    func alertCount(_ f: AlertFilter) throws -> Int {
        let (clause, args) = alertWhere(f)
        return try count("SELECT COUNT(*) FROM alerts WHERE \(clause)", args)
    }

    func alertEvents(alertID: String) throws -> [AlertEventRecord] {
        try db.query("SELECT time, account_id, action, note FROM alert_events WHERE alert_id = ? ORDER BY seq", [.text(alertID)]).map {
            AlertEventRecord(alertID: alertID, time: $0[0].int, accountID: $0[1].text, action: $0[2].text, note: $0[3].text)
        }
    }

    private func appendAlertEvent(_ e: AlertEventRecord) throws {
        try db.query("""
            INSERT INTO alert_events (alert_id, seq, time, account_id, action, note)
            VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM alert_events WHERE alert_id = ?), ?, ?, ?, ?)
            """, [.text(e.alertID), .text(e.alertID), .int(e.time), .text(e.accountID), .text(e.action), .text(e.note)])
    }

    private func alertValues(_ x: AlertRecord) -> [SQLValue] {
        [.text(x.rule), .text(x.kind), .text(x.condition), .int(Int64(x.severity)), .text(x.subjectID), .text(x.subjectName),
         .text(x.organizationID), .text(x.organizationPath), .int(Int64(x.period.kind)), .int(Int64(x.period.year)),
         .int(Int64(x.period.index)), .text(x.dedupeKey), .int(Int64(x.state)), .text(x.summary), .text(x.entryIDs.joined(separator: ",")),
         .text(x.workOrders.joined(separator: ",")), .text(x.runID), .int(Int64(x.schemeVersion)), .int(x.raiseTime), .text(x.caseID)]
    }

    func createAlert(_ x: AlertRecord, event: AlertEventRecord) throws {
        try conflict("this alert was raised already") { () throws(StoreError) in
            try db.query("""
                INSERT INTO alerts (id, rule, kind, condition, severity, subject_id, subject_name, organization_id, organization_path,
                    period_kind, period_year, period_index, dedupe_key, state, summary, entry_ids, work_orders, run_id, scheme_version,
                    raise_time, case_id, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                """, [.text(x.id)] + alertValues(x))
        }
        try appendAlertEvent(event)
    }

    func updateAlert(_ x: AlertRecord, event: AlertEventRecord) throws {
        try db.query("""
            UPDATE alerts SET rule = ?, kind = ?, condition = ?, severity = ?, subject_id = ?, subject_name = ?, organization_id = ?,
                organization_path = ?, period_kind = ?, period_year = ?, period_index = ?, dedupe_key = ?, state = ?, summary = ?,
                entry_ids = ?, work_orders = ?, run_id = ?, scheme_version = ?, raise_time = ?, case_id = ?, version = version + 1
            WHERE id = ?
            """, alertValues(x) + [.text(x.id)])
        try appendAlertEvent(event)
    }

    func accountIDs(roles: [String], covering path: String) throws -> [String] {
        guard !roles.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: roles.count).joined(separator: ", ")
        return try db.query("""
            SELECT DISTINCT g.account_id FROM account_grants g JOIN accounts a ON a.id = g.account_id
            LEFT JOIN organizations o ON o.id = g.organization_id
            WHERE a.disabled = 0 AND g.role IN (\(placeholders))
            AND (g.organization_id = '' OR (o.path IS NOT NULL AND substr(?, 1, length(o.path)) = o.path))
            ORDER BY g.account_id
            """, roles.map { .text($0) } + [.text(path)]).map { $0[0].text }
    }

    func enqueueNotification(_ x: NotificationRecord) throws -> Bool {
        try db.query("""
            INSERT INTO notification_outbox (recipient, channel, dedupe_key, payload, create_time) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (dedupe_key) DO NOTHING
            """, [.text(x.recipient), .text(x.channel), .text(x.dedupeKey), .text(x.payload), .int(x.createTime)])
        return db.changes > 0
    }

    private static let notificationColumns = """
        SELECT n.seq, n.recipient, n.channel, n.dedupe_key, n.payload, n.create_time, n.delivered_time, n.attempts, n.state,
               n.next_attempt_time, n.lease_until, n.last_error, COALESCE(a.username, ''), COALESCE(a.platform_user_id, '')
        FROM notification_outbox n LEFT JOIN accounts a ON a.id = n.recipient
        """

    private func notificationRows(_ clause: String, _ args: [SQLValue]) throws -> [NotificationRecord] {
        try db.query("\(Self.notificationColumns) \(clause)", args).map {
            var x = NotificationRecord()
            x.seq = $0[0].int
            x.recipient = $0[1].text
            x.channel = $0[2].text
            x.dedupeKey = $0[3].text
            x.payload = $0[4].text
            x.createTime = $0[5].int
            x.deliveredTime = $0[6].int
            x.attempts = Int($0[7].int)
            x.state = Int($0[8].int)
            x.nextAttemptTime = $0[9].int
            x.leaseUntil = $0[10].int
            x.lastError = $0[11].text
            x.recipientUsername = $0[12].text
            x.recipientPlatformUserID = $0[13].text
            return x
        }
    }

    func pendingNotifications(limit: Int) throws -> [NotificationRecord] {
        try notificationRows("WHERE n.delivered_time = 0 ORDER BY n.seq LIMIT ?", [.int(Int64(limit))])
    }

    func notification(seq: Int64) throws -> NotificationRecord? {
        try notificationRows("WHERE n.seq = ?", [.int(seq)]).first
    }

    func notifications(state: Int?, page: Page) throws -> [NotificationRecord] {
        let after = Int64(page.after ?? "") ?? Int64.max
        if let state {
            return try notificationRows("WHERE n.state = ? AND n.seq < ? ORDER BY n.seq DESC LIMIT ?",
                                        [.int(Int64(state)), .int(after), .int(Int64(page.limit))])
        }
        return try notificationRows("WHERE n.seq < ? ORDER BY n.seq DESC LIMIT ?", [.int(after), .int(Int64(page.limit))])
    }

    func notificationCount(state: Int?) throws -> Int {
        if let state { return try count("SELECT COUNT(*) FROM notification_outbox WHERE state = ?", [.int(Int64(state))]) }
        return try count("SELECT COUNT(*) FROM notification_outbox", [])
    }

    func claimable(now: Int64) throws -> Bool {
        try !db.query("""
            SELECT 1 FROM notification_outbox WHERE state = 0 AND next_attempt_time <= ? AND lease_until <= ? LIMIT 1
            """, [.int(now), .int(now)]).isEmpty
    }

    func claimNotifications(now: Int64, leaseUntil: Int64, limit: Int) throws -> [NotificationRecord] {
        var claimed = try notificationRows("""
            WHERE n.state = 0 AND n.next_attempt_time <= ? AND n.lease_until <= ? ORDER BY n.seq LIMIT ?
            """, [.int(now), .int(now), .int(Int64(limit))])
        for i in claimed.indices {
            try db.query("UPDATE notification_outbox SET lease_until = ? WHERE seq = ?", [.int(leaseUntil), .int(claimed[i].seq)])
            claimed[i].leaseUntil = leaseUntil
        }
        return claimed
    }

    func saveNotificationDelivery(_ x: NotificationRecord) throws {
        try db.query("""
            UPDATE notification_outbox SET state = ?, attempts = ?, next_attempt_time = ?, lease_until = ?, last_error = ?,
                                           delivered_time = ? WHERE seq = ?
            """, [.int(Int64(x.state)), .int(Int64(x.attempts)), .int(x.nextAttemptTime), .int(x.leaseUntil), .text(x.lastError),
                  .int(x.deliveredTime), .int(x.seq)])
    }
}

/// How lists are kept in one column.
enum Codec {
    /// Comma-separated values (none of which holds a comma: ids, codes, numbers).
    static func list(_ text: String, separator: Character = ",") -> [String] {
        text.isEmpty ? [] : text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }

    /// Seqs in the order given, each as its difference from the one before (zigzag, so a
    /// step back is small too) in a LEB128 varint.
    static func blob(_ seqs: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(seqs.count * 3)
        var previous: Int64 = 0
        for s in seqs {
            let d = s &- previous
            previous = s
            var v = UInt64(bitPattern: (d << 1) ^ (d >> 63))
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        return out
    }

    static func seqs(_ blob: [UInt8]) -> [Int64] {
        var out: [Int64] = []
        var previous: Int64 = 0, value: UInt64 = 0, shift: UInt64 = 0
        for b in blob {
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 != 0, shift < 63 { shift += 7; continue }
            let d = Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
            previous &+= d
            out.append(previous)
            value = 0
            shift = 0
        }
        return out
    }
}
