public import LianjieMessages
public import LianjieRPC
import LianjieWire
import Synchronization

/// A call's life as the connection and the worker pool share it: queued, then running,
/// then finished — or abandoned (cancelled, timed out, or its connection closed) before it
/// ever ran. Once running, only the handler answers the call, so a write that commits is
/// never answered CANCELLED or DEADLINE_EXCEEDED. Safe from any thread.
public final class CallControl: Sendable {
    enum Stage: UInt8 { case queued, running, finished, abandoned }

    private let stage = Atomic<UInt8>(Stage.queued.rawValue)
    private let cancelled = Atomic<Bool>(false)

    public init() {}

    /// True once the caller cancelled, the deadline passed, or the connection closed.
    public var isSet: Bool { cancelled.load(ordering: .acquiring) }

    /// Asks a running handler to stop (it polls `CallContext.isCancelled`).
    public func set() { cancelled.store(true, ordering: .releasing) }

    /// Queued → running; false when the call was abandoned first.
    func start() -> Bool {
        stage.compareExchange(expected: Stage.queued.rawValue, desired: Stage.running.rawValue, ordering: .acquiringAndReleasing).exchanged
    }

    /// Queued → abandoned; false when the handler is already running (or done), which then
    /// answers the call itself.
    func abandon() -> Bool {
        set()
        return stage.compareExchange(expected: Stage.queued.rawValue, desired: Stage.abandoned.rawValue,
                                     ordering: .acquiringAndReleasing).exchanged
    }
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
    /// `ip:port` of the client (behind a trusted proxy, the client the proxy named).
    public let peer: String
    /// Who calls, as the router's `CallAuthenticator` resolved it; nil for methods that
    /// need no token.
    public let principal: (any Sendable)?
    let control: CallControl

    public init(callID: UInt64, method: String, metadata: [String: String], deadline: UInt64?, peer: String,
                principal: (any Sendable)? = nil, control: CallControl = CallControl()) {
        self.callID = callID
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.principal = principal
        self.control = control
    }

    /// True once the caller cancelled or the deadline passed: stop work and throw `RPCError(.cancelled)`.
    public var isCancelled: Bool {
        if control.isSet { return true }
        if let deadline, MonotonicClock.now() >= deadline { return true }
        return false
    }

    /// Throws CANCELLED or DEADLINE_EXCEEDED if the call should stop.
    public func checkCancellation() throws(RPCError) {
        if let deadline, MonotonicClock.now() >= deadline { throw RPCError(.deadlineExceeded, "deadline exceeded") }
        if control.isSet { throw RPCError(.cancelled, "call cancelled") }
    }
}

/// A call as far as it is known before its body is read: enough to authenticate it.
public struct CallHead: Sendable {
    public let method: String
    /// Keys lower-case.
    public let metadata: [String: String]
    public let peer: String

    public init(method: String, metadata: [String: String], peer: String) {
        self.method = method
        self.metadata = metadata
        self.peer = peer
    }

    /// The bearer token of `authorization: Bearer <token>`, if any.
    public var bearerToken: String? { Self.bearerToken(metadata) }

    /// `Bearer <token>` read on the UTF-8 bytes (the scheme case-insensitively, spaces and
    /// tabs around the token ignored): this runs for every authenticated call.
    static func bearerToken(_ metadata: [String: String]) -> String? {
        guard let auth = metadata["authorization"] else { return nil }
        let bytes = auth.utf8
        var i = bytes.startIndex
        for expected in "bearer ".utf8 {
            guard i != bytes.endIndex else { return nil }
            let c = bytes[i]
            guard c == expected || (expected >= 0x61 && expected <= 0x7A && c == expected - 0x20) else { return nil }
            i = bytes.index(after: i)
        }
        var end = bytes.endIndex
        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        while i != end, isBlank(bytes[i]) { i = bytes.index(after: i) }
        while end != i, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        guard i != end else { return nil }
        return String(decoding: bytes[i..<end], as: UTF8.self)
    }
}

