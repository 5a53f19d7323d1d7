import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieSeed
@testable import LianjieServiceKit
import LianjieServices
import LianjieStore
@testable import LianjieUsers
import LianjieWire
import LianjieXCTestSupport
import LianjieServiceTestSupport
import XCTest

/// One test per defect of the security review (issue 7, part A); each failed before its fix.
final class SecurityRegressionTests: XCTestCase {
    /// A person account with `grants`, made by the whole-deployment admin.
    func makeAccount(_ d: InProcessDeployment, _ username: String, _ grants: [RoleGrant], password: String = "Strong-Pass-4471") async throws -> Account {
        let admin = try await d.users("admin")
        return try await admin.createAccount(CreateAccountRequest(username: username, password: password, grants: grants, kind: .person))
    }

    // A.1 — a subtree admin reset the password of an account that also held rights elsewhere.
    func testSubtreeAdminCannotTakeOverAnAccountWithGrantsOutsideTheSubtree() async throws {
        let d = try InProcessDeployment()
        let east = try d.organization("城东区供电局"), west = try d.organization("城西区供电局")
        _ = try await makeAccount(d, "east-admin", [RoleGrant(role: .admin, organizationId: east.id)])
        let straddler = try await makeAccount(d, "straddler", [RoleGrant(role: .inspector, organizationId: east.id),
                                                              RoleGrant(role: .inspector, organizationId: west.id)])
        let local = try await makeAccount(d, "local", [RoleGrant(role: .inspector, organizationId: east.id)])
        let eastAdmin = try await d.users("east-admin", password: "Strong-Pass-4471")

        for target in [straddler.id, try d.account("auditor").id, try d.account("admin").id] {
            await assertRPCError(.notFound) { try await eastAdmin.resetPassword(ResetPasswordRequest(id: target, newPassword: "Taken-Over-9931")) }
            await assertRPCError(.notFound) { try await eastAdmin.getAccount(GetAccountRequest(id: target)) }
            await assertRPCError(.notFound) { try await eastAdmin.disableAccount(DisableAccountRequest(id: target)) }
            await assertRPCError(.notFound) {
                try await eastAdmin.updateAccount(UpdateAccountRequest(account: Account(id: target, displayName: "x"), updateMask: ["display_name"]))
            }
            await assertRPCError(.notFound) { try await eastAdmin.listApiTokens(ListApiTokensRequest(accountId: target)) }
        }
        // The straddler's password still works: nothing was changed.
        _ = try await d.users("straddler", password: "Strong-Pass-4471")
        // An account wholly inside the subtree stays manageable.
        _ = try await eastAdmin.resetPassword(ResetPasswordRequest(id: local.id, newPassword: "Fresh-Secret-5520"))

        // The listing shows the straddler (it works in the subtree) without its grant elsewhere.
        let listed = try await eastAdmin.listAccounts(ListAccountsRequest(pageSize: 500)).accounts
        let shown = try XCTUnwrap(listed.first { $0.id == straddler.id })
        XCTAssertEqual(shown.grants.map(\.organizationId), [east.id])
        XCTAssertFalse(listed.flatMap(\.grants).contains { $0.organizationId == west.id || $0.organizationId.isEmpty },
                       "no grant outside the caller's subtree is shown")
    }

    // A.3 — `start_time.seconds = 10^10` trapped in `seconds * 10^9` and killed the server.
    func testAuditListingAnswersOutOfRangeTimesWithInvalidArgument() async throws {
        let d = try InProcessDeployment()
        let auditor = try await d.users("auditor")
        for (time, field) in [(Time(seconds: 10_000_000_000), "start_time.seconds"), (Time(seconds: Int64.max), "start_time.seconds"),
                              (Time(seconds: -1), "start_time.seconds"), (Time(seconds: 1, nanos: -1), "start_time.nanos"),
                              (Time(seconds: 1, nanos: 1_000_000_000), "start_time.nanos")] {
            let e = await assertRPCError(.invalidArgument) { try await auditor.listAuditEntries(ListAuditEntriesRequest(startTime: time)) }
            XCTAssertEqual(e?.violations.map(\.field), [field])
        }
        let e = await assertRPCError(.invalidArgument) {
            try await auditor.listAuditEntries(ListAuditEntriesRequest(endTime: Time(seconds: Int64.min)))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["end_time.seconds"])
        // The server is still there.
        _ = try await auditor.listAuditEntries(ListAuditEntriesRequest(pageSize: 1))
    }

