/// Result use: integrity opinions and declared conflicts.
extension SQLiteAccess {
    // MARK: Opinions

    static let opinionPath = """
        COALESCE((SELECT o.path FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE s.id = opinions.subject_id), \
        opinions.organization_path)
        """
    static let opinionOrganization =
        "COALESCE((SELECT organization_id FROM subjects WHERE subjects.id = opinions.subject_id), opinions.organization_id)"

    private static let opinionColumns = """
        seq, id, batch_id, subject_id, employee_number, subject_name, \(opinionOrganization), \(opinionPath), purpose, purpose_note,
        state, proposed, reasons, dossier_sha256, scheme_version, conclusion, change_reason, reviewed_by, review_time, review_note,
        signed_by, sign_time, validity_days, valid_until, due_date, requested_by, request_time, version
        """

    /// Reasons as records separated by U+001E, fields by U+001F (neither occurs in a rule
    /// code, a number or a fact the server writes).
    private static func reasonsText(_ reasons: [OpinionReasonRecord]) -> String {
        reasons.map { "\($0.rule)\u{1F}\($0.conclusion)\u{1F}\($0.fact)" }.joined(separator: "\u{1E}")
    }

    private static func reasons(_ text: String) -> [OpinionReasonRecord] {
        text.isEmpty ? [] : text.split(separator: "\u{1E}", omittingEmptySubsequences: false).compactMap { r in
            let f = r.split(separator: "\u{1F}", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            return f.count == 3 ? OpinionReasonRecord(rule: f[0], conclusion: Int32(f[1]) ?? 0, fact: f[2]) : nil
        }
    }

    private func opinionRow(_ r: [SQLValue]) -> OpinionRecord {
        var x = OpinionRecord()
        x.seq = r[0].int
        x.id = r[1].text
        x.batchID = r[2].text
        x.subjectID = r[3].text
        x.employeeNumber = r[4].text
        x.subjectName = r[5].text
        x.organizationID = r[6].text
        x.organizationPath = r[7].text
        x.purpose = Int32(r[8].int)
        x.purposeNote = r[9].text
        x.state = Int32(r[10].int)
        x.proposed = Int32(r[11].int)
        x.reasons = Self.reasons(r[12].text)
        x.dossierSHA256 = r[13].text
        x.schemeVersion = Int(r[14].int)
        x.conclusion = Int32(r[15].int)
        x.changeReason = r[16].text
        x.reviewedBy = r[17].text
        x.reviewTime = r[18].int
        x.reviewNote = r[19].text
        x.signedBy = r[20].text
        x.signTime = r[21].int
        x.validityDays = Int(r[22].int)
        x.validUntil = r[23].text
        x.dueDate = r[24].text
        x.requestedBy = r[25].text
        x.requestTime = r[26].int
        x.version = r[27].int
        return x
    }

    func opinion(id: String) throws -> OpinionRecord? {
        guard let row = try db.query("SELECT \(Self.opinionColumns), dossier FROM opinions WHERE id = ?", [.text(id)]).first else { return nil }
        var x = opinionRow(row)
        x.dossier = row[28].blob
        return x
    }

    private func opinionWhere(_ f: OpinionFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: Self.opinionPath)
        if let path = f.underPath {
            clause += " AND substr(\(Self.opinionPath), 1, ?) = ?"
            args += [.int(Int64(path.utf8.count)), .text(path)]
        }
        if let s = f.subjectID { clause += " AND subject_id = ?"; args.append(.text(s)) }
        if let s = f.excludeSubjectID { clause += " AND subject_id <> ?"; args.append(.text(s)) }
        if let s = f.state { clause += " AND state = ?"; args.append(.int(Int64(s))) }
        if let b = f.batchID { clause += " AND batch_id = ?"; args.append(.text(b)) }
        return (clause, args)
    }

