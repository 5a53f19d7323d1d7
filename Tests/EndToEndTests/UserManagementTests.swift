import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
import XCTest

/// User management over the real server with the demo deployment.
final class UserManagementTests: XCTestCase {
    static let passwords = Dictionary(uniqueKeysWithValues: [
        ("admin", adminPassword), ("inspector", "Jiancha-2026-Demo"), ("inspector2", "Jiancha2-2026-Demo"),
        ("manager", "Banzhang-2026-Demo"), ("hr", "Renshi-2026-Demo"), ("auditor", "Shenji-2026-Demo"),
        ("employee", "Yuangong-2026-Demo"), ("head", "Fuzeren-2026-Demo"),
    ])

    func demo() throws -> ServerProcess { try ServerProcess(extraArguments: ["--demo"]) }

    func session(_ server: ServerProcess, _ username: String) async throws -> UserServiceClient {
        let (c, _) = try await login(server, username: username, password: Self.passwords[username]!)
        return c.userService
    }

    /// The organisation at a path of names from below the root, e.g. `城东区供电局/营销部/高压业扩班`.
    func organization(_ admin: UserServiceClient, _ path: String) async throws -> Organization {
        let all = try await admin.listOrganizations(ListOrganizationsRequest(pageSize: 500)).organizations
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        return try XCTUnwrap(all.first { o in
            (o.ancestorIds.dropFirst().compactMap { byID[$0]?.name } + [o.name]).joined(separator: "/") == path
        }, "no organisation \(path)")
    }

    func testInspectorsSeeOnlyTheirOwnDistrict() async throws {
        let server = try demo()
        let inspector = try await session(server, "inspector")
        let inspector2 = try await session(server, "inspector2")
        let mine = try await inspector.listSubjects()
        XCTAssertEqual(mine.subjects.count, 17)
        XCTAssertEqual(mine.totalSize, 17, "the count covers only the caller's scope")
        let theirs = try await inspector2.listSubjects()
        XCTAssertEqual(theirs.totalSize, 3)
        let other = theirs.subjects[0]
        let hidden = await assertRPCError(.notFound) { try await inspector.getSubject(GetSubjectRequest(id: other.id)) }
        let missing = await assertRPCError(.notFound) { try await inspector.getSubject(GetSubjectRequest(id: "sub_doesnotexist")) }
        XCTAssertEqual(hidden?.message, missing?.message, "an out-of-scope record looks exactly like a missing one")
        await assertRPCError(.notFound) { try await inspector.listSubjects(ListSubjectsRequest(organizationId: other.organizationId)) }
        await assertRPCError(.notFound) { try await inspector.listPlacements(ListPlacementsRequest(subjectId: other.id)) }
        await assertRPCError(.notFound) { try await inspector.getOrganization(GetOrganizationRequest(id: other.organizationId)) }
        await assertRPCError(.notFound) {
            try await inspector.updateSubject(UpdateSubjectRequest(subject: Subject(id: other.id, name: "x"), updateMask: ["name"]))
        }
        let orgs = try await inspector.listOrganizations()
        XCTAssertEqual(orgs.organizations.map(\.name), ["城东区供电局", "营销部", "高压业扩班"])
    }

    func testAnEmployeeSeesOnlyThemselves() async throws {
        let server = try demo()
        let employee = try await session(server, "employee")
        let me = try await employee.whoAmI()
        XCTAssertFalse(me.subjectId.isEmpty)
        let list = try await employee.listSubjects()
        XCTAssertEqual(list.subjects.map(\.id), [me.subjectId])
        XCTAssertEqual(list.totalSize, 1)
        let awaited1 = try await employee.getSubject(GetSubjectRequest(id: me.subjectId)).name
        XCTAssertEqual(awaited1, "张伟")
        let colleague = try await session(server, "manager").listSubjects().subjects.first { $0.id != me.subjectId }!
        await assertRPCError(.notFound) { try await employee.getSubject(GetSubjectRequest(id: colleague.id)) }
        await assertRPCError(.permissionDenied) { try await employee.listOrganizations() }
        await assertRPCError(.permissionDenied) { try await employee.listAccounts() }
    }