/// Resolves who makes an authenticated call from its metadata, before the server reads
/// the call's body or queues it: a call refused here costs neither memory nor a worker.
/// Runs on the connection's event-loop thread, so it must be fast (a cache in front of
/// the store).
public protocol CallAuthenticator: Sendable {
    /// The caller (handed to the handler as `CallContext.principal`), or the error to answer.
    func authenticate(_ head: CallHead) -> Result<any Sendable, RPCError>
}

/// Where a handler runs.
public enum HandlerExecution: Sendable {
    /// On the connection's event-loop thread, with no hop: only for work of a few
    /// microseconds that never blocks (health checks, in-memory lookups).
    case inline
    /// On the server's bounded worker pool: anything that touches the store or may take
    /// longer.
    case pool
    /// On a small pool of its own, for costly work open to callers without a token
    /// (password hashing at login): however much of it arrives, the main pool stays free.
    case isolated
}

/// Whether a method needs a caller.
public enum CallAuthentication: Sendable {
    /// Open to anyone (health, login); such a method's body limit should be small.
    case none
    /// The router's `CallAuthenticator` must accept the call's token first.
    case required
}

/// The methods a server answers, each with its typed handler.
///
/// Build it before the server starts; it is read-only (and so thread-safe) after that.
public struct Router: Sendable {
    struct Route: Sendable {
        let execution: HandlerExecution
        let authentication: CallAuthentication
        /// The largest request body this method accepts (at most the server's limit).
        let maxBodyBytes: Int?
        let invoke: @Sendable ([UInt8], CallContext) throws -> [UInt8]
    }

    private(set) var routes: [String: Route] = [:]
    /// Resolves callers of `.required` methods; without one, every such call is refused.
    public var authenticator: (any CallAuthenticator)?

    /// The body limit of methods that need no token, unless a registration says otherwise.
    public static let anonymousBodyLimit = 16 * 1024

    public init() {}

    /// Registers the handler for one method; it answers the encoded response (a message's
    /// `serializedBytes()`, or a stored replay as it was first sent). A request body that
    /// does not decode is answered INVALID_ARGUMENT before the handler runs; a body over
    /// `maxBodyBytes` (for `.none` methods, `anonymousBodyLimit` by default) is refused
    /// RESOURCE_EXHAUSTED before it is read.
    public mutating func registerEncoded<Request, Response>(
        _ method: RPCMethod<Request, Response>, execution: HandlerExecution, authentication: CallAuthentication,
        maxBodyBytes: Int? = nil, _ handler: @escaping @Sendable (Request, CallContext) throws -> [UInt8]
    ) {
        precondition(routes[method.path] == nil, "\(method.path) registered twice")
        let limit = maxBodyBytes ?? (authentication == .none ? Self.anonymousBodyLimit : nil)
        routes[method.path] = Route(execution: execution, authentication: authentication, maxBodyBytes: limit) { body, context in
            let request: Request
            do {
                request = try Request(serializedBytes: body)
            } catch {
                throw RPCError(.invalidArgument, "the request body is not a valid \(Request.protoName)",
                               violations: [FieldViolation(field: "", description: "not a valid \(Request.protoName)")])
            }
            return try handler(request, context)
        }
    }

    /// Registers a handler that answers a message.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>, execution: HandlerExecution, authentication: CallAuthentication,
        maxBodyBytes: Int? = nil, _ handler: @escaping @Sendable (Request, CallContext) throws -> Response
    ) {
        registerEncoded(method, execution: execution, authentication: authentication, maxBodyBytes: maxBodyBytes) {
            try handler($0, $1).serializedBytes()
        }
    }

    /// Every registered method path.
    public var methodPaths: [String] { routes.keys.sorted() }

    func route(_ path: String) -> Route? { routes[path] }
}
