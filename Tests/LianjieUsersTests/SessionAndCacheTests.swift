import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieServiceKit
import LianjieStore
import LianjieXCTestSupport
import LianjieServiceTestSupport
import XCTest

/// Sessions' idle timeout and the in-memory caller cache (issue 7, A.9 and A.10): a change
/// that ends or narrows a caller's rights takes effect at the very next call.
final class SessionAndCacheTests: XCTestCase {
    func testASessionUnusedForTheIdleTimeoutEnds() async throws {
        var settings = ServiceSettings()
        settings.sessionIdleSeconds = 30 * 60
        let d = try InProcessDeployment(settings: settings)
        let hr = try await d.users("hr")
        _ = try await hr.whoAmI()
        d.clock.advance(seconds: 20 * 60)
        _ = try await hr.whoAmI()                 // used: the idle clock starts again…
        d.kit.authenticator.flushTouches()
        d.clock.advance(seconds: 20 * 60)
        _ = try await hr.whoAmI()                 // …so 40 minutes after login it still works
        d.kit.authenticator.flushTouches()
        d.clock.advance(seconds: 31 * 60)
        await assertRPCError(.unauthenticated) { try await hr.whoAmI() }
        let sessions = try await d.users("hr").listSessions().sessions
        XCTAssertEqual(sessions.count, 1, "the idle session is not listed as live")
    }

    func testTheAbsoluteLifetimeHoldsEvenForABusySession() async throws {
        var settings = ServiceSettings()
        settings.sessionSeconds = 3600
        let d = try InProcessDeployment(settings: settings)
        let hr = try await d.users("hr")
        for _ in 0..<5 {
            d.clock.advance(seconds: 15 * 60)
            _ = try? await hr.whoAmI()
            d.kit.authenticator.flushTouches()
        }
        await assertRPCError(.unauthenticated) { try await hr.whoAmI() }
    }

    func testDisablingAnAccountEndsItsCachedSessionsAtTheNextCall() async throws {
        let d = try InProcessDeployment()
        let manager = try await d.users("manager")
        _ = try await manager.listSubjects()       // resolved and cached
        let admin = try await d.users("admin")
        _ = try await admin.disableAccount(DisableAccountRequest(id: try d.account("manager").id))
        await assertRPCError(.unauthenticated) { try await manager.listSubjects() }
    }

    func testLogoutAndRevocationTakeEffectAtOnce() async throws {
        let d = try InProcessDeployment()
        let first = try await d.client("inspector")
        let second = try await d.client("inspector")
        _ = try await first.userService.whoAmI()
        _ = try await second.userService.whoAmI()
        let sessions = try await first.userService.listSessions().sessions
        let other = try XCTUnwrap(sessions.first { !$0.current })
        _ = try await first.userService.revokeSession(RevokeSessionRequest(id: other.id))
        await assertRPCError(.unauthenticated) { try await second.userService.whoAmI() }
        _ = try await first.userService.logout()
        await assertRPCError(.unauthenticated) { try await first.userService.whoAmI() }
    }

    func testAPasswordChangeEndsTheOtherSessionsAtOnce() async throws {
        let d = try InProcessDeployment()
        let changer = try await d.client("auditor")
        let other = try await d.client("auditor")
        _ = try await other.userService.whoAmI()
        _ = try await changer.userService.changePassword(ChangePasswordRequest(oldPassword: "Shenji-2026-Demo", newPassword: "Xin-Shenji-Mima-77"))
        await assertRPCError(.unauthenticated) { try await other.userService.whoAmI() }
        _ = try await changer.userService.whoAmI()
    }

    func testAGrantTakenAwayIsGoneAtTheNextCall() async throws {
        let d = try InProcessDeployment()
        let inspector = try await d.users("inspector")
        let before = try await inspector.listSubjects()
        XCTAssertEqual(before.totalSize, 17)
        let admin = try await d.users("admin")
        let account = try await admin.getAccount(GetAccountRequest(id: try d.account("inspector").id))
        let west = try d.organization("城西区供电局")
        _ = try await admin.updateAccount(UpdateAccountRequest(account: Account(id: account.id, grants: [RoleGrant(role: .inspector, organizationId: west.id)]),
                                                               updateMask: ["grants"], etag: account.etag))
        let after = try await inspector.listSubjects()
        XCTAssertEqual(after.totalSize, 3, "the new grant's scope, at once")
    }

    func testMovingAnOrganisationMovesItsGrantsScopeAtOnce() async throws {
        let d = try InProcessDeployment()
        let manager = try await d.users("manager")
        let seen = try await manager.listSubjects().totalSize
        XCTAssertEqual(seen, 17)
        let admin = try await d.users("admin")
        let team = try d.organization("城东区供电局/营销部/高压业扩班")
        let westMarketing = try d.organization("城西区供电局/营销部")
        _ = try await admin.moveOrganization(MoveOrganizationRequest(id: team.id, newParentId: westMarketing.id))
        let inspector = try await d.users("inspector")
        let eastNow = try await inspector.listSubjects().totalSize
        XCTAssertEqual(eastNow, 0, "the team left the east district")
        let managerNow = try await manager.listSubjects().totalSize
        XCTAssertEqual(managerNow, 17, "its manager still sees it, under its new path")
    }

    func testWhoAmINamesTheLinkedSubjectAndFollowsItsLink() async throws {
        let d = try InProcessDeployment()
        let employee = try await d.users("employee")
        let me = try await employee.whoAmI()
        XCTAssertFalse(me.subjectId.isEmpty)
        let inspector = try await d.users("inspector")
        let subject = try await inspector.getSubject(GetSubjectRequest(id: me.subjectId))
        _ = try await inspector.updateSubject(UpdateSubjectRequest(subject: Subject(id: subject.id, accountId: ""), updateMask: ["account_id"],
                                                                   etag: subject.etag))
        let after = try await employee.whoAmI().subjectId
        XCTAssertEqual(after, "", "unlinked: the cached caller was refreshed")
    }
}
