import LianjieStore

/// What one delivery attempt's outcome does to a notification (pure: no I/O, no clock).
/// A failure is tried again after a pause that doubles each time, from 30 s to at most an
/// hour; the `maxAttempts`-th failure makes it dead.
public struct DeliveryPolicy: Sendable {
    public var maxAttempts: Int
    public static let firstPause: Int64 = 30
    public static let longestPause: Int64 = 3600

    public init(maxAttempts: Int) { self.maxAttempts = max(1, maxAttempts) }

    /// The pause after the `attempts`-th failure.
    public static func pause(afterFailures attempts: Int) -> Int64 {
        let doublings = min(max(attempts - 1, 0), 20)
        return min(longestPause, firstPause << Int64(doublings))
    }

    /// `n` after an attempt at `now`: delivered, or failed with `error`. A delivered or
    /// dead notification is left as it is.
    public func apply(_ n: NotificationRecord, delivered: Bool, error: String, now: Int64) -> NotificationRecord {
        guard n.state == NotificationDelivery.pending else { return n }
        var x = n
        x.leaseUntil = 0
        if delivered {
            x.state = NotificationDelivery.delivered
            x.deliveredTime = now
            x.lastError = ""
            return x
        }
        x.attempts += 1
        x.lastError = String(error.prefix(500))
        if x.attempts >= maxAttempts {
            x.state = NotificationDelivery.dead
        } else {
            x.nextAttemptTime = now + Self.pause(afterFailures: x.attempts)
        }
        return x
    }

    /// A dead notification sent again: pending, attempts from zero, due at `now`.
    public func retry(_ n: NotificationRecord, now: Int64) -> NotificationRecord {
        var x = n
        x.state = NotificationDelivery.pending
        x.attempts = 0
        x.nextAttemptTime = now
        x.leaseUntil = 0
        return x
    }
}
