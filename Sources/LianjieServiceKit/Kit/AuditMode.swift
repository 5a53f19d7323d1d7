/// What to audit for a method, beyond what every method gets (each refusal, for its
/// token or its roles, and each internal error, is audited whatever the mode).
public enum AuditMode: Sendable {
    /// Nothing more (reads of organisations, accounts, one's own sessions).
    case none
    /// A change: the successful one inside its transaction (`Call.write`), refusals after.
    case change
    /// A read of a person's record: audited whatever the outcome, and a successful read is
    /// answered only once its entries are committed.
    case read
}

/// Requests that carry a client-chosen `request_id` (AIP-155).
public protocol Idempotent {
    var requestId: String { get }
}