    func opinions(_ f: OpinionFilter, page: Page) throws -> [OpinionRecord] {
        let (clause, args) = opinionWhere(f)
        return try db.query("SELECT \(Self.opinionColumns) FROM opinions WHERE \(clause) AND seq < ? ORDER BY seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(opinionRow)
    }

    func opinionCount(_ f: OpinionFilter) throws -> Int {
        let (clause, args) = opinionWhere(f)
        return try count("SELECT COUNT(*) FROM opinions WHERE \(clause)", args)
    }

    func createOpinion(_ x: OpinionRecord) throws {
        try db.query("""
            INSERT INTO opinions (id, batch_id, subject_id, employee_number, subject_name, organization_id, organization_path, purpose,
                purpose_note, state, proposed, reasons, dossier_sha256, dossier, scheme_version, conclusion, change_reason, reviewed_by,
                review_time, review_note, signed_by, sign_time, validity_days, valid_until, due_date, requested_by, request_time, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, [.text(x.id), .text(x.batchID), .text(x.subjectID), .text(x.employeeNumber), .text(x.subjectName), .text(x.organizationID),
                  .text(x.organizationPath), .int(Int64(x.purpose)), .text(x.purposeNote), .int(Int64(x.state)), .int(Int64(x.proposed)),
                  .text(Self.reasonsText(x.reasons)), .text(x.dossierSHA256), .blob(x.dossier), .int(Int64(x.schemeVersion)),
                  .int(Int64(x.conclusion)), .text(x.changeReason), .text(x.reviewedBy), .int(x.reviewTime), .text(x.reviewNote),
                  .text(x.signedBy), .int(x.signTime), .int(Int64(x.validityDays)), .text(x.validUntil), .text(x.dueDate),
                  .text(x.requestedBy), .int(x.requestTime)])
    }

    func updateOpinion(_ x: OpinionRecord) throws {
        try db.query("""
            UPDATE opinions SET state = ?, conclusion = ?, change_reason = ?, reviewed_by = ?, review_time = ?, review_note = ?,
                signed_by = ?, sign_time = ?, valid_until = ?, version = version + 1
            WHERE id = ?
            """, [.int(Int64(x.state)), .int(Int64(x.conclusion)), .text(x.changeReason), .text(x.reviewedBy), .int(x.reviewTime),
                  .text(x.reviewNote), .text(x.signedBy), .int(x.signTime), .text(x.validUntil), .text(x.id)])
    }

    // MARK: Conflicts

    private static let conflictColumns = "SELECT seq, id, account_id, subject_id, relation, note, declare_time, withdraw_time FROM conflicts"

    private func conflictRow(_ r: [SQLValue]) -> ConflictRecord {
        var x = ConflictRecord()
        x.seq = r[0].int
        x.id = r[1].text
        x.accountID = r[2].text
        x.subjectID = r[3].text
        x.relation = r[4].text
        x.note = r[5].text
        x.declareTime = r[6].int
        x.withdrawTime = r[7].int
        return x
    }

    func conflict(id: String) throws -> ConflictRecord? {
        try db.query("\(Self.conflictColumns) WHERE id = ?", [.text(id)]).first.map(conflictRow)
    }

    func conflictInForce(accountID: String, subjectID: String) throws -> ConflictRecord? {
        try db.query("\(Self.conflictColumns) WHERE account_id = ? AND subject_id = ? AND withdraw_time = 0",
                     [.text(accountID), .text(subjectID)]).first.map(conflictRow)
    }

    private func conflictWhere(_ f: ConflictFilter) -> (String, [SQLValue]) {
        var clause = "1", args: [SQLValue] = []
        if let a = f.accountID {
            clause += " AND account_id = ?"
            args.append(.text(a))
        } else {
            let path = "(SELECT o.path FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE s.id = conflicts.subject_id)"
            let (c, a) = scope(f.scope, column: path)
            clause += " AND " + c
            args += a
        }
        if let s = f.subjectID { clause += " AND subject_id = ?"; args.append(.text(s)) }
        if let s = f.excludeSubjectID { clause += " AND subject_id <> ?"; args.append(.text(s)) }
        if !f.includeWithdrawn { clause += " AND withdraw_time = 0" }
        return (clause, args)
    }

    func conflicts(_ f: ConflictFilter, page: Page) throws -> [ConflictRecord] {
        let (clause, args) = conflictWhere(f)
        return try db.query("\(Self.conflictColumns) WHERE \(clause) AND seq < ? ORDER BY seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(conflictRow)
    }

    func conflictCount(_ f: ConflictFilter) throws -> Int {
        let (clause, args) = conflictWhere(f)
        return try count("SELECT COUNT(*) FROM conflicts WHERE \(clause)", args)
    }

    func createConflict(_ x: ConflictRecord) throws {
        try conflict("a conflict with this subject is declared already") { () throws(StoreError) in
            try db.query("""
                INSERT INTO conflicts (id, account_id, subject_id, relation, note, declare_time, withdraw_time) VALUES (?, ?, ?, ?, ?, ?, 0)
                """, [.text(x.id), .text(x.accountID), .text(x.subjectID), .text(x.relation), .text(x.note), .int(x.declareTime)])
        }
    }

    func withdrawConflict(id: String, time: Int64) throws {
        try db.query("UPDATE conflicts SET withdraw_time = ? WHERE id = ? AND withdraw_time = 0", [.int(time), .text(id)])
    }
}
