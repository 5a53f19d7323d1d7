public import LianjieStore

/// The notification outbox (提醒) as the services fill it: one row per recipient, for the
/// mobile gateway to deliver, deduplicated on a key and the recipient.
public enum Outbox {
    /// Queues `payload` (JSON the gateway renders, never an entry's content) for each of
    /// `accounts`, empty ids skipped, deduplicated on `key` and the account. With
    /// `subjectID`, the subject's own account is left out (what is about them is not sent
    /// to them).
    public static func enqueue(_ payload: String, to accounts: [String], key: String, excludingSubject subjectID: String? = nil,
                               time: Int64, _ tx: any StoreWriter) throws {
        let excluded = try subjectID.flatMap { try tx.subject(id: $0)?.accountID } ?? ""
        for account in accounts where !account.isEmpty && account != excluded {
            var n = NotificationRecord()
            n.recipient = account
            n.channel = "mobile"
            n.dedupeKey = "\(key):\(account)"
            n.payload = payload
            n.createTime = time
            try tx.enqueueNotification(n)
        }
    }
}
