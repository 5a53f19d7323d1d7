/// Data entry: scheme versions and the draft, entries, evidence and uploads.
extension SQLiteAccess {
    // MARK: The scheme

    private static let schemeColumns = "SELECT version, label, document, hash, note, published_by, publish_time, tag_count FROM scheme_versions"

    private func schemeRow(_ r: [SQLValue]) -> SchemeVersionRecord {
        SchemeVersionRecord(version: Int(r[0].int), label: r[1].text, document: r[2].text, hash: r[3].text, note: r[4].text,
                            publishedBy: r[5].text, publishTime: r[6].int, tagCount: Int(r[7].int))
    }

    func latestPublishedScheme() throws -> SchemeVersionRecord? {
        try db.query("\(Self.schemeColumns) ORDER BY version DESC LIMIT 1").first.map(schemeRow)
    }

    func latestSchemeVersion() throws -> Int {
        try count("SELECT COALESCE(MAX(version), 0) FROM scheme_versions", [])
    }

    func publishedScheme(version: Int) throws -> SchemeVersionRecord? {
        try db.query("\(Self.schemeColumns) WHERE version = ?", [.int(Int64(version))]).first.map(schemeRow)
    }

    func publishedSchemes(before: Int?, limit: Int) throws -> [SchemeVersionRecord] {
        try db.query("\(Self.schemeColumns) WHERE version < ? ORDER BY version DESC LIMIT ?",
                     [.int(Int64(before ?? Int(Int32.max))), .int(Int64(limit))]).map(schemeRow)
    }

    func publishedSchemeCount() throws -> Int { try count("SELECT COUNT(*) FROM scheme_versions", []) }

    func schemeDraft() throws -> SchemeDraftRecord? {
        try db.query("SELECT document, based_on, changed_by, change_time, version FROM scheme_draft WHERE id = 1").first.map {
            SchemeDraftRecord(document: $0[0].text, basedOn: Int($0[1].int), changedBy: $0[2].text, changeTime: $0[3].int, version: $0[4].int)
        }
    }

