public import LianjieRPC
import Synchronization

/// An answer that comes later, from another thread, without a worker waiting for it: a
/// handler that hands its work on (a write queued for the next group commit) throws
/// `DeferredReply`, and the server answers the call when `PendingReply.fulfil` is called.
/// Until then the call stays open: CANCEL, its deadline and drain still apply.
public final class PendingReply: Sendable {
    private enum State {
        case waiting((@Sendable (Result<[UInt8], RPCError>) -> Void)?)
        case fulfilled(Result<[UInt8], RPCError>)
        case delivered
    }

    private let state = Mutex(State.waiting(nil))

    public init() {}

    /// Gives the call its answer (once; later calls are ignored). Any thread.
    public func fulfil(_ result: Result<[UInt8], RPCError>) {
        let deliver = state.withLock { s -> (@Sendable (Result<[UInt8], RPCError>) -> Void)? in
            switch s {
            case .waiting(let callback?):
                s = .delivered
                return callback
            case .waiting(nil):
                s = .fulfilled(result)
                return nil
            case .fulfilled, .delivered:
                return nil
            }
        }
        deliver?(result)
    }

    /// Runs `callback` with the answer, at once if it is there already.
    func whenFulfilled(_ callback: @escaping @Sendable (Result<[UInt8], RPCError>) -> Void) {
        let ready = state.withLock { s -> Result<[UInt8], RPCError>? in
            switch s {
            case .waiting:
                s = .waiting(callback)
                return nil
            case .fulfilled(let result):
                s = .delivered
                return result
            case .delivered:
                return nil
            }
        }
        if let ready { callback(ready) }
    }
}

/// Thrown by a handler whose answer `pending` will carry (see `PendingReply`).
public struct DeferredReply: Error, Sendable {
    public let pending: PendingReply

    public init(_ pending: PendingReply) { self.pending = pending }
}
