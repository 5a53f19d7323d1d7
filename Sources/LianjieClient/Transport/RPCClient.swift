import Foundation
public import LianjieMessages
public import LianjieWire
import Synchronization
public import LianjieRPC

/// Per-call settings.
public struct CallOptions: Sendable {
    /// How long the caller waits; sent to the server as `timeout_ms`. Nil means no deadline.
    public var timeout: Duration?
    /// Extra metadata for this call (keys lower-case).
    public var metadata: [(String, String)]

    public init(timeout: Duration? = nil, metadata: [(String, String)] = []) {
        self.timeout = timeout
        self.metadata = metadata
    }
}

/// An async LJRP/1 client over one TCP connection, shared by any number of concurrent
/// calls. If the connection drops, the next call opens a new one; a call the server
/// reports it never started (GOAWAY) is sent once more on a new connection.
///
/// Thread-safe. Errors are always `RPCError`: transport failures surface as UNAVAILABLE,
/// a reply that does not decode as INTERNAL.
public final class RPCClient: Sendable {
    public let endpoint: Endpoint
    let limits: WireLimits
    private let state = Mutex<ClientState>(ClientState())

    struct ClientState {
        var connection: ClientConnection?
        var token: String?
    }

    /// The largest reply body a client accepts unless told otherwise: a bigger reply fails
    /// its call (RESOURCE_EXHAUSTED) without being held.
    public static let defaultMaxReplyBytes = 64 * 1024 * 1024

    /// - Parameter limits: `maxBodyBytes` is the largest reply this client accepts.
    public init(endpoint: Endpoint, token: String? = nil,
                limits: WireLimits = WireLimits(maxBodyBytes: RPCClient.defaultMaxReplyBytes)) {
        self.endpoint = endpoint
        self.limits = limits
        state.withLock { $0.token = token }
    }

    /// The bearer token sent with every call (`authorization: Bearer …`), if any.
    public var token: String? {
        get { state.withLock { $0.token } }
        set { state.withLock { $0.token = newValue } }
    }

    /// Closes the connection; calls in flight fail with UNAVAILABLE. A later call reconnects.
    public func close() {
        let c = state.withLock { s -> ClientConnection? in
            let c = s.connection
            s.connection = nil
            return c
        }
        c?.shutdown(RPCError(.unavailable, "the client closed the connection"))
    }

