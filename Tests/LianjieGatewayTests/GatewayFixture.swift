import Foundation
import LianjieClient
import LianjieGateway
import LianjieMessages
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieTestSupport
import XCTest

/// The demo deployment served in process, with a gateway in front of it on a loopback
/// port; the server trusts the gateway to name its clients.
final class GatewayFixture: @unchecked Sendable {
    // @unchecked: built once by the test's thread, then only read.
    let deployment: InProcessDeployment
    let gateway: Gateway
    /// The gateway's wall clock, moved by tests.
    let clock = Locked<Double>(1_796_083_200)

    convenience init(history: Bool = false, trusted: Bool = true, configure: (inout GatewayConfiguration) -> Void = { _ in }) throws {
        try self.init(deployment: try Self.deployment(history: history, trusted: trusted), configure: configure)
    }

    /// The in-process server a gateway goes in front of (made first when a test needs its
    /// accounts, such as the gateway's own, before the gateway starts).
    static func deployment(history: Bool = false, trusted: Bool = true, settings: ServiceSettings = ServiceSettings()) throws -> InProcessDeployment {
        try InProcessDeployment(settings: settings, history: history, configure: { if trusted { $0.trustedGateways = ["127.0.0.1"] } })
    }

    init(deployment: InProcessDeployment, configure: (inout GatewayConfiguration) -> Void = { _ in }) throws {
        self.deployment = deployment
        var c = GatewayConfiguration()
        c.server = Endpoint(host: "127.0.0.1", port: deployment.port)
        c.http.endpoint = Endpoint(host: "127.0.0.1", port: 0)
        c.upstreamConnections = 2
        c.loginBurst = 100  // many logins from 127.0.0.1; the rate-limit test sets its own
        configure(&c)
        let clock = self.clock
        gateway = try Gateway(configuration: c, logger: Logger(level: .error, sink: { _ in }), now: { clock.withLock { $0 } })
    }

    deinit { gateway.stop() }

    func connection() throws -> HTTPConnection { try HTTPConnection(port: gateway.port) }

    /// `POST /v1/NAME` with a JSON body (text), as `token`'s holder.
    func call(_ name: String, _ json: String = "{}", token: String? = nil, headers: [(String, String)] = [],
              on connection: HTTPConnection? = nil) throws -> HTTPReply {
        var h = [("Content-Type", "application/json")] + headers
        if let token { h.append(("Authorization", "Bearer \(token)")) }
        let c = try connection ?? self.connection()
        return try c.send("POST", "/v1/" + name, headers: h, body: Array(json.utf8))
    }

    /// A token for a demo account, logged in through the gateway.
    func login(_ username: String) throws -> String {
        let password = InProcessDeployment.passwords[username]!
        let reply = try call("lianjie.v1.UserService/Login", #"{"username":"\#(username)","password":"\#(password)"}"#)
        XCTAssertEqual(reply.status, 200, reply.text)
        return try XCTUnwrap(reply.json?["token"] as? String)
    }
}

extension RPCClient {
    /// One call straight to lianjied, without the gateway (for comparisons).
    static func blocking<Request, Response>(port: Int, token: String?, _ method: RPCMethod<Request, Response>, _ request: Request) throws -> Response {
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port), token: token)
        defer { client.close() }
        return try Response(serializedBytes: try client.callBlocking(path: method.path, body: request.serializedBytes()))
    }
}