    func publishScheme(_ r: SchemeVersionRecord) throws {
        try conflict("scheme version \(r.version) is published already") { () throws(StoreError) in
            try db.query("""
                INSERT INTO scheme_versions (version, label, document, hash, note, published_by, publish_time, tag_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.int(Int64(r.version)), .text(r.label), .text(r.document), .text(r.hash), .text(r.note), .text(r.publishedBy),
                      .int(r.publishTime), .int(Int64(r.tagCount))])
        }
    }

    func saveSchemeDraft(_ d: SchemeDraftRecord) throws {
        try db.query("""
            INSERT INTO scheme_draft (id, document, based_on, changed_by, change_time, version) VALUES (1, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET document = excluded.document, based_on = excluded.based_on,
                changed_by = excluded.changed_by, change_time = excluded.change_time, version = excluded.version
            """, [.text(d.document), .int(Int64(d.basedOn)), .text(d.changedBy), .int(d.changeTime), .int(d.version)])
    }

    // MARK: Entries

    private static let entryColumns = """
        SELECT e.seq, e.id, e.subject_id, e.tag_library, e.tag_version, e.tag_code, e.tag_name, e.dimension, e.polarity,
               e.occurred_on, e.quantity, e.description, e.source, e.status, e.recorded_by, e.record_time, e.reviewed_by,
               e.review_time, e.status_reason, e.scheme_version, e.rule, e.rule_key, e.appeal_state, e.appeal_statement,
               e.appeal_file_time, e.appeal_decided_by, e.appeal_decide_time, e.appeal_reason, e.version
        FROM entries e
        """

    private func entryRows(_ rest: String, _ args: [SQLValue]) throws -> [EntryRecord] {
        let rows = try db.query("\(Self.entryColumns) \(rest)", args)
        guard !rows.isEmpty else { return [] }
        // Every listed entry's work orders and evidence in one query each.
        let placeholders = Array(repeating: "?", count: rows.count).joined(separator: ", ")
        let ids = rows.map { $0[1] }
        var orders: [String: [String]] = [:], evidence: [String: [String]] = [:]
        for r in try db.query("SELECT entry_id, work_order FROM entry_work_orders WHERE entry_id IN (\(placeholders)) ORDER BY entry_id, work_order", ids) {
            orders[r[0].text, default: []].append(r[1].text)
        }
        for r in try db.query("SELECT entry_id, evidence_id FROM entry_evidence WHERE entry_id IN (\(placeholders)) ORDER BY entry_id, position", ids) {
            evidence[r[0].text, default: []].append(r[1].text)
        }
        return rows.map { r in
            let appeal = r[22].int == 0 ? nil : AppealRecord(state: Int32(r[22].int), statement: r[23].text, fileTime: r[24].int,
                                                             decidedBy: r[25].text, decideTime: r[26].int, decisionReason: r[27].text)
            return EntryRecord(id: r[1].text, seq: r[0].int, subjectID: r[2].text, tagLibrary: r[3].text, tagVersion: Int(r[4].int),
                               tagCode: r[5].text, tagName: r[6].text, dimension: r[7].text, polarity: r[8].text, occurredOn: r[9].text,
                               quantity: r[10].int, description: r[11].text, workOrders: orders[r[1].text] ?? [],
                               evidenceIDs: evidence[r[1].text] ?? [], source: Int32(r[12].int), status: Int32(r[13].int),
                               recordedBy: r[14].text, recordTime: r[15].int, reviewedBy: r[16].text, reviewTime: r[17].int,
                               statusReason: r[18].text, schemeVersion: Int(r[19].int), rule: r[20].text, ruleKey: r[21].text,
                               appeal: appeal, version: r[28].int)
        }
    }

    func entry(id: String) throws -> EntryRecord? {
        try entryRows("WHERE e.id = ?", [.text(id)]).first
    }

    func entry(ruleKey: String) throws -> EntryRecord? {
        guard !ruleKey.isEmpty else { return nil }
        return try entryRows("WHERE e.rule_key = ?", [.text(ruleKey)]).first
    }

    private func entryWhere(_ f: EntryFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: "o.path")
        if let p = f.underPath {
            clause += " AND substr(o.path, 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let v = f.subjectID { clause += " AND e.subject_id = ?"; args.append(.text(v)) }
        if let v = f.excludeSubjectID { clause += " AND e.subject_id != ?"; args.append(.text(v)) }
        if let v = f.tagLibrary { clause += " AND e.tag_library = ?"; args.append(.text(v)) }
        if let v = f.tagCode { clause += " AND e.tag_code = ?"; args.append(.text(v)) }
        if let v = f.dimension { clause += " AND e.dimension = ?"; args.append(.text(v)) }
        if let v = f.statuses {
            clause += " AND e.status IN (\(v.isEmpty ? "NULL" : Array(repeating: "?", count: v.count).joined(separator: ", ")))"
            args += v.map { .int(Int64($0)) }
        }
        if let v = f.source { clause += " AND e.source = ?"; args.append(.int(Int64(v))) }
        if let v = f.fromDay { clause += " AND e.occurred_on >= ?"; args.append(.text(v)) }
        if let v = f.toDay { clause += " AND e.occurred_on <= ?"; args.append(.text(v)) }
        return (clause, args)
    }

    private static let entryScopeJoin = "JOIN subjects s ON s.id = e.subject_id JOIN organizations o ON o.id = s.organization_id"

    func entries(_ f: EntryFilter, page: Page) throws -> [EntryRecord] {
        let (clause, args) = entryWhere(f)
        let after = page.after.flatMap { Int64($0) } ?? Int64.max
        return try entryRows("\(Self.entryScopeJoin) WHERE \(clause) AND e.seq < ? ORDER BY e.seq DESC LIMIT ?",
                             args + [.int(after), .int(Int64(page.limit))])
    }

    func entryCount(_ f: EntryFilter) throws -> Int {
        let (clause, args) = entryWhere(f)
        return try count("SELECT COUNT(*) FROM entries e \(Self.entryScopeJoin) WHERE \(clause)", args)
    }

    func entryEvents(entryID: String) throws -> [EntryEventRecord] {
        try db.query("SELECT time, account_id, action, status, reason FROM entry_events WHERE entry_id = ? ORDER BY seq",
                     [.text(entryID)]).map {
            EntryEventRecord(entryID: entryID, time: $0[0].int, accountID: $0[1].text, action: $0[2].text, status: Int32($0[3].int),
                             reason: $0[4].text)
        }
    }

    func createEntry(_ e: EntryRecord, event: EntryEventRecord) throws -> Int64 {
        try conflict("that rule has recorded this entry already") { () throws(StoreError) in
            try db.query("""
                INSERT INTO entries (id, subject_id, tag_library, tag_version, tag_code, tag_name, dimension, polarity, occurred_on,
                                     quantity, description, source, status, recorded_by, record_time, reviewed_by, review_time,
                                     status_reason, scheme_version, rule, rule_key, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(e.id), .text(e.subjectID), .text(e.tagLibrary), .int(Int64(e.tagVersion)), .text(e.tagCode), .text(e.tagName),
                      .text(e.dimension), .text(e.polarity), .text(e.occurredOn), .int(e.quantity), .text(e.description),
                      .int(Int64(e.source)), .int(Int64(e.status)), .text(e.recordedBy), .int(e.recordTime), .text(e.reviewedBy),
                      .int(e.reviewTime), .text(e.statusReason), .int(Int64(e.schemeVersion)), .text(e.rule), .text(e.ruleKey),
                      .int(e.version)])
        }
        let seq = db.lastInsertRowID
        if e.status == Self.confirmedStatus { try countConfirmed(entryID: e.id) }
        for order in Set(e.workOrders) {
            try db.query("INSERT INTO entry_work_orders (entry_id, work_order) VALUES (?, ?)", [.text(e.id), .text(order)])
        }
        for (i, evidence) in e.evidenceIDs.enumerated() {
            try db.query("INSERT INTO entry_evidence (entry_id, evidence_id, position) VALUES (?, ?, ?)",
                         [.text(e.id), .text(evidence), .int(Int64(i))])
        }
        try appendEntryEvent(event, first: true)
        return seq
    }

    func updateEntry(_ e: EntryRecord, event: EntryEventRecord) throws {
        let a = e.appeal
        try db.query("""
            UPDATE entries SET status = ?, reviewed_by = ?, review_time = ?, status_reason = ?, appeal_state = ?,
                appeal_statement = ?, appeal_file_time = ?, appeal_decided_by = ?, appeal_decide_time = ?, appeal_reason = ?,
                version = version + 1 WHERE id = ?
            """, [.int(Int64(e.status)), .text(e.reviewedBy), .int(e.reviewTime), .text(e.statusReason), .int(Int64(a?.state ?? 0)),
                  .text(a?.statement ?? ""), .int(a?.fileTime ?? 0), .text(a?.decidedBy ?? ""), .int(a?.decideTime ?? 0),
                  .text(a?.decisionReason ?? ""), .text(e.id)])
        try db.query("""
            DELETE FROM confirmed_entries
            WHERE (subject_id, day, seq) = (SELECT subject_id, \(Self.day("occurred_on")), seq FROM entries WHERE id = ?)
            """, [.text(e.id)])
        if e.status == Self.confirmedStatus { try countConfirmed(entryID: e.id) }
        try appendEntryEvent(event)
    }

    /// `EntryStatus.confirmed`: the entries that count, also kept in `confirmed_entries`.
    private static let confirmedStatus: Int32 = 2

    /// A `YYYY-MM-DD` column as days since 1970-01-01 (`confirmed_entries.day`; in
    /// PostgreSQL, `column::date - DATE '1970-01-01'`). Every path that writes an entry has
    /// checked its date first: an impossible one would make this NULL and the insert fail.
    private static func day(_ column: String) -> String { "CAST(julianday(\(column)) - 2440587.5 AS INTEGER)" }

    /// Adds an entry, confirmed now, to what evaluations read (`confirmed_entries`, which
    /// `updateEntry` first takes it out of, whatever its status becomes), numbering its tag
    /// if no confirmed entry named it before.
    private func countConfirmed(entryID: String) throws {
        try db.query("""
            INSERT INTO tag_refs (library, version, code) SELECT tag_library, tag_version, tag_code FROM entries WHERE id = ?
            ON CONFLICT DO NOTHING
            """, [.text(entryID)])
        try db.query("""
            INSERT INTO confirmed_entries (subject_id, day, seq, tag, quantity)
            SELECT e.subject_id, \(Self.day("e.occurred_on")), e.seq, t.id, e.quantity
            FROM entries e JOIN tag_refs t ON t.library = e.tag_library AND t.version = e.tag_version AND t.code = e.tag_code
            WHERE e.id = ?
            """, [.text(entryID)])
    }

    private func appendEntryEvent(_ v: EntryEventRecord, first: Bool = false) throws {
        let next = first ? 1 : try count("SELECT COALESCE(MAX(seq), 0) + 1 FROM entry_events WHERE entry_id = ?", [.text(v.entryID)])
        try db.query("INSERT INTO entry_events (entry_id, seq, time, account_id, action, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [.text(v.entryID), .int(Int64(next)), .int(v.time), .text(v.accountID), .text(v.action), .int(Int64(v.status)),
                      .text(v.reason)])
    }

