import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
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

    /// Asserts `body` fails with `status`; returns the error.
    @discardableResult
    func assertRPCError<T>(_ status: Status, file: StaticString = #filePath, line: UInt = #line,
                           _ body: () async throws -> T) async -> RPCError? {
        do {
            _ = try await body()
            XCTFail("expected \(status.name), the call succeeded", file: file, line: line)
        } catch let e as RPCError {
            XCTAssertEqual(e.status, status, "message: \(e.message)", file: file, line: line)
            XCTAssertFalse(e.message.isEmpty, "every error carries a message", file: file, line: line)
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }
}

extension XCTestCase {
    /// Waits until `condition` holds (an event, not a time); fails the test if it never does.
    func waitUntil(seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line,
                   _ condition: @Sendable () throws -> Bool) async throws {
        let held = try await Wait.until(seconds: seconds, condition)
        XCTAssertTrue(held, "the condition never held", file: file, line: line)
    }
}

extension Frame {
    var goAway: GoAwayMeta? { kind == .goAway ? try? GoAwayMeta(serializedBytes: meta) : nil }
}
