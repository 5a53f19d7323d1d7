public import LianjieMessages
import LianjieWire
import Synchronization

/// Set once when a call is cancelled or its deadline passes; handlers poll it between
/// steps of long work. Safe from any thread.
public final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .acquiring) }

    public func set() { value.store(true, ordering: .releasing) }
}

/// What a handler knows about the call it serves.
public struct CallContext: Sendable {
    public let callID: UInt64
    /// `/lianjie.v1.UserService/Login`
    public let method: String
    /// The call's metadata; keys are lower-case.
    public let metadata: [String: String]
    /// Monotonic nanoseconds after which the caller no longer waits; nil for none.
    public let deadline: UInt64?
    /// `ip:port` of the peer.
    public let peer: String
    let cancellation: CancellationFlag

    public init(callID: UInt64, method: String, metadata: [String: String], deadline: UInt64?, peer: String,
                cancellation: CancellationFlag = CancellationFlag()) {
        self.callID = callID
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.cancellation = cancellation
    }

    /// True once the caller cancelled or the deadline passed: stop work and throw `RPCError(.cancelled)`.
    public var isCancelled: Bool {
        if cancellation.isSet { return true }
        if let deadline, MonotonicClock.now() >= deadline { return true }
        return false
    }

    /// Throws CANCELLED or DEADLINE_EXCEEDED if the call should stop.
    public func checkCancellation() throws(RPCError) {
        if let deadline, MonotonicClock.now() >= deadline { throw RPCError(.deadlineExceeded, "deadline exceeded") }
        if cancellation.isSet { throw RPCError(.cancelled, "call cancelled") }
    }

    /// The bearer token of `authorization: Bearer <token>`, if any.
    public var bearerToken: String? {
        guard let auth = metadata["authorization"] else { return nil }
        let prefix = "bearer "
        guard auth.count > prefix.count, auth.lowercased().hasPrefix(prefix) else { return nil }
        return String(auth.dropFirst(prefix.count)).trimmingCharactersWhitespace()
    }
}

extension String {
    func trimmingCharactersWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

/// Where a handler runs.
public enum HandlerExecution: Sendable {
    /// On the connection's event-loop thread, with no hop: only for work of a few
    /// microseconds that never blocks (health checks, in-memory lookups).
    case inline
    /// On the server's bounded worker pool: anything that touches the store, hashes a
    /// password, or may take longer.
    case pool
}

/// The methods a server answers, each with its typed handler.
///
/// Build it before the server starts; it is read-only (and so thread-safe) after that.
public struct Router: Sendable {
    struct Route: Sendable {
        let execution: HandlerExecution
        let invoke: @Sendable ([UInt8], CallContext) throws -> [UInt8]
    }

    private(set) var routes: [String: Route] = [:]

    public init() {}

    /// Registers the handler for one method. A request body that does not decode is
    /// answered INVALID_ARGUMENT before the handler runs.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>, execution: HandlerExecution,
        _ handler: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        precondition(routes[method.path] == nil, "\(method.path) registered twice")
        routes[method.path] = Route(execution: execution) { body, context in
            let request: Request
            do {
                request = try Request(serializedBytes: body)
            } catch {
                throw RPCError(.invalidArgument, "the request body is not a valid \(Request.protoName)",
                               violations: [FieldViolation(field: "", description: "not a valid \(Request.protoName)")])
            }
            return try handler(request, context).serializedBytes()
        }
    }

    /// Every registered method path.
    public var methodPaths: [String] { routes.keys.sorted() }

    func route(_ path: String) -> Route? { routes[path] }
}
