import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieTestSupport
@testable import LianjieServiceKit
import LianjieStore
import LianjieWire
import Synchronization
import LianjieXCTestSupport
import LianjieServiceTestSupport
import XCTest

/// Retries (AIP-155) and the audit trail (issue 7, A.6 and A.9).
final class IdempotencyAndAuditTests: XCTestCase {
    func testARequestIDReusedForAnotherRequestIsRefused() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        let east = try d.organization("城东区供电局")
        let first = try await admin.createOrganization(CreateOrganizationRequest(requestId: "r-1", parentId: east.id, name: "物资部", kind: .department))
        let again = try await admin.createOrganization(CreateOrganizationRequest(requestId: "r-1", parentId: east.id, name: "物资部", kind: .department))
        XCTAssertEqual(again, first, "the same request again: the first answer")
        let e = await assertRPCError(.invalidArgument) {
            try await admin.createOrganization(CreateOrganizationRequest(requestId: "r-1", parentId: east.id, name: "后勤部", kind: .department))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["request_id"])
        let names = try await admin.listOrganizations(ListOrganizationsRequest(rootId: east.id)).organizations.map(\.name)
        XCTAssertFalse(names.contains("后勤部"), "nothing was made under the reused id")
    }

    func testAReplayChecksTheCallerStillReachesTheRecord() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        let east = try d.organization("城东区供电局"), west = try d.organization("城西区供电局")
        let eastAdmin = try await admin.createAccount(CreateAccountRequest(username: "east-admin", password: "Strong-Pass-4471",
                                                                           grants: [RoleGrant(role: .admin, organizationId: east.id)], kind: .person))
        let c = try await d.users("east-admin", password: "Strong-Pass-4471")
        let request = CreateOrganizationRequest(requestId: "r-9", parentId: east.id, name: "新班组", kind: .team)
        _ = try await c.createOrganization(request)
        // The grant moves to the other district: the record is out of reach now.
        _ = try await admin.updateAccount(UpdateAccountRequest(account: Account(id: eastAdmin.id, grants: [RoleGrant(role: .admin, organizationId: west.id)]),
                                                               updateMask: ["grants"]))
        await assertRPCError(.notFound) { try await c.createOrganization(request) }
    }

    func testRequestIDsAreRememberedForTheWindowAndThenPruned() async throws {
        var settings = ServiceSettings()
        settings.idempotencyWindowSeconds = 3600
        settings.sessionIdleSeconds = 0
        let d = try InProcessDeployment(settings: settings)
        let admin = try await d.users("admin")
        let east = try d.organization("城东区供电局")
        _ = try await admin.createCategory(CreateCategoryRequest(requestId: "c-1", code: "NEW_A", name: "新类别"))
        d.clock.advance(seconds: 2 * 3600)
        // Past the window the id is new again: the same code now conflicts instead of replaying.
        await assertRPCError(.alreadyExists) { try await admin.createCategory(CreateCategoryRequest(requestId: "c-1", code: "NEW_A", name: "新类别")) }
        _ = try await admin.createOrganization(CreateOrganizationRequest(requestId: "o-1", parentId: east.id, name: "触发清理", kind: .team))
        let left = try d.store.read { try $0.idempotencyRecord(accountID: try d.account("admin").id, method: UserService.createCategory.path,
                                                                 requestID: "c-1", notBefore: 0) }
        XCTAssertNil(left, "records past the window are pruned")
    }

    func testRefusalsLogoutsRevocationsAndDryRunsAreAudited() async throws {
        let d = try InProcessDeployment()
        let employee = try await d.client("employee")
        await assertRPCError(.permissionDenied) { try await employee.userService.listAccounts() }
        let stranger = d.anonymous()
        stranger.token = String(repeating: "A", count: 43)
        await assertRPCError(.unauthenticated) { try await stranger.userService.whoAmI() }
        let inspector = try await d.client("inspector")
        let spare = try await d.client("inspector")
        let other = try await inspector.userService.listSessions().sessions.first { !$0.current }!
        _ = try await inspector.userService.revokeSession(RevokeSessionRequest(id: other.id))
        _ = spare
        let team = try d.organization("城东区供电局/营销部/高压业扩班")
        _ = try await inspector.userService.importSubjects(ImportSubjectsRequest(rows: [SubjectImportRow(
            line: 2, employeeNumber: "DRY1", name: "试", organizationId: team.id, categoryCode: "HV_EXPANSION",
            postCode: "HV_ACCOUNT_MANAGER", positionLevel: "STAFF")], dryRun: true))
        _ = try await inspector.userService.logout()

        let entries = try d.auditEntries()
        func has(_ method: String, _ outcome: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertTrue(entries.contains { $0.method.hasSuffix(method) && $0.outcome == outcome }, "\(method) \(outcome)", file: file, line: line)
        }
        has("/ListAccounts", "PERMISSION_DENIED")
        has("/WhoAmI", "UNAUTHENTICATED")
        has("/RevokeSession", "OK")
        has("/ImportSubjects", "DRY_RUN")
        has("/Logout", "OK")
    }

    func testAReadThatCannotBeAuditedIsNotAnswered() async throws {
        let failing = FailingWrites()
        let d = try InProcessDeployment(serve: { FailingWritesStore(base: $0, switch: failing) })
        let inspector = try await d.users("inspector")
        let list = try await inspector.listSubjects()
        failing.on.store(true, ordering: .releasing)
        let e = await assertRPCError(.unavailable) { try await inspector.getSubject(GetSubjectRequest(id: list.subjects[0].id)) }
        XCTAssertTrue(e?.message.contains("audit") ?? false)
        await assertRPCError(.unavailable) { try await inspector.listSubjects() }
        failing.on.store(false, ordering: .releasing)
        _ = try await inspector.getSubject(GetSubjectRequest(id: list.subjects[0].id))
    }

    func testLinkingASubjectToAnAccountOutsideTheCallersScopeIsRefused() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.users("admin")
        let west = try d.organization("城西区供电局")
        let westEmployee = try await admin.createAccount(CreateAccountRequest(username: "west-emp", password: "Strong-Pass-4471",
                                                                              grants: [RoleGrant(role: .employee, organizationId: west.id)], kind: .person))
        let inspector = try await d.users("inspector")
        let subject = try await inspector.listSubjects().subjects.first { $0.accountId.isEmpty }!
        let e = await assertRPCError(.invalidArgument) {
            try await inspector.updateSubject(UpdateSubjectRequest(subject: Subject(id: subject.id, accountId: westEmployee.id), updateMask: ["account_id"]))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["subject.account_id"])
    }

    func testAnEmployeeNumberTakenOutsideTheScopeIsReportedAlikeAndAudited() async throws {
        let d = try InProcessDeployment()
        let inspector2 = try await d.users("inspector2")
        let westNumber = try await inspector2.listSubjects().subjects[0].employeeNumber
        let inspector = try await d.users("inspector")
        let team = try d.organization("城东区供电局/营销部/高压业扩班")
        func row(_ number: String) -> SubjectImportRow {
            SubjectImportRow(line: 2, employeeNumber: number, name: "试", organizationId: team.id, categoryCode: "HV_EXPANSION",
                             postCode: "HV_ACCOUNT_MANAGER", positionLevel: "STAFF")
        }
        let outside = try await inspector.importSubjects(ImportSubjectsRequest(rows: [row(westNumber)], dryRun: true))
        let inside = try await inspector.importSubjects(ImportSubjectsRequest(rows: [row("HV0001")], dryRun: true))
        XCTAssertEqual(outside.rejections.map(\.reason), inside.rejections.map(\.reason), "the same words wherever the subject is")
        let westID = try d.organization("城西区供电局").id
        XCTAssertTrue(try d.auditEntries().contains { $0.outcome == "NUMBER_TAKEN_OUTSIDE_SCOPE" && $0.organizationPath.contains(westID) })
    }

    func testLoginsFromAnAddressThatKeepsFailingAreRefusedWithoutAPasswordCheck() async throws {
        var settings = ServiceSettings()
        settings.maxFailuresPerPeer = 3
        let d = try InProcessDeployment(settings: settings)
        let c = d.anonymous().userService
        for name in ["nobody1", "nobody2", "hr"] {
            await assertRPCError(.unauthenticated) { try await c.login(LoginRequest(username: name, password: "Wrong-Guess-0001")) }
        }
        await assertRPCError(.resourceExhausted) { try await c.login(LoginRequest(username: "hr", password: "Renshi-2026-Demo")) }
        d.clock.advance(seconds: settings.loginWindowSeconds)
        _ = try await c.login(LoginRequest(username: "hr", password: "Renshi-2026-Demo"))
    }
}

