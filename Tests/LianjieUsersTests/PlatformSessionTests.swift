import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Sign-in from the messaging app: an admin links an account to a platform user; only the
/// gateway opens a session for it.
final class PlatformSessionTests: XCTestCase {
    func link(_ admin: UserServiceClient, _ d: InProcessDeployment, _ username: String, _ id: String) async throws -> Account {
        let account = try d.account(username)
        return try await admin.updateAccount(UpdateAccountRequest(account: Account(id: account.id, platformUserId: id), updateMask: ["platform_user_id"]))
    }

    func testTheGatewayOpensASessionForTheLinkedPerson() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        let linked = try await link(admin, d, "employee", "zhangwei01")
        XCTAssertEqual(linked.platformUserId, "zhangwei01")
        let gateway = try await d.serviceClient().userService
        let session = try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "zhangwei01"))
        XCTAssertEqual(session.account?.username, "employee")
        XCTAssertFalse(session.token.isEmpty)
        let phone = d.anonymous()
        phone.token = session.token
        let me = try await phone.userService.whoAmI()
        XCTAssertEqual(me.account?.username, "employee")
        let audited = try d.auditEntries(method: UserService.openPlatformSession.path)
        XCTAssertEqual(audited.last?.outcome, "OK")
        XCTAssertEqual(audited.last?.recordType, "session")

        await assertRPCError(.notFound) { try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "nobody")) }
        await assertRPCError(.invalidArgument) { try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "")) }
        await assertRPCError(.invalidArgument) { try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "a b")) }
        XCTAssertEqual(try d.auditEntries(method: UserService.openPlatformSession.path).last?.outcome, "INVALID_ARGUMENT")

        // Unlinked or disabled: no session.
        _ = try await admin.disableAccount(DisableAccountRequest(id: try d.account("employee").id, reason: "left"))
        await assertRPCError(.failedPrecondition) { try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "zhangwei01")) }
        _ = try await admin.enableAccount(EnableAccountRequest(id: try d.account("employee").id))
        // Re-linking ends the sessions opened through the old link.
        let again = try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "zhangwei01"))
        phone.token = again.token
        _ = try await link(admin, d, "employee", "")
        await assertRPCError(.unauthenticated) { try await phone.userService.whoAmI() }
        await assertRPCError(.notFound) { try await gateway.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "zhangwei01")) }
    }

    func testOnlyTheGatewayOnTheRootMayAndLinksAreUnique() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        _ = try await link(admin, d, "manager", "lilei")
        await assertRPCError(.alreadyExists) { try await self.link(admin, d, "inspector", "lilei") }
        await assertRPCError(.invalidArgument) { try await self.link(admin, d, "inspector", String(repeating: "x", count: 129)) }
        await assertRPCError(.failedPrecondition) { try await self.link(admin, d, "admin", "me") }
        let inspector = try await d.users("inspector")
        await assertRPCError(.permissionDenied) { try await inspector.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "lilei")) }
        let service = try await d.serviceClient("svc", role: .service).userService
        await assertRPCError(.permissionDenied) { try await service.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "lilei")) }
        let district = try await d.serviceClient("gw-east", organization: "城东区供电局").userService
        await assertRPCError(.permissionDenied) { try await district.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "lilei")) }
        let root = try await d.serviceClient("gw-root", organization: "市供电局").userService
        await assertRPCError(.permissionDenied) { try await root.openPlatformSession(OpenPlatformSessionRequest(platformUserId: "lilei")) }
        // A service account cannot be linked.
        let svc = try d.account("svc")
        await assertRPCError(.failedPrecondition) {
            try await admin.updateAccount(UpdateAccountRequest(account: Account(id: svc.id, platformUserId: "bot"), updateMask: ["platform_user_id"]))
        }
    }
}