    // A.4 — ChangePassword wrote back the whole account as read at authentication,
    // re-enabling an account an administrator had just disabled.
    func testChangePasswordCannotUndoADisableThatLandedMeanwhile() async throws {
        let d = try InProcessDeployment()
        let employee = try await d.client("employee")
        let caller = try d.kit.authenticator.authenticate(token: employee.token!, method: UserService.changePassword.path)
        let context = CallContext(callID: 1, method: UserService.changePassword.path,
                                  metadata: ["authorization": "Bearer \(employee.token!)"], deadline: nil, peer: "test",
                                  principal: caller)   // the call has authenticated…
        let admin = try await d.users("admin")        // …when an administrator disables the account
        _ = try await admin.disableAccount(DisableAccountRequest(id: caller.id, reason: "under investigation"))

        let handlers = SessionHandlers(kit: d.kit)
        let call = Call(caller: caller, context: context, kit: d.kit)
        XCTAssertThrowsError(try handlers.changePassword(ChangePasswordRequest(oldPassword: "Yuangong-2026-Demo",
                                                                               newPassword: "Another-Secret-7781"), call)) { error in
            XCTAssertEqual((error as? RPCError)?.status, .aborted)
        }
        let after = try d.account("employee")
        XCTAssertTrue(after.disabled, "the disable stands")
        XCTAssertEqual(after.disabledReason, "under investigation")
        await assertRPCError(.unauthenticated) { try await d.users("employee", password: "Another-Secret-7781") }
    }

