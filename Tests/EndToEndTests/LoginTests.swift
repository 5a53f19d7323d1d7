import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
import XCTest

/// WIRE.md "Login" and "Health", and UserService, over the real server.
final class LoginTests: XCTestCase {
    func testHealthIsServingWithoutAToken() async throws {
        let server = try ServerProcess()
        let response = try await client(server).health.check()
        XCTAssertEqual(response.status, .serving)
        let value1 = try await client(server).health.check(HealthCheckRequest(service: "lianjie.v1.UserService")).status
        XCTAssertEqual(value1, .serving)
        await assertRPCError(.notFound) { try await self.client(server).health.check(HealthCheckRequest(service: "no.Such")) }
    }

    func testLoginWhoAmILogout() async throws {
        let server = try ServerProcess()
        let (c, token) = try await login(server)
        XCTAssertEqual(token.count, 43)
        let me = try await c.userService.whoAmI()
        XCTAssertEqual(me.account?.username, "admin")
        XCTAssertEqual(me.account?.grants, [RoleGrant(role: .admin, organizationId: "")])
        XCTAssertNotNil(me.sessionExpireTime)
        _ = try await c.userService.logout()
        await assertRPCError(.unauthenticated) { try await c.userService.whoAmI() }
        await assertRPCError(.unauthenticated) { try await c.userService.logout() }
        // A fresh login still works after a logout.
        let (again, _) = try await login(server)
        let value2 = try await again.userService.whoAmI().account?.username
        XCTAssertEqual(value2, "admin")
        // The token is stored only as a hash.
        let db = try String(contentsOfFile: server.dataDirectory + "/lianjie.db", encoding: .isoLatin1)
        XCTAssertFalse(db.contains(token))
        XCTAssertFalse(server.log.joined().contains(token), "the token never reaches the log")
        XCTAssertFalse(server.log.joined().contains(adminPassword), "the password never reaches the log")
    }

    func testUnknownUserAndWrongPasswordGetTheSameAnswer() async throws {
        let server = try ServerProcess()
        let wrong = await assertRPCError(.unauthenticated) {
            try await self.client(server).userService.login(LoginRequest(username: "admin", password: "not-the-password"))
        }
        let unknown = await assertRPCError(.unauthenticated) {
            try await self.client(server).userService.login(LoginRequest(username: "nobody", password: "not-the-password"))
        }
        XCTAssertEqual(wrong?.message, unknown?.message)
        XCTAssertEqual(wrong?.violations, unknown?.violations)
    }

    func testMissingFieldsAreInvalidArgumentsNamingEachField() async throws {
        let server = try ServerProcess()
        let e = await assertRPCError(.invalidArgument) { try await self.client(server).userService.login(LoginRequest()) }
        XCTAssertEqual(e?.violations.map(\.field), ["username", "password"])
    }

    func testCallsWithoutAValidTokenAreUnauthenticated() async throws {
        let server = try ServerProcess()
        let c = client(server)
        await assertRPCError(.unauthenticated) { try await c.userService.whoAmI() }
        c.token = "garbage"
        await assertRPCError(.unauthenticated) { try await c.userService.whoAmI() }
        c.token = String(repeating: "A", count: 43)
        await assertRPCError(.unauthenticated) { try await c.userService.whoAmI() }
    }

    func testRepeatedFailuresSlowDownThenLockTheAccount() async throws {
        let server = try ServerProcess()
        let c = client(server)
        var durations: [Double] = []
        for _ in 0..<10 {
            let start = Date()
            await assertRPCError(.unauthenticated) { try await c.userService.login(LoginRequest(username: "admin", password: "wrong-password-x")) }
            durations.append(Date().timeIntervalSince(start))
        }
        XCTAssertGreaterThan(durations[7], durations[0] + 0.4, "failures past the fifth are answered more slowly")
        // Locked: even the right password is refused, in the very words of a wrong one.
        let locked = await assertRPCError(.unauthenticated) {
            try await c.userService.login(LoginRequest(username: "admin", password: adminPassword))
        }
        XCTAssertEqual(locked?.message, "unknown username or wrong password")
    }

    // Issue 7, A.9: the bootstrap password stayed readable in /proc/PID/environ.
    func testTheBootstrapPasswordLeavesTheServersEnvironment() async throws {
        let server = try ServerProcess()
        _ = try await login(server)
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(server.pid)/environ"))
        XCTAssertFalse(environ.isEmpty)
        XCTAssertNil(environ.range(of: Data(adminPassword.utf8)), "the password is gone from the environment block")
        XCTAssertNil(environ.range(of: Data("LIANJIE_BOOTSTRAP_ADMIN".utf8)))
    }

    func testWeakBootstrapPasswordIsRefused() throws {
        XCTAssertThrowsError(try ServerProcess(admin: "admin:password1")) { error in
            XCTAssertTrue("\(error)".contains("did not start"))
        }
    }

    func testWithoutBootstrapTheServerStartsAndSaysHowToCreateAnAdmin() async throws {
        let server = try ServerProcess(admin: nil)
        XCTAssertTrue(server.log.contains { $0.contains("LIANJIE_BOOTSTRAP_ADMIN") })
        let value3 = try await client(server).health.check().status
        XCTAssertEqual(value3, .serving)
    }
}
