import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
import LianjieXCTestSupport
import XCTest

let adminPassword = "Correct-Horse-42"

extension XCTestCase {
    /// A client of `server`, optionally logged in as the bootstrap admin.
    func client(_ server: ServerProcess) -> RPCClient {
        RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: server.port))
    }

    func login(_ server: ServerProcess, username: String = "admin", password: String = adminPassword) async throws -> (RPCClient, String) {
        let c = client(server)
        let response = try await c.userService.login(LoginRequest(username: username, password: password))
        c.token = response.token
        return (c, response.token)
    }
}
