import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieWire
import Synchronization

/// The gateway's side of lianjied: a few multiplexed LJRP connections shared by every HTTP
/// thread, each call on the next one in turn. A connection that drops is made again on its
/// next call; a call the server never started (GOAWAY on a restart, or no server for a
/// moment) is sent again for up to `retryWindow`, so a restart of lianjied is a pause for
/// the gateway's users, not an error.
public final class Upstream: Sendable {
    public let endpoint: Endpoint
    private let clients: [RPCClient]
    private let next = Atomic<Int>(0)
    let callTimeout: Duration
    let retryWindow: Duration
    private let unprocessed = Atomic<Int>(0)
    /// Calls in flight now, over every connection.
    private let inFlight = Atomic<Int>(0)
    private let logger: Logger

    /// Attempts lianjied did not start (it was restarting, or unreachable); each was retried
    /// while the retry window lasted.
    public var unprocessedAttempts: Int { unprocessed.load(ordering: .relaxed) }

    public init(endpoint: Endpoint, connections: Int = 4, callTimeout: Duration = .seconds(30),
                retryWindow: Duration = .seconds(5), logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
        self.clients = (0..<max(1, connections)).map { _ in RPCClient(endpoint: endpoint) }
        self.callTimeout = callTimeout
        self.retryWindow = retryWindow
    }

    /// Calls `path` with an encoded request as the holder of `token` (none: anonymous) on
    /// behalf of the HTTP client at `client` (`ip:port`, which lianjied records as the
    /// call's peer when it lists this gateway in `trusted_gateways`); blocks the calling
    /// thread until the answer.
    public func call(path: String, body: [UInt8], token: String?, client: String?) throws(RPCError) -> [UInt8] {
        let i = next.add(1, ordering: .relaxed).oldValue
        // A lone call waits for its answer awake (a loopback round trip); with others in
        // flight, threads sleep until theirs comes.
        let alone = inFlight.add(1, ordering: .relaxed).newValue == 1
        defer { inFlight.subtract(1, ordering: .relaxed) }
        let connection = clients[abs(i % clients.count)]
        var m: [(String, String)] = []
        if let token { m.append(("authorization", "Bearer \(token)")) }
        if let client { m.append(("forwarded-for", client)) }
        return try connection.callBlocking(path: path, body: body, options: CallOptions(timeout: callTimeout, metadata: m),
                                           retryUnprocessedFor: retryWindow, spin: alone) { [self] error in
            let n = unprocessed.add(1, ordering: .relaxed).newValue
            logger.info("lianjied did not take a call; retrying", ["server": .text(endpoint.description), "reason": .text(error.message),
                                                                   "unprocessed_total": .int(Int64(n))])
        }
    }

    /// Closes every connection (calls in flight fail UNAVAILABLE).
    public func close() {
        for c in clients { c.close() }
    }
}

extension Upstream {
    /// A typed call (the pages' way in).
    public func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, token: String?,
                                        client: String?) throws(RPCError) -> Response {
        let bytes = try call(path: method.path, body: request.serializedBytes(), token: token, client: client)
        do { return try Response(serializedBytes: bytes) } catch {
            throw RPCError(.internal, "the server's reply is not a valid \(Response.protoName)")
        }
    }
}