    // A.9 — an API token of a disabled account worked again once the account was re-enabled.
    func testDisablingAnAccountRevokesItsApiTokensForGood() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        let service = try await admin.createAccount(CreateAccountRequest(username: "hr-sync", grants: [RoleGrant(role: .service)], kind: .service))
        let issued = try await admin.issueApiToken(IssueApiTokenRequest(accountId: service.id, description: "HR sync"))
        let system = d.anonymous()
        system.token = issued.token
        _ = try await system.userService.whoAmI()
        let disabled = try await admin.disableAccount(DisableAccountRequest(id: service.id))
        await assertRPCError(.unauthenticated) { try await system.userService.whoAmI() }
        _ = try await admin.enableAccount(EnableAccountRequest(id: service.id, etag: disabled.etag))
        await assertRPCError(.unauthenticated) { try await system.userService.whoAmI() }
        let tokens = try await admin.listApiTokens(ListApiTokensRequest(accountId: service.id, includeRevoked: true)).apiTokens
        XCTAssertEqual(tokens.count, 1)
        XCTAssertNotNil(tokens.first?.revokeTime, "the token is shown revoked")
    }

    // A.9 — a locked account answered RESOURCE_EXHAUSTED at once, unlike a wrong password.
    func testALockedAccountAnswersExactlyLikeAWrongPassword() async throws {
        var settings = ServiceSettings()
        settings.slowDownAfterFailures = 100
        settings.lockAfterFailures = 3
        let d = try InProcessDeployment(settings: settings)
        let c = d.anonymous().userService
        let wrong = await assertRPCError(.unauthenticated) { try await c.login(LoginRequest(username: "manager", password: "Wrong-Guess-0001")) }
        for _ in 0..<3 { await assertRPCError(.unauthenticated) { try await c.login(LoginRequest(username: "manager", password: "Wrong-Guess-0001")) } }
        XCTAssertGreaterThan(try d.account("manager").lockedUntil, 0, "the account is locked now")
        let locked = await assertRPCError(.unauthenticated) { try await c.login(LoginRequest(username: "manager", password: "Banzhang-2026-Demo")) }
        let unknown = await assertRPCError(.unauthenticated) { try await c.login(LoginRequest(username: "nobody-here", password: "Banzhang-2026-Demo")) }
        XCTAssertEqual(locked?.message, wrong?.message)
        XCTAssertEqual(unknown?.message, wrong?.message)
    }

    // A.9 — the same password length bounds everywhere.
    func testPasswordLengthBoundsAreTheSameEverywhere() async throws {
        let d = try InProcessDeployment()
        let long = "Aa1-" + String(repeating: "x", count: 1021)   // 1025 bytes
        let admin = try await d.users("admin")
        var e = await assertRPCError(.invalidArgument) {
            try await admin.createAccount(CreateAccountRequest(username: "longpw", password: long, grants: [RoleGrant(role: .hr)], kind: .person))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["password"])
        e = await assertRPCError(.invalidArgument) {
            try await admin.resetPassword(ResetPasswordRequest(id: try d.account("hr").id, newPassword: long))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["new_password"])
        let hr = try await d.users("hr")
        e = await assertRPCError(.invalidArgument) {
            try await hr.changePassword(ChangePasswordRequest(oldPassword: long, newPassword: "Perfectly-Fine-8812"))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["old_password"])
        e = await assertRPCError(.invalidArgument) { try await d.anonymous().userService.login(LoginRequest(username: "hr", password: long)) }
        XCTAssertEqual(e?.violations.map(\.field), ["password"])
    }

    // A.9 — the common-password list was 70 entries; ASVS 2.1.7 asks for the top 10,000.
    func testCommonPasswordsFromTheLargeListAreRefused() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        for weak in ["1qaz2wsx3edc", "qwertyuiop123", "football1234", "starwars123", "iloveyou12"] {
            let e = await assertRPCError(.invalidArgument) {
                try await admin.createAccount(CreateAccountRequest(username: "weakling", password: weak, grants: [RoleGrant(role: .hr)], kind: .person))
            }
            XCTAssertEqual(e?.violations.first?.description, "is one of the most common passwords", weak)
        }
    }

    // A.9 — `--demo` seeded documented passwords beside a real administrator.
    func testDemoRefusesAStoreThatHoldsARealDeployment() throws {
        let directory = NSTemporaryDirectory() + "lianjie-demo-refusal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory)
        let logger = Logger(level: .error, sink: { _ in })
        let audit = AuditLog(key: AuditKey(bytes: Array(repeating: 1, count: 32)))
        XCTAssertEqual(try Bootstrap.run(store: store, spec: "chief:Real-Admin-Secret-77", audit: audit, logger: logger),
                       .created(username: "chief"))
        XCTAssertThrowsError(try Demo.seed(store: store, audit: audit, logger: logger)) { error in
            XCTAssertTrue(String(describing: error).contains("empty data directory"), "\(error)")
        }
        XCTAssertNil(try store.read { try $0.account(username: "inspector") }, "no demo account was added")

        let demoDirectory = directory + "-demo"
        defer { try? FileManager.default.removeItem(atPath: demoDirectory) }
        let demo = try SQLiteStore(directory: demoDirectory)
        XCTAssertEqual(try Demo.seed(store: demo, audit: audit, logger: logger), .seeded(subjects: 20))
        XCTAssertEqual(try Demo.seed(store: demo, audit: audit, logger: logger), .skipped, "a demo store restarts with --demo unchanged")
    }

    // A.9 — SQLITE_BUSY after the busy timeout was INTERNAL, not UNAVAILABLE.
    func testABusyStoreIsUnavailableNotInternal() {
        let mapped = StoreErrors.rpcError(StoreError(.busy, "the database is busy"), logger: Logger(level: .error, sink: { _ in }), method: "m")
        XCTAssertEqual(mapped.status, .unavailable)
    }
}