    /// Calls `method` and returns its decoded response.
    public func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request,
                                        options: CallOptions = CallOptions()) async throws(RPCError) -> Response {
        let body = try await callRaw(path: method.path, body: request.serializedBytes(), options: options)
        do {
            return try Response(serializedBytes: body)
        } catch {
            throw RPCError(.internal, "the server's reply is not a valid \(Response.protoName)")
        }
    }

    /// Calls a method by path with an encoded body; returns the encoded response body.
    public func callRaw(path: String, body: [UInt8], options: CallOptions = CallOptions()) async throws(RPCError) -> [UInt8] {
        let (connection, token) = connectionForCall()
        let (metadata, timeoutMs) = Self.callHead(options, token: token)
        var outcome = await connection.call(path: path, body: body, metadata: metadata, timeoutMs: timeoutMs)
        if outcome.notProcessed, !Task.isCancelled {
            // The server never started it (GOAWAY, or the connection had just dropped):
            // sending it once more on a fresh connection cannot do it twice.
            let (fresh, _) = connectionForCall()
            outcome = await fresh.call(path: path, body: body, metadata: metadata, timeoutMs: timeoutMs)
        }
        return try outcome.result.get()
    }

    /// `callRaw` for a caller on a thread of its own that may block (the gateway's HTTP
    /// threads): the calling thread sends, and sleeps until the reply arrives.
    ///
    /// A call the server never started is sent again on a fresh connection, and while the
    /// server cannot be reached at all (restarting) it is tried again with a growing
    /// pause until `retryUnprocessedFor` has passed; a call the server did start is never
    /// sent twice.
    /// `onUnprocessed` hears of every attempt the server did not start, before it is retried.
    public func callBlocking(path: String, body: [UInt8], options: CallOptions = CallOptions(),
                             retryUnprocessedFor: Duration = .zero,
                             onUnprocessed: ((RPCError) -> Void)? = nil) throws(RPCError) -> [UInt8] {
        try Self.retryingUnprocessed(for: retryUnprocessedFor, onUnprocessed: onUnprocessed) {
            blockingAttempt(path: path, body: body, options: options)
        }
    }

    /// One try of a blocking call on the shared connection.
    func blockingAttempt(path: String, body: [UInt8], options: CallOptions) -> ClientConnection.Outcome {
        let (connection, token) = connectionForCall()
        let (metadata, timeoutMs) = Self.callHead(options, token: token)
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<ClientConnection.Outcome?>(nil)
        // No timer per call: this thread waits with the deadline (and a second's grace)
        // itself.
        let id = connection.start(path: path, body: body, metadata: metadata, timeoutMs: timeoutMs, armTimer: false) { outcome in
            box.withLock { $0 = outcome }
            done.signal()
        }
        if timeoutMs > 0 {
            if done.wait(timeout: .now() + .milliseconds(Int(timeoutMs) + 1000)) == .timedOut {
                connection.expire(id)
                done.wait()
            }
        } else {
            done.wait()
        }
        return box.withLock { $0! }
    }

    /// Makes `attempt` until the server processes one (or says why not), retrying what it
    /// never started: the first retry at once (after a GOAWAY a fresh connection is likely
    /// fine), then with a pause growing to 400 ms while `window` lasts.
    static func retryingUnprocessed(for window: Duration, onUnprocessed: ((RPCError) -> Void)?,
                                    _ attempt: () -> ClientConnection.Outcome) throws(RPCError) -> [UInt8] {
        let started = ContinuousClock.now
        var pause = Duration.milliseconds(25)
        var attempts = 0
        while true {
            let outcome = attempt()
            attempts += 1
            guard outcome.notProcessed else { return try outcome.result.get() }
            if case .failure(let e) = outcome.result { onUnprocessed?(e) }
            if attempts == 1 { continue }
            let waited = ContinuousClock.now - started
            guard waited + pause <= window else { return try outcome.result.get() }
            Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
            pause = min(pause * 2, .milliseconds(400))
        }
    }

    /// The metadata and `timeout_ms` a call carries.
    static func callHead(_ options: CallOptions, token: String?) -> ([(String, String)], UInt32) {
        (metadata(options, token: token), timeoutMs(options.timeout))
    }

    /// The metadata a call carries: the caller's, and the token's `authorization` unless
    /// the caller gave one.
    static func metadata(_ options: CallOptions, token: String?) -> [(String, String)] {
        var metadata = options.metadata
        if let token, !metadata.contains(where: { $0.0 == "authorization" }) {
            metadata.append(("authorization", "Bearer \(token)"))
        }
        return metadata
    }

    /// A timeout as the call's `timeout_ms`: 0 for none, else at least 1.
    static func timeoutMs(_ timeout: Duration?) -> UInt32 {
        guard let t = timeout else { return 0 }
        let ms = t.components.seconds * 1000 + t.components.attoseconds / 1_000_000_000_000_000
        return UInt32(clamping: max(1, ms))
    }

    /// The connection to use: the open one, or a new one made under the same lock, so
    /// however many calls start at once they share one connection. Making one never waits:
    /// it connects on its own thread while calls queue on it.
    private func connectionForCall() -> (ClientConnection, String?) {
        state.withLock { s -> (ClientConnection, String?) in
            if let c = s.connection, c.isUsable { return (c, s.token) }
            let fresh = ClientConnection(endpoint: endpoint, limits: limits)
            s.connection = fresh
            return (fresh, s.token)
        }
    }
}
