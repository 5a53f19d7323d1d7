public import LianjieStore

/// Something that happened to an entry, told to the modules that react to it (the
/// evaluation module raises immediate alerts) inside the transaction that made it.
public struct EntryChange: Sendable {
    public enum Kind: String, Sendable {
        /// The entry now counts: confirmed in review, or recorded confirmed by a rule.
        case confirmed
        /// A work-order rule recorded it (confirmed or waiting for review).
        case derived
    }

    public let kind: Kind
    public let entry: EntryRecord
    /// Who made the change, and when (Unix seconds).
    public let accountID: String
    public let time: Int64

    public init(kind: Kind, entry: EntryRecord, accountID: String, time: Int64) {
        self.kind = kind
        self.entry = entry
        self.accountID = accountID
        self.time = time
    }
}
