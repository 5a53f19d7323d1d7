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

    public init(endpoint: Endpoint, connections: Int = 4, callTimeout: Duration = .seconds(30),
                retryWindow: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.clients = (0..<max(1, connections)).map { _ in RPCClient(endpoint: endpoint) }
        self.callTimeout = callTimeout
        self.retryWindow = retryWindow
    }

    /// Calls `path` with an encoded request as the holder of `token` (none: anonymous);
    /// blocks the calling thread until the answer.
    public func call(path: String, body: [UInt8], token: String?, metadata: [(String, String)] = []) throws(RPCError) -> [UInt8] {
        let i = next.add(1, ordering: .relaxed).oldValue
        let client = clients[abs(i % clients.count)]
        var m = metadata
        if let token { m.append(("authorization", "Bearer \(token)")) }
        return try client.callBlocking(path: path, body: body, options: CallOptions(timeout: callTimeout, metadata: m),
                                       retryUnprocessedFor: retryWindow)
    }

    /// Closes every connection (calls in flight fail UNAVAILABLE).
    public func close() {
        for c in clients { c.close() }
    }
}

extension Upstream {
    /// A typed call (the pages' way in).
    public func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ request: Request, token: String?) throws(RPCError) -> Response {
        let bytes = try call(path: method.path, body: request.serializedBytes(), token: token)
        do { return try Response(serializedBytes: bytes) } catch {
            throw RPCError(.internal, "the server's reply is not a valid \(Response.protoName)")
        }
    }
}
