/// What every service reads: the audit log and idempotency records.
public protocol KitReader {
    // Audit
    func lastAuditEntry() throws -> AuditRecord?
    /// The entry with this sequence number, if any.
    func auditEntry(sequence: Int64) throws -> AuditRecord?
    /// Entries in sequence order after `afterSequence`.
    func auditEntries(_ filter: AuditFilter, afterSequence: Int64, limit: Int) throws -> [AuditRecord]
    /// How many entries were written before the chain was keyed (`keyed == false`).
    func unkeyedAuditEntryCount() throws -> Int

    // Idempotency
    /// The record of an earlier request with the same key made at or after `notBefore`.
    func idempotencyRecord(accountID: String, method: String, requestID: String, notBefore: Int64) throws -> IdempotencyRecord?
}

/// What every service writes.
public protocol KitWriter: KitReader {
    func appendAudit(_ entry: AuditRecord) throws
    /// Replaces the MAC fields of existing entries (`sequence`, `previousHash`, `hash`,
    /// `keyed`), the one sanctioned rewrite: keying a chain that was written unkeyed. The
    /// append-only triggers stay in force for every other statement.
    func rekeyAudit(_ entries: [AuditRecord]) throws
    func saveIdempotencyRecord(_ record: IdempotencyRecord) throws
    /// Deletes records made before `time`; returns how many.
    @discardableResult
    func pruneIdempotency(before time: Int64) throws -> Int
}

/// What an audit listing selects.
public struct AuditFilter: Sendable, Equatable {
    public var scope: ScopeFilter
    public var accountID: String?
    public var recordID: String?
    public var method: String?
    /// Unix nanoseconds, inclusive / exclusive.
    public var from: Int64?
    public var until: Int64?

    public init(scope: ScopeFilter, accountID: String? = nil, recordID: String? = nil, method: String? = nil,
                from: Int64? = nil, until: Int64? = nil) {
        self.scope = scope
        self.accountID = accountID
        self.recordID = recordID
        self.method = method
        self.from = from
        self.until = until
    }
}