/// A switch a test flips to make the store's writes fail.
final class FailingWrites: Sendable {
    let on = Atomic<Bool>(false)
}

/// The real store, whose writes fail (as a full disk would) while the switch is on.
struct FailingWritesStore: Store {
    let base: SQLiteStore
    let `switch`: FailingWrites

    func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T { try base.read(body) }

    func write<T: Sendable>(_ body: (any StoreWriter) throws -> T) throws -> T {
        if self.switch.on.load(ordering: .acquiring) { throw StoreError(.unavailable, "disk full", detail: "test") }
        return try base.write(body)
    }

    var authGeneration: UInt64 { base.authGeneration }
    var subjectGeneration: UInt64 { base.subjectGeneration }
    var blobs: any BlobStore { base.blobs }
}

/// The transport's guarantees as the services see them.
final class ServiceTransportTests: XCTestCase {
    // A.6: behind a TLS terminator the audit log recorded 127.0.0.1 for everyone.
    func testTheAuditLogRecordsTheClientATrustedProxyNames() async throws {
        let d = try InProcessDeployment(configure: { $0.trustedProxies = ["127.0.0.1"] })
        let raw = try RawConnection(port: d.port)
        let header = Array("PROXY TCP4 203.0.113.7 10.0.0.1 51234 7600\r\n".utf8)
        try raw.send(header + raw.callFrame(UserService.login.path, LoginRequest(username: "hr", password: "Renshi-2026-Demo")).1)
        XCTAssertEqual(try raw.readReply().0.status, 0)
        XCTAssertTrue(try d.auditEntries(method: UserService.login.path).contains { $0.peer == "203.0.113.7:51234" && $0.outcome == "OK" })
    }

    // A.9: a write whose deadline passed (or that was cancelled) before it committed is
    // answered so, and nothing of it is kept.
    func testAWriteThatMissedItsDeadlineIsNotCommitted() async throws {
        let d = try InProcessDeployment()
        let admin = try await d.client("admin")
        let caller = try d.kit.authenticator.authenticate(token: admin.token!, method: UserService.createCategory.path)
        let context = CallContext(callID: 1, method: UserService.createCategory.path, metadata: [:],
                                  deadline: MonotonicClock.now() - 1, peer: "test", principal: caller)
        let call = Call(caller: caller, context: context, kit: d.kit)
        XCTAssertThrowsError(try call.write { tx in
            try tx.createCategory(CategoryRecord(id: "cat_late", code: "LATE", name: "迟到"))
            return CreateCategoryRequest()
        }) { error in
            XCTAssertEqual((error as? RPCError)?.status, .deadlineExceeded)
        }
        XCTAssertNil(try d.store.read { try $0.category(code: "LATE") }, "rolled back")
        XCTAssertFalse(try d.auditEntries().contains { $0.method == UserService.createCategory.path && $0.outcome == "OK" })
    }
}