    func testOrganisationLifeCycle() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let district1 = try await organization(admin, "城东区供电局")
        let district2 = try await organization(admin, "城西区供电局")
        let request = CreateOrganizationRequest(requestId: "req-1", parentId: district1.id, name: "  物资部 ", kind: .department)
        let created = try await admin.createOrganization(request)
        XCTAssertEqual(created.name, "物资部")
        XCTAssertEqual(created.ancestorIds.last, district1.id)
        let again = try await admin.createOrganization(request)
        XCTAssertEqual(again.id, created.id, "the same request id returns the first result")
        let awaited2 = try await admin.listOrganizations(ListOrganizationsRequest(rootId: district1.id)).totalSize
        XCTAssertEqual(awaited2, 4)

        let renamed = try await admin.updateOrganization(UpdateOrganizationRequest(
            organization: Organization(id: created.id, name: "物资供应部"), updateMask: ["name"], etag: created.etag))
        XCTAssertEqual(renamed.name, "物资供应部")
        await assertRPCError(.aborted) {
            try await admin.updateOrganization(UpdateOrganizationRequest(organization: Organization(id: created.id, name: "x"),
                                                                         updateMask: ["name"], etag: created.etag))
        }
        let empty = await assertRPCError(.invalidArgument) {
            try await admin.createOrganization(CreateOrganizationRequest(parentId: district1.id, name: " "))
        }
        XCTAssertEqual(empty?.violations.map(\.field), ["name", "kind"])
        await assertRPCError(.invalidArgument) {
            try await admin.moveOrganization(MoveOrganizationRequest(id: district1.id, newParentId: created.id))
        }
        let moved = try await admin.moveOrganization(MoveOrganizationRequest(id: created.id, newParentId: district2.id))
        XCTAssertEqual(moved.parentId, district2.id)
        let team1 = try await organization(admin, "城东区供电局/营销部/高压业扩班")
        let occupied = await assertRPCError(.failedPrecondition) {
            try await admin.deactivateOrganization(DeactivateOrganizationRequest(id: district1.id))
        }
        XCTAssertTrue(occupied?.message.contains("child") ?? false)
        let staffed = await assertRPCError(.failedPrecondition) {
            try await admin.deactivateOrganization(DeactivateOrganizationRequest(id: team1.id))
        }
        XCTAssertTrue(staffed?.message.contains("subjects") ?? false, "an organisation with subjects is never deactivated")
        let off = try await admin.deactivateOrganization(DeactivateOrganizationRequest(id: created.id))
        XCTAssertFalse(off.active)
        await assertRPCError(.failedPrecondition) {
            try await admin.createOrganization(CreateOrganizationRequest(parentId: created.id, name: "x", kind: .team))
        }
        let inspector = try await session(server, "inspector")
        await assertRPCError(.permissionDenied) {
            try await inspector.createOrganization(CreateOrganizationRequest(parentId: district1.id, name: "x", kind: .team))
        }
    }

    func testAccountsPasswordsAndSessions() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let district1 = try await organization(admin, "城东区供电局")
        let weak = await assertRPCError(.invalidArgument) {
            try await admin.createAccount(CreateAccountRequest(username: "liu.yang", password: "password123",
                                                               grants: [RoleGrant(role: .inspector, organizationId: district1.id)], kind: .person))
        }
        XCTAssertEqual(weak?.violations.map(\.field), ["password"])
        let account = try await admin.createAccount(CreateAccountRequest(
            requestId: "a1", username: "liu.yang", displayName: "刘洋", password: "Qiang-Mima-8842",
            grants: [RoleGrant(role: .inspector, organizationId: district1.id)], kind: .person))
        await assertRPCError(.alreadyExists) {
            try await admin.createAccount(CreateAccountRequest(username: "LIU.YANG", password: "Qiang-Mima-8842",
                                                               grants: [RoleGrant(role: .hr)], kind: .person))
        }
        let (user, _) = try await login(server, username: "liu.yang", password: "Qiang-Mima-8842")
        let awaited3 = try await user.userService.listSessions().sessions.count
        XCTAssertEqual(awaited3, 1)
        let disabled = try await admin.disableAccount(DisableAccountRequest(id: account.id, reason: "left the company"))
        XCTAssertTrue(disabled.disabled)
        await assertRPCError(.unauthenticated) { try await user.userService.whoAmI() }
        await assertRPCError(.unauthenticated) {
            try await self.client(server).userService.login(LoginRequest(username: "liu.yang", password: "Qiang-Mima-8842"))
        }
        _ = try await admin.enableAccount(EnableAccountRequest(id: account.id))
        let (again, _) = try await login(server, username: "liu.yang", password: "Qiang-Mima-8842")
        await assertRPCError(.invalidArgument) {
            try await again.userService.changePassword(ChangePasswordRequest(oldPassword: "wrong-old-pass", newPassword: "Another-Mima-7731"))
        }
        _ = try await again.userService.changePassword(ChangePasswordRequest(oldPassword: "Qiang-Mima-8842", newPassword: "Another-Mima-7731"))
        let awaited4 = try await again.userService.whoAmI().account?.username
        XCTAssertEqual(awaited4, "liu.yang", "the current session survives")
        _ = try await admin.resetPassword(ResetPasswordRequest(id: account.id, newPassword: "Reset-By-Admin-551"))
        await assertRPCError(.unauthenticated) { try await again.userService.whoAmI() }
        // Nobody changes their own grants, nor disables themselves.
        let me = try await admin.whoAmI().account!
        await assertRPCError(.failedPrecondition) {
            try await admin.updateAccount(UpdateAccountRequest(account: Account(id: me.id, grants: [RoleGrant(role: .hr)]), updateMask: ["grants"]))
        }
        await assertRPCError(.failedPrecondition) { try await admin.disableAccount(DisableAccountRequest(id: me.id)) }
        // A subtree admin cannot hand out grants outside their subtree.
        let district2 = try await organization(admin, "城西区供电局")
        _ = try await admin.createAccount(CreateAccountRequest(username: "sub.admin", password: "Fen-Guanli-2026",
                                                               grants: [RoleGrant(role: .admin, organizationId: district1.id)], kind: .person))
        let (sa, _) = try await login(server, username: "sub.admin", password: "Fen-Guanli-2026")
        let outside = await assertRPCError(.invalidArgument) {
            try await sa.userService.createAccount(CreateAccountRequest(username: "x.y", password: "Fen-Guanli-2027",
                                                                        grants: [RoleGrant(role: .inspector, organizationId: district2.id)], kind: .person))
        }
        XCTAssertEqual(outside?.violations.first?.field, "grants[0].organization_id")
        let visible = try await sa.userService.listAccounts()
        XCTAssertFalse(visible.accounts.contains { $0.username == "inspector2" }, "accounts of other districts stay hidden")
        XCTAssertTrue(visible.accounts.contains { $0.username == "inspector" })
    }

    func testServiceAccountsUseAPITokens() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let account = try await admin.createAccount(CreateAccountRequest(username: "marketing-system", displayName: "营销系统",
                                                                         grants: [RoleGrant(role: .service)], kind: .service))
        let issue = IssueApiTokenRequest(requestId: "t1", accountId: account.id, description: "work-order push", validDays: 30)
        let issued = try await admin.issueApiToken(issue)
        XCTAssertEqual(issued.token.count, 43)
        let retried = try await admin.issueApiToken(issue)
        XCTAssertEqual(retried.apiToken, issued.apiToken, "a retry returns the same token record")
        XCTAssertEqual(retried.token, "", "but never the token again: it is not stored")
        let system = client(server)
        system.token = issued.token
        let awaited5 = try await system.userService.whoAmI().account?.kind
        XCTAssertEqual(awaited5, .service)
        let listed = try await admin.listApiTokens(ListApiTokensRequest(accountId: account.id))
        XCTAssertEqual(listed.apiTokens.map(\.prefix), [String(issued.token.prefix(6))])
        XCTAssertFalse(try String(contentsOfFile: server.dataDirectory + "/lianjie.db", encoding: .isoLatin1).contains(issued.token))
        await assertRPCError(.unauthenticated) {
            try await self.client(server).userService.login(LoginRequest(username: "marketing-system", password: "anything-at-all"))
        }
        _ = try await admin.revokeApiToken(RevokeApiTokenRequest(id: issued.apiToken!.id))
        await assertRPCError(.unauthenticated) { try await system.userService.whoAmI() }
        await assertRPCError(.failedPrecondition) {
            try await admin.issueApiToken(IssueApiTokenRequest(accountId: try await admin.whoAmI().account!.id, description: "x"))
        }
    }

    func testSubjectsCreateUpdateTransferAndHistory() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let inspector = try await session(server, "inspector")
        let team1 = try await organization(admin, "城东区供电局/营销部/高压业扩班")
        let district2 = try await organization(admin, "城西区供电局")
        let category = try await inspector.listCategories().categories.first { $0.code == "HV_EXPANSION" }!
        let post = try await inspector.listPosts(ListPostsRequest(categoryId: category.id)).posts.first { $0.code == "HV_SITE_SURVEYOR" }!
        let subject = Subject(employeeNumber: "HV9001", name: "新员工", organizationId: team1.id, categoryId: category.id,
                              postId: post.id, positionLevel: .staff, postEntryDate: CalendarDate(year: 2025, month: 7, day: 1))
        let created = try await inspector.createSubject(CreateSubjectRequest(requestId: "s1", subject: subject))
        XCTAssertEqual(created.status, .active)
        await assertRPCError(.alreadyExists) { try await inspector.createSubject(CreateSubjectRequest(subject: subject)) }
        var bad = subject
        bad.employeeNumber = "HV 9002"
        bad.postEntryDate = CalendarDate(year: 2025, month: 2, day: 30)
        let invalid = await assertRPCError(.invalidArgument) { try await inspector.createSubject(CreateSubjectRequest(subject: bad)) }
        XCTAssertEqual(invalid?.violations.map(\.field), ["subject.employee_number", "subject.post_entry_date"])

        let updated = try await inspector.updateSubject(UpdateSubjectRequest(subject: Subject(id: created.id, positionLevel: .teamLeader),
                                                                             updateMask: ["position_level"], etag: created.etag))
        XCTAssertEqual(updated.positionLevel, .teamLeader)
        XCTAssertEqual(updated.name, "新员工", "fields outside the mask stay as they were")
        await assertRPCError(.invalidArgument) {
            try await inspector.updateSubject(UpdateSubjectRequest(subject: Subject(id: created.id, organizationId: district2.id),
                                                                   updateMask: ["organization_id"]))
        }
        // The inspector of district 1 cannot move someone into district 2; the admin can.
        await assertRPCError(.notFound) {
            try await inspector.transferSubject(TransferSubjectRequest(id: created.id, toOrganizationId: district2.id,
                                                                       effectiveDate: CalendarDate(year: 2026, month: 1, day: 1), reason: "rotation"))
        }
        await assertRPCError(.invalidArgument) {
            try await admin.transferSubject(TransferSubjectRequest(id: created.id, toOrganizationId: district2.id,
                                                                   effectiveDate: CalendarDate(year: 2020, month: 1, day: 1), reason: "rotation"))
        }
        let moved = try await admin.transferSubject(TransferSubjectRequest(id: created.id, toOrganizationId: district2.id,
                                                                           effectiveDate: CalendarDate(year: 2026, month: 1, day: 1), reason: "rotation"))
        XCTAssertEqual(moved.organizationId, district2.id)
        let history = try await admin.listPlacements(ListPlacementsRequest(subjectId: created.id)).placements
        XCTAssertEqual(history.map(\.organizationId), [team1.id, district2.id])
        XCTAssertEqual(history.first?.toDate, CalendarDate(year: 2026, month: 1, day: 1))
        XCTAssertNil(history.last?.toDate)
        await assertRPCError(.notFound) { try await inspector.getSubject(GetSubjectRequest(id: created.id)) }
        let awaited6 = try await session(server, "inspector2").getSubject(GetSubjectRequest(id: created.id)).name
        XCTAssertEqual(awaited6, "新员工")
    }

    func testPagingIsStableAndTokensAreChecked() async throws {
        let server = try demo()
        let manager = try await session(server, "manager")
        var seen: [String] = []
        var token = ""
        repeat {
            let page = try await manager.listSubjects(ListSubjectsRequest(pageSize: 5, pageToken: token))
            XCTAssertEqual(page.totalSize, 17)
            seen += page.subjects.map(\.employeeNumber)
            token = page.nextPageToken
        } while !token.isEmpty
        XCTAssertEqual(seen, seen.sorted())
        XCTAssertEqual(Set(seen).count, 17)
        await assertRPCError(.invalidArgument) { try await manager.listSubjects(ListSubjectsRequest(pageToken: "bogus")) }
        await assertRPCError(.invalidArgument) { try await manager.listSubjects(ListSubjectsRequest(pageSize: -1)) }
    }

    func testImportIsAllOrNothingWithAReportPerRow() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let inspector = try await session(server, "inspector")
        let team1 = try await organization(admin, "城东区供电局/营销部/高压业扩班")
        let district2 = try await organization(admin, "城西区供电局")
        func row(_ line: Int32, _ number: String, org: String? = nil, post: String = "HV_ACCOUNT_MANAGER", date: String = "2024-03-01") -> SubjectImportRow {
            SubjectImportRow(line: line, employeeNumber: number, name: "导入\(line)", organizationId: org ?? team1.id,
                             categoryCode: "HV_EXPANSION", postCode: post, positionLevel: "STAFF", postEntryDate: date)
        }
        let before = try await inspector.listSubjects().totalSize
        let bad = try await inspector.importSubjects(ImportSubjectsRequest(rows: [
            row(2, "IM001"), row(3, "IM001"), row(4, "IM003", org: district2.id), row(5, "IM004", post: "METER_INSTALLER"),
            row(6, "HV0001"), row(7, "IM006", date: "2024-13-01"),
        ]))
        XCTAssertFalse(bad.applied)
        XCTAssertEqual(bad.rejections.map { "\($0.line) \($0.field)" },
                       ["3 employee_number", "4 organization_id", "5 post_code", "6 employee_number", "7 post_entry_date"])
        let after = try await inspector.listSubjects().totalSize
        XCTAssertEqual(after, before, "nothing half-imported")
        let rows = (0..<40).map { row(Int32($0 + 2), "IM1\($0 < 10 ? "0" : "")\($0)") }
        let dry = try await inspector.importSubjects(ImportSubjectsRequest(rows: rows, dryRun: true))
        XCTAssertEqual(dry.created, 40)
        XCTAssertFalse(dry.applied)
        let afterDry = try await inspector.listSubjects().totalSize
        XCTAssertEqual(afterDry, before)
        let real = try await inspector.importSubjects(ImportSubjectsRequest(requestId: "imp-1", rows: rows))
        XCTAssertTrue(real.applied)
        let afterReal = try await inspector.listSubjects().totalSize
        XCTAssertEqual(afterReal, before + 40)
        let replay = try await inspector.importSubjects(ImportSubjectsRequest(requestId: "imp-1", rows: rows))
        XCTAssertTrue(replay.applied, "a retried import returns the first answer and imports nothing twice")
        let afterReplay = try await inspector.listSubjects().totalSize
        XCTAssertEqual(afterReplay, before + 40)
    }

    func testAuditTrailAndTamperDetection() async throws {
        let server = try demo()
        let inspector = try await session(server, "inspector")
        let auditor = try await session(server, "auditor")
        let subject = try await inspector.listSubjects().subjects[0]
        _ = try await inspector.getSubject(GetSubjectRequest(id: subject.id))
        let employee = try await session(server, "employee")
        let own = try await employee.whoAmI().subjectId
        _ = try? await employee.getSubject(GetSubjectRequest(id: subject.id == own ? "sub_x" : subject.id))
        await assertRPCError(.permissionDenied) { try await inspector.listAuditEntries() }
        let reads = try await auditor.listAuditEntries(ListAuditEntriesRequest(method: UserService.getSubject.path)).entries
        XCTAssertEqual(reads.map(\.outcome), ["OK", "NOT_FOUND"])
        XCTAssertEqual(reads.first?.recordId, subject.id)
        let inspectorID = try await inspector.whoAmI().account?.id
        XCTAssertEqual(reads.first?.accountId, inspectorID)
        XCTAssertFalse(reads.first?.peer.isEmpty ?? true)
        let listed = try await auditor.listAuditEntries(ListAuditEntriesRequest(method: UserService.listSubjects.path, pageSize: 500)).entries
        XCTAssertEqual(listed.filter { $0.recordType == "subject" }.count, 17, "a listing records a read of each subject it showed")
        XCTAssertEqual(listed.filter { $0.recordType == "subject_list" }.count, 1)
        _ = try? await client(server).userService.login(LoginRequest(username: "inspector", password: "not-my-password"))
        let logins = try await auditor.listAuditEntries(ListAuditEntriesRequest(method: UserService.login.path, pageSize: 500)).entries
        XCTAssertEqual(logins.last?.outcome, "UNAUTHENTICATED", "failed logins are in the trail")
        XCTAssertEqual(logins.last?.accountId, inspectorID)
        XCTAssertTrue(logins.contains { $0.outcome == "OK" && $0.recordType == "session" && $0.accountId == inspectorID })
        let verdict = try await auditor.verifyAuditLog()
        XCTAssertTrue(verdict.intact)
        XCTAssertGreaterThan(verdict.checked, 40)
        // A subtree auditor view: an inspector cannot verify, and the district admin sees only their subtree.
        await assertRPCError(.permissionDenied) { try await inspector.verifyAuditLog() }

        XCTAssertEqual(server.stop(), 0, "lianjied did not drain cleanly; its last log lines:\n" + server.log.suffix(30).joined(separator: "\n"))
        let db = server.dataDirectory + "/lianjie.db"
        func sqlite(_ sql: String) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["sqlite3", db, sql]
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, sql)
        }
        try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET record_id = record_id || '-edited' WHERE sequence = 30;")
        let again = try ServerProcess(dataDirectory: server.dataDirectory)
        let verdict2 = try await session(again, "auditor").verifyAuditLog()
        XCTAssertFalse(verdict2.intact)
        XCTAssertEqual(verdict2.firstBrokenSequence, 30)
        XCTAssertTrue(verdict2.problem.contains("edited"), verdict2.problem)
        XCTAssertEqual(again.stop(), 0)
        try sqlite("UPDATE audit_log SET record_id = replace(record_id, '-edited', '') WHERE sequence = 30; DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence = 12;")
        let third = try ServerProcess(dataDirectory: server.dataDirectory)
        let verdict3 = try await session(third, "auditor").verifyAuditLog()
        XCTAssertFalse(verdict3.intact)
        XCTAssertEqual(verdict3.firstBrokenSequence, 12)
    }

    func testInvalidInputAndConflictsOfTheRemainingMethods() async throws {
        let server = try demo()
        let admin = try await session(server, "admin")
        let bad = await assertRPCError(.invalidArgument) { try await admin.createCategory(CreateCategoryRequest(code: "hv expansion", name: "")) }
        XCTAssertEqual(bad?.violations.map(\.field), ["code", "name"])
        await assertRPCError(.alreadyExists) { try await admin.createCategory(CreateCategoryRequest(code: "HV_EXPANSION", name: "again")) }
        let category = try await admin.listCategories().categories[0]
        let coefficient = await assertRPCError(.invalidArgument) {
            try await admin.createPost(CreatePostRequest(code: "P1", name: "p", categoryId: category.id, riskCoefficient: "3.5"))
        }
        XCTAssertEqual(coefficient?.violations.map(\.field), ["risk_coefficient"])
        await assertRPCError(.notFound) { try await admin.createPost(CreatePostRequest(code: "P1", name: "p", categoryId: "cat_none", riskCoefficient: "1.2")) }
        let post = try await admin.createPost(CreatePostRequest(code: "P1", name: "p", categoryId: category.id, riskCoefficient: "1.5"))
        XCTAssertEqual(post.riskCoefficient, "1.50", "coefficients are kept as exact decimals")
        await assertRPCError(.alreadyExists) { try await admin.createPost(CreatePostRequest(code: "P1", name: "p", categoryId: category.id, riskCoefficient: "1.2")) }

        let service = try await admin.createAccount(CreateAccountRequest(username: "svc", grants: [RoleGrant(role: .service)], kind: .service))
        let days = await assertRPCError(.invalidArgument) {
            try await admin.issueApiToken(IssueApiTokenRequest(accountId: service.id, description: "x", validDays: 1000))
        }
        XCTAssertEqual(days?.violations.map(\.field), ["valid_days"])
        await assertRPCError(.invalidArgument) { try await admin.createAccount(CreateAccountRequest(username: "svc2", password: "Some-Pass-2026",
                                                                                                   grants: [RoleGrant(role: .service)], kind: .service)) }
        await assertRPCError(.invalidArgument) {
            try await admin.updateAccount(UpdateAccountRequest(account: Account(id: service.id, username: "renamed"), updateMask: ["username"]))
        }
        await assertRPCError(.aborted) { try await admin.enableAccount(EnableAccountRequest(id: service.id, etag: "99")) }
        await assertRPCError(.invalidArgument) { try await admin.getOrganization(GetOrganizationRequest()) }
        await assertRPCError(.invalidArgument) { try await admin.listAuditEntries(ListAuditEntriesRequest(pageToken: "nope")) }
        await assertRPCError(.invalidArgument) { try await admin.importSubjects(ImportSubjectsRequest()) }
        await assertRPCError(.notFound) { try await admin.revokeSession(RevokeSessionRequest(id: "ffffffffffffffff")) }
        let subject = try await admin.listSubjects(ListSubjectsRequest(pageSize: 1)).subjects[0]
        await assertRPCError(.failedPrecondition) {
            try await admin.transferSubject(TransferSubjectRequest(id: subject.id, toOrganizationId: subject.organizationId,
                                                                   effectiveDate: CalendarDate(year: 2030, month: 1, day: 1), reason: "same"))
        }
        // An account links to one subject at most.
        let employee = try await session(server, "employee").whoAmI()
        let other = try await admin.listSubjects(ListSubjectsRequest(pageSize: 2)).subjects.first { $0.id != employee.subjectId }!
        await assertRPCError(.alreadyExists) {
            try await admin.updateSubject(UpdateSubjectRequest(subject: Subject(id: other.id, accountId: employee.account!.id),
                                                               updateMask: ["account_id"]))
        }
    }
}
