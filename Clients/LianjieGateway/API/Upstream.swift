import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieWire
import Synchronization

/// The gateway's side of lianjied (`BlockingCallPool`): connections an HTTP thread
/// borrows for one call and reads its own reply on, and, when a burst has every one of
/// them lent, a few multiplexed connections shared by the rest. A connection that drops is
/// made again on its next call; a call the server never started (GOAWAY on a restart, or
/// no server for a moment) is sent again for up to `retryWindow`, so a restart of lianjied
/// is a pause for the gateway's users, not an error.
public final class Upstream: Sendable {
    public let endpoint: Endpoint
    private let pool: BlockingCallPool
    let callTimeout: Duration
    let retryWindow: Duration
    private let unprocessed = Atomic<Int>(0)
    private let logger: Logger

    /// Attempts lianjied did not start (it was restarting, or unreachable); each was retried
    /// while the retry window lasted.
    public var unprocessedAttempts: Int { unprocessed.load(ordering: .relaxed) }

    /// Connections lent one call at a time, open now.
    public var directConnections: Int { pool.directConnections }

    public init(endpoint: Endpoint, direct: Int = 16, shared: Int = 4, callTimeout: Duration = .seconds(30),
                retryWindow: Duration = .seconds(5), logger: Logger) {
        self.endpoint = endpoint
        self.logger = logger
        pool = BlockingCallPool(endpoint: endpoint, direct: direct, shared: shared, longestCall: callTimeout)
        self.callTimeout = callTimeout
        self.retryWindow = retryWindow
    }

    /// Calls `path` with an encoded request as the holder of `token` (none: anonymous) on
    /// behalf of the HTTP client at `client` (`ip:port`, which lianjied records as the
    /// call's peer when it lists this gateway in `trusted_gateways` or the gateway is on
    /// its gateway socket); blocks the calling
    /// thread until the answer.
    public func call(path: String, body: [UInt8], token: String?, client: String?) throws(RPCError) -> [UInt8] {
        try call(path: path, body: body, authorization: token.map { "Bearer " + $0 }, client: client)
    }

    /// As `call(path:body:token:client:)`, with the call's `authorization` metadata
    /// (`Bearer TOKEN`) given whole.
    public func call(path: String, body: [UInt8], authorization: String?, client: String?) throws(RPCError) -> [UInt8] {
        var m: [(String, String)] = []
        m.reserveCapacity(2)
        if let authorization { m.append(("authorization", authorization)) }
        if let client { m.append(("forwarded-for", client)) }
        return try pool.call(path: path, body: body, options: CallOptions(timeout: callTimeout, metadata: m),
                             retryUnprocessedFor: retryWindow) { [self] error in
            let n = unprocessed.add(1, ordering: .relaxed).newValue
            logger.info("lianjied did not take a call; retrying", ["server": .text(endpoint.description), "reason": .text(error.message),
                                                                   "unprocessed_total": .int(Int64(n))])
        }
    }

    /// Closes the idle connections and the shared ones; a connection lent to a call closes
    /// when it comes back, and later calls go to the shared connections, which reconnect.
    /// For the gateway's stop.
    public func close() {
        pool.close()
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
