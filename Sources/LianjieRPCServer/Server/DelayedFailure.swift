public import LianjieRPC

/// A failure to be answered only after a pause, without holding a worker thread: the
/// server keeps the call open and sends `error` when `delaySeconds` have passed (sooner
/// if the call is cancelled or its deadline passes). For slowing down guessing (repeated
/// failed logins) without letting the guesser tie up the worker pool.
public struct DelayedFailure: Error, Sendable {
    public var error: RPCError
    public var delaySeconds: Double

    public init(_ error: RPCError, delaySeconds: Double) {
        self.error = error
        self.delaySeconds = delaySeconds
    }
}