    // MARK: Evidence

    func evidence(id: String) throws -> EvidenceRecord? {
        try db.query("SELECT id, sha256, file_name, content_type, size, uploaded_by, create_time FROM evidence WHERE id = ?",
                     [.text(id)]).first.map {
            EvidenceRecord(id: $0[0].text, sha256: $0[1].text, fileName: $0[2].text, contentType: $0[3].text, size: $0[4].int,
                           uploadedBy: $0[5].text, createTime: $0[6].int)
        }
    }

    func entryIDs(evidenceID: String) throws -> [String] {
        try db.query("SELECT entry_id FROM entry_evidence WHERE evidence_id = ? ORDER BY entry_id", [.text(evidenceID)]).map { $0[0].text }
    }

    func createEvidence(_ v: EvidenceRecord) throws {
        try db.query("""
            INSERT INTO evidence (id, sha256, file_name, content_type, size, uploaded_by, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.text(v.id), .text(v.sha256), .text(v.fileName), .text(v.contentType), .int(v.size), .text(v.uploadedBy),
                  .int(v.createTime)])
    }

    private static let uploadColumns = """
        SELECT id, account_id, file_name, content_type, size, sha256, received, create_time, expire_time FROM evidence_uploads
        """

    private func uploadRow(_ r: [SQLValue]) -> UploadRecord {
        UploadRecord(id: r[0].text, accountID: r[1].text, fileName: r[2].text, contentType: r[3].text, size: r[4].int,
                     sha256: r[5].text, received: r[6].int, createTime: r[7].int, expireTime: r[8].int)
    }

    func upload(id: String) throws -> UploadRecord? {
        try db.query("\(Self.uploadColumns) WHERE id = ?", [.text(id)]).first.map(uploadRow)
    }

    func openUploadCount(accountID: String, at time: Int64) throws -> Int {
        try count("SELECT COUNT(*) FROM evidence_uploads WHERE account_id = ? AND expire_time > ?", [.text(accountID), .int(time)])
    }

    func expiredUploads(at time: Int64, limit: Int) throws -> [UploadRecord] {
        try db.query("\(Self.uploadColumns) WHERE expire_time <= ? ORDER BY expire_time LIMIT ?", [.int(time), .int(Int64(limit))])
            .map(uploadRow)
    }

    func createUpload(_ u: UploadRecord) throws {
        try db.query("""
            INSERT INTO evidence_uploads (id, account_id, file_name, content_type, size, sha256, received, create_time, expire_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(u.id), .text(u.accountID), .text(u.fileName), .text(u.contentType), .int(u.size), .text(u.sha256),
                  .int(u.received), .int(u.createTime), .int(u.expireTime)])
    }

    func advanceUpload(id: String, from: Int64, to received: Int64) throws -> Bool {
        try db.query("UPDATE evidence_uploads SET received = ? WHERE id = ? AND received = ?", [.int(received), .text(id), .int(from)])
        return db.changes > 0
    }

    func deleteUpload(id: String) throws {
        try db.query("DELETE FROM evidence_uploads WHERE id = ?", [.text(id)])
    }
}
