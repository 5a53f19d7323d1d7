/// What every service shares: the audit log and idempotency records.
extension SQLiteAccess {
    // MARK: Audit

    private static let auditColumns = """
        SELECT sequence, time, account_id, method, record_type, record_id, organization_id, organization_path, peer,
               outcome, previous_hash, hash, keyed, reason FROM audit_log
        """

    private func auditRow(_ r: [SQLValue]) -> AuditRecord {
        AuditRecord(sequence: r[0].int, time: r[1].int, accountID: r[2].text, method: r[3].text, recordType: r[4].text,
                    recordID: r[5].text, organizationID: r[6].text, organizationPath: r[7].text, peer: r[8].text,
                    outcome: r[9].text, previousHash: r[10].text, hash: r[11].text, keyed: r[12].int != 0, reason: r[13].text)
    }

    func lastAuditEntry() throws -> AuditRecord? {
        if let cached = lastAppendedAudit { return cached }
        return try db.query("\(Self.auditColumns) ORDER BY sequence DESC LIMIT 1").first.map(auditRow)
    }

    func auditEntry(sequence: Int64) throws -> AuditRecord? {
        try db.query("\(Self.auditColumns) WHERE sequence = ?", [.int(sequence)]).first.map(auditRow)
    }

    func unkeyedAuditEntryCount() throws -> Int {
        try count("SELECT COUNT(*) FROM audit_log WHERE keyed = 0", [])
    }

    func auditEntries(_ f: AuditFilter, afterSequence: Int64, limit: Int) throws -> [AuditRecord] {
        var (clause, args) = scope(f.scope, column: "organization_path")
        if let a = f.accountID { clause += " AND account_id = ?"; args.append(.text(a)) }
        if let r = f.recordID { clause += " AND record_id = ?"; args.append(.text(r)) }
        if let m = f.method { clause += " AND method = ?"; args.append(.text(m)) }
        if let from = f.from { clause += " AND time >= ?"; args.append(.int(from)) }
        if let until = f.until { clause += " AND time < ?"; args.append(.int(until)) }
        return try db.query("\(Self.auditColumns) WHERE \(clause) AND sequence > ? ORDER BY sequence LIMIT ?",
                            args + [.int(afterSequence), .int(Int64(limit))]).map(auditRow)
    }

    func appendAudit(_ e: AuditRecord) throws {
        try db.query("""
            INSERT INTO audit_log (sequence, time, account_id, method, record_type, record_id, organization_id,
                                   organization_path, peer, outcome, previous_hash, hash, keyed, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.int(e.sequence), .int(e.time), .text(e.accountID), .text(e.method), .text(e.recordType), .text(e.recordID),
                  .text(e.organizationID), .text(e.organizationPath), .text(e.peer), .text(e.outcome),
                  .text(e.previousHash), .text(e.hash), .int(e.keyed ? 1 : 0), .text(e.reason)])
        lastAppendedAudit = e
    }

    func rekeyAudit(_ entries: [AuditRecord]) throws {
        lastAppendedAudit = nil
        // The update trigger lets exactly this through: a row going from unkeyed to keyed
        // with nothing but its MAC fields changed (see KitSchema step 1).
        for e in entries {
            try db.query("UPDATE audit_log SET previous_hash = ?, hash = ?, keyed = 1 WHERE sequence = ? AND keyed = 0",
                         [.text(e.previousHash), .text(e.hash), .int(e.sequence)])
        }
    }

    // MARK: Idempotency

    func idempotencyRecord(accountID: String, method: String, requestID: String, notBefore: Int64) throws -> IdempotencyRecord? {
        try db.query("""
            SELECT response, fingerprint, target_type, target_id, organization_path, create_time FROM idempotency
            WHERE account_id = ? AND method = ? AND request_id = ? AND create_time >= ?
            """, [.text(accountID), .text(method), .text(requestID), .int(notBefore)]).first.map { r in
            IdempotencyRecord(accountID: accountID, method: method, requestID: requestID, response: r[0].blob, fingerprint: r[1].blob,
                              targetType: r[2].text, targetID: r[3].text, organizationPath: r[4].text, createTime: r[5].int)
        }
    }

    func saveIdempotencyRecord(_ r: IdempotencyRecord) throws {
        // A record past the window may still sit there until pruned: the new one replaces it.
        try db.query("""
            INSERT OR REPLACE INTO idempotency (account_id, method, request_id, response, fingerprint, target_type, target_id,
                                                organization_path, create_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(r.accountID), .text(r.method), .text(r.requestID), .blob(r.response), .blob(r.fingerprint),
                  .text(r.targetType), .text(r.targetID), .text(r.organizationPath), .int(r.createTime)])
    }

    func pruneIdempotency(before time: Int64) throws -> Int {
        try db.query("DELETE FROM idempotency WHERE create_time < ?", [.int(time)])
        return db.changes
    }
}
