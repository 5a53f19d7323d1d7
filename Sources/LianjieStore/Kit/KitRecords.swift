/// One audit log row. `hash` is the chain's MAC: HMAC-SHA256, under a key kept outside the
/// database, over `previousHash` and the row's content, so an edited, inserted or removed
/// row breaks the chain and nobody without the key can forge a new one. Rows written
/// before the chain was keyed (`keyed == false`) held a plain SHA-256 until they were
/// re-keyed. The services compute the MACs.
public struct AuditRecord: Sendable, Equatable {
    public var sequence: Int64
    /// Unix nanoseconds.
    public var time: Int64
    public var accountID: String
    public var method: String
    public var recordType: String
    public var recordID: String
    public var organizationID: String
    /// The organisation's path when the entry was made, for scoped reading.
    public var organizationPath: String
    public var peer: String
    public var outcome: String
    public var previousHash: String
    public var hash: String
    public var keyed: Bool
    /// Why the caller read the record, when the read needs a reason (a dossier); empty
    /// otherwise. Part of the entry's content, like every other field.
    public var reason: String

    public init(sequence: Int64, time: Int64, accountID: String, method: String, recordType: String, recordID: String,
                organizationID: String, organizationPath: String, peer: String, outcome: String,
                previousHash: String, hash: String, keyed: Bool = true, reason: String = "") {
        self.reason = reason
        self.sequence = sequence
        self.time = time
        self.accountID = accountID
        self.method = method
        self.recordType = recordType
        self.recordID = recordID
        self.organizationID = organizationID
        self.organizationPath = organizationPath
        self.peer = peer
        self.outcome = outcome
        self.previousHash = previousHash
        self.hash = hash
        self.keyed = keyed
    }
}

/// The first answer to a request carrying a client-chosen `request_id` (AIP-155), kept for
/// the idempotency window so a retry gets the same answer and changes nothing.
public struct IdempotencyRecord: Sendable, Equatable {
    public var accountID: String
    public var method: String
    public var requestID: String
    /// The encoded response.
    public var response: [UInt8]
    /// SHA-256 of the encoded request: the same id with another request is refused.
    public var fingerprint: [UInt8]
    /// What the request was about, so a replay can check the caller still reaches it.
    public var targetType: String
    public var targetID: String
    public var organizationPath: String
    /// Unix seconds.
    public var createTime: Int64

    public init(accountID: String, method: String, requestID: String, response: [UInt8], fingerprint: [UInt8],
                targetType: String = "", targetID: String = "", organizationPath: String = "", createTime: Int64) {
        self.accountID = accountID
        self.method = method
        self.requestID = requestID
        self.response = response
        self.fingerprint = fingerprint
        self.targetType = targetType
        self.targetID = targetID
        self.organizationPath = organizationPath
        self.createTime = createTime
    }
}
