import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieStore
import LianjieServiceKit
import LianjieXCTestSupport
import XCTest

/// Entries over the real server: recording, four-eyes review, the employee's view and
/// appeal, listing, and the audit trail of every read and change.
final class EntryServiceTests: XCTestCase {
    func testAManagerRecordsForTheTeamAndAnInspectorConfirms() async throws {
        let f = try await EntryFixture()
        let submitted = try await f.manager.submitEntry(f.submission("HV0002"))
        XCTAssertEqual(submitted.status, .submitted)
        XCTAssertEqual(submitted.tag, "COMMON@1/ON_TIME_HANDLING")
        XCTAssertEqual(submitted.dimension, .behaviour)
        XCTAssertEqual(submitted.polarity, .credit)
        XCTAssertEqual(submitted.subjectEmployeeNumber, "HV0002")
        XCTAssertEqual(submitted.recordedBy, try f.accountID("manager"))
        XCTAssertEqual(submitted.source, .pc)
        let confirmed = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c1", id: submitted.id, etag: submitted.etag))
        XCTAssertEqual(confirmed.status, .confirmed)
        XCTAssertEqual(confirmed.reviewedBy, try f.accountID("inspector"))
        XCTAssertEqual(confirmed.history.map(\.action), ["submitted", "confirmed"])
        let got = try await f.manager.getEntry(GetEntryRequest(id: submitted.id))
        XCTAssertEqual(got.history.map(\.accountId), [try f.accountID("manager"), try f.accountID("inspector")])
        // A subject can be named by its employee number or its id.
        let byID = try await f.manager.submitEntry(f.submission(try f.subject("HV0003").id))
        XCTAssertEqual(byID.subjectEmployeeNumber, "HV0003")
    }

    func testFourEyesNobodyReviewsWhatTheyRecorded() async throws {
        let f = try await EntryFixture()
        let mine = try await f.inspector.submitEntry(f.submission("HV0004"))
        let e = await assertRPCError(.failedPrecondition) { try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: mine.id)) }
        XCTAssertTrue(e?.message.contains("four eyes") == true, e?.message ?? "")
        await assertRPCError(.failedPrecondition) { try await f.inspector.rejectEntry(RejectEntryRequest(requestId: "r", id: mine.id, reason: "重复")) }
        // A second inspector confirms it.
        let confirmed = try await f.inspector3.confirmEntry(ConfirmEntryRequest(requestId: "c2", id: mine.id))
        XCTAssertEqual(confirmed.status, .confirmed)
        // A manager records but never reviews.
        await assertRPCError(.permissionDenied) { try await f.manager.confirmEntry(ConfirmEntryRequest(requestId: "c3", id: mine.id)) }
    }

    func testWrongStatesAreRefusedNamingTheCurrentState() async throws {
        let f = try await EntryFixture()
        let entry = try await f.manager.submitEntry(f.submission("HV0005"))
        let r = await assertRPCError(.invalidArgument) { try await f.inspector.rejectEntry(RejectEntryRequest(requestId: "r0", id: entry.id, reason: "")) }
        XCTAssertEqual(r?.violations.map(\.field), ["reason"])
        let v = await assertRPCError(.failedPrecondition) {
            try await f.inspector.revokeEntry(RevokeEntryRequest(requestId: "v0", id: entry.id, reason: "误录"))
        }
        XCTAssertTrue(v?.message.contains("submitted") == true, v?.message ?? "")
        let rejected = try await f.inspector.rejectEntry(RejectEntryRequest(requestId: "r1", id: entry.id, reason: "证据不足"))
        XCTAssertEqual(rejected.status, .rejected)
        XCTAssertEqual(rejected.statusReason, "证据不足")
        let c = await assertRPCError(.failedPrecondition) { try await f.inspector3.confirmEntry(ConfirmEntryRequest(requestId: "c1", id: entry.id)) }
        XCTAssertTrue(c?.message.contains("rejected") == true, c?.message ?? "")
        // A stale etag is ABORTED, and changes nothing.
        let other = try await f.manager.submitEntry(f.submission("HV0005"))
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c2", id: other.id))
        await assertRPCError(.aborted) {
            try await f.inspector.revokeEntry(RevokeEntryRequest(requestId: "v1", id: other.id, reason: "误录", etag: other.etag))
        }
        let revoked = try await f.inspector.revokeEntry(RevokeEntryRequest(requestId: "v2", id: other.id, reason: "误录"))
        XCTAssertEqual(revoked.status, .revoked)
        XCTAssertEqual(revoked.history.map(\.action), ["submitted", "confirmed", "revoked"])
    }

    func testScopeIsEnforcedAndOutOfScopeLooksLikeNothing() async throws {
        let f = try await EntryFixture()
        // The other district's inspector and a manager of another team see no such subject.
        await assertRPCError(.notFound) { try await f.inspector2.submitEntry(f.submission("HV0002")) }
        await assertRPCError(.notFound) { try await f.manager.submitEntry(f.submission("HV0018")) }
        await assertRPCError(.notFound) { try await f.manager.submitEntry(f.submission("NOBODY")) }
        await assertRPCError(.permissionDenied) { try await f.employee.submitEntry(f.submission("HV0002")) }
        await assertRPCError(.permissionDenied) { try await f.hr.submitEntry(f.submission("HV0002")) }
        let entry = try await f.manager.submitEntry(f.submission("HV0002"))
        await assertRPCError(.notFound) { try await f.inspector2.getEntry(GetEntryRequest(id: entry.id)) }
        await assertRPCError(.notFound) { try await f.inspector2.confirmEntry(ConfirmEntryRequest(requestId: "c", id: entry.id)) }
        let listed = try await f.inspector2.listEntries(ListEntriesRequest())
        XCTAssertEqual(listed.totalSize, 0)
        await assertRPCError(.unauthenticated) { try await f.d.anonymous().entryService.listEntries(ListEntriesRequest()) }
    }

    func testBadInputIsRefusedFieldByFieldAndNothingIsRecorded() async throws {
        let f = try await EntryFixture()
        var bad = f.submission("HV0002")
        bad.occurredOn = CalendarDate(year: 2026, month: 12, day: 25)
        bad.quantity = "0"
        bad.description = " "
        bad.source = .rule
        bad.workOrderNumbers = ["ok-1", "bad number"]
        let e = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(bad) }
        XCTAssertEqual(Set(e?.violations.map(\.field) ?? []), ["occurred_on", "quantity", "description", "source", "work_order_numbers[1]"])
        // A tag of another category's library, and a tag that needs evidence.
        let lv = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(f.submission(tag: "LV_ON_TIME_CONNECTION")) }
        XCTAssertEqual(lv?.violations.map(\.field), ["tag"])
        XCTAssertTrue(lv?.violations.first?.description.contains("LV_EXPANSION") == true)
        let gift = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(f.submission(tag: "GIFT_ACCEPTED")) }
        XCTAssertEqual(gift?.violations.map(\.field), ["evidence_ids"])
        let unknown = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(f.submission(tag: "NO_SUCH_TAG")) }
        XCTAssertEqual(unknown?.violations.map(\.field), ["tag"])
        await assertRPCError(.notFound) {
            var withEvidence = f.submission(tag: "GIFT_ACCEPTED")
            withEvidence.evidenceIds = ["evi_nosuch"]
            return try await f.manager.submitEntry(withEvidence)
        }
        // The category's own library and the common one both apply.
        let hv = try await f.manager.submitEntry(f.submission(tag: "HV_STAGE_OVERDUE"))
        XCTAssertEqual(hv.tag, "HV_EXPANSION@1/HV_STAGE_OVERDUE")
        let all = try await f.inspector.listEntries(ListEntriesRequest())
        XCTAssertEqual(all.totalSize, 1, "only the good submission was recorded")
    }

    func testTheSameRequestIDReturnsTheFirstEntryAndRecordsNothingTwice() async throws {
        let f = try await EntryFixture()
        let request = f.submission("HV0006", requestID: "submit-1")
        let first = try await f.manager.submitEntry(request)
        let again = try await f.manager.submitEntry(request)
        XCTAssertEqual(again, first)
        var changed = request
        changed.description = "另一件事"
        let e = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(changed) }
        XCTAssertEqual(e?.violations.map(\.field), ["request_id"])
        let confirm = ConfirmEntryRequest(requestId: "confirm-1", id: first.id)
        let confirmed = try await f.inspector.confirmEntry(confirm)
        let confirmedAgain = try await f.inspector.confirmEntry(confirm)
        XCTAssertEqual(confirmedAgain, confirmed)
        let got = try await f.inspector.getEntry(GetEntryRequest(id: first.id))
        XCTAssertEqual(got.history.map(\.action), ["submitted", "confirmed"], "the retry recorded nothing")
        let listed = try await f.inspector.listEntries(ListEntriesRequest(subjectId: "HV0006"))
        XCTAssertEqual(listed.totalSize, 1)
    }

    func testTheEmployeeSeesConfirmedEntriesAboutThemselvesAndAppealsOnce() async throws {
        let f = try await EntryFixture()
        let pending = try await f.manager.submitEntry(f.submission("HV0001", description: "待审核"))
        let rejected = try await f.manager.submitEntry(f.submission("HV0001", description: "将被驳回"))
        _ = try await f.inspector.rejectEntry(RejectEntryRequest(requestId: "r", id: rejected.id, reason: "不实"))
        let debit = try await f.manager.submitEntry(f.submission("HV0001", tag: "WORK_DISCIPLINE", description: "上班时间离岗"))
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: debit.id))
        _ = try await f.manager.submitEntry(f.submission("HV0002", description: "别人的"))

        let mine = try await f.employee.listEntries(ListEntriesRequest())
        XCTAssertEqual(mine.entries.map(\.id), [debit.id], "only confirmed entries about the employee")
        XCTAssertEqual(mine.totalSize, 1)
        XCTAssertEqual(mine.entries[0].recordedBy, "", "who recorded it stays hidden")
        XCTAssertEqual(mine.entries[0].reviewedBy, "")
        await assertRPCError(.notFound) { try await f.employee.getEntry(GetEntryRequest(id: pending.id)) }
        await assertRPCError(.notFound) { try await f.employee.getEntry(GetEntryRequest(id: rejected.id)) }
        await assertRPCError(.notFound) { try await f.employee.listEntries(ListEntriesRequest(subjectId: "HV0002")) }
        let shown = try await f.employee.getEntry(GetEntryRequest(id: debit.id))
        XCTAssertTrue(shown.history.allSatisfy { $0.accountId.isEmpty }, "nor who acted on it")

        let appealed = try await f.employee.appealEntry(AppealEntryRequest(requestId: "a1", id: debit.id, statement: "当日经批准外出办理业务"))
        XCTAssertEqual(appealed.appeal?.state, .pending)
        let twice = await assertRPCError(.failedPrecondition) {
            try await f.employee.appealEntry(AppealEntryRequest(requestId: "a2", id: debit.id, statement: "再次申辩"))
        }
        XCTAssertTrue(twice?.message.contains("once") == true, twice?.message ?? "")
        // A pending appeal is decided, not bypassed by revoking.
        await assertRPCError(.failedPrecondition) { try await f.inspector3.revokeEntry(RevokeEntryRequest(requestId: "v", id: debit.id, reason: "x")) }
        // The inspector who confirmed it does not decide the appeal.
        let own = await assertRPCError(.failedPrecondition) {
            try await f.inspector.decideAppeal(DecideAppealRequest(requestId: "d1", id: debit.id, decision: .upheld, reason: "核实属实"))
        }
        XCTAssertTrue(own?.message.contains("confirmed") == true, own?.message ?? "")
        let decided = try await f.inspector3.decideAppeal(DecideAppealRequest(requestId: "d2", id: debit.id, decision: .upheld, reason: "核实有审批单"))
        XCTAssertEqual(decided.status, .revoked)
        XCTAssertEqual(decided.appeal?.state, .upheld)

        let outcome = try await f.employee.getEntry(GetEntryRequest(id: debit.id))
        XCTAssertEqual(outcome.status, .revoked, "the employee sees the outcome")
        XCTAssertEqual(outcome.appeal?.decisionReason, "核实有审批单")
        XCTAssertEqual(outcome.appeal?.decidedBy, "")
        XCTAssertEqual(outcome.history.map(\.action), ["submitted", "confirmed", "appealed", "appeal_upheld"])
        // Somebody else's entry cannot be appealed by the employee.
        let other = try await f.manager.submitEntry(f.submission("HV0002"))
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c9", id: other.id))
        await assertRPCError(.notFound) { try await f.employee.appealEntry(AppealEntryRequest(requestId: "a9", id: other.id, statement: "不是我")) }
    }

    func testTheDeploymentMayShowTheEmployeeWhoRecorded() async throws {
        var settings = ServiceSettings()
        settings.showRecorderToEmployee = true
        let f = try await EntryFixture(settings: settings)
        let entry = try await f.manager.submitEntry(f.submission("HV0001"))
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: entry.id))
        let shown = try await f.employee.getEntry(GetEntryRequest(id: entry.id))
        XCTAssertEqual(shown.recordedBy, try f.accountID("manager"))
    }

    func testListingFiltersAndPagesWithAnExactTotal() async throws {
        let f = try await EntryFixture()
        var ids: [String] = []
        for i in 0..<5 {
            var s = f.submission("HV000\(2 + i % 2)", tag: i < 3 ? "ON_TIME_HANDLING" : "INTEGRITY_TRAINING")
            s.occurredOn = CalendarDate(year: 2026, month: i < 2 ? 9 : 11, day: 10)
            s.source = i == 4 ? .api : .pc
            ids.append(try await f.manager.submitEntry(s).id)
        }
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: ids[0]))
        let first = try await f.inspector.listEntries(ListEntriesRequest(pageSize: 2))
        XCTAssertEqual(first.entries.map(\.id), [ids[4], ids[3]], "newest recorded first")
        XCTAssertEqual(first.totalSize, 5)
        var seen = first.entries.map(\.id), token = first.nextPageToken
        while !token.isEmpty {
            let page = try await f.inspector.listEntries(ListEntriesRequest(pageSize: 2, pageToken: token))
            XCTAssertEqual(page.totalSize, 5)
            seen += page.entries.map(\.id)
            token = page.nextPageToken
        }
        XCTAssertEqual(seen, ids.reversed())
        func count(_ r: ListEntriesRequest) async throws -> Int32 { try await f.inspector.listEntries(r).totalSize }
        let n1 = try await count(ListEntriesRequest(subjectId: "HV0002"))
        XCTAssertEqual(n1, 3)
        let n2 = try await count(ListEntriesRequest(tag: "INTEGRITY_TRAINING"))
        XCTAssertEqual(n2, 2)
        let n3 = try await count(ListEntriesRequest(tag: "COMMON/ON_TIME_HANDLING"))
        XCTAssertEqual(n3, 3)
        let n4 = try await count(ListEntriesRequest(dimension: .awareness))
        XCTAssertEqual(n4, 2)
        let n5 = try await count(ListEntriesRequest(status: .confirmed))
        XCTAssertEqual(n5, 1)
        let n6 = try await count(ListEntriesRequest(period: Period(kind: .quarter, year: 2026, index: 3)))
        XCTAssertEqual(n6, 2)
        let n7 = try await count(ListEntriesRequest(source: .api))
        XCTAssertEqual(n7, 1)
        let team = try f.d.organization("城东区供电局/营销部/高压业扩班")
        let n8 = try await count(ListEntriesRequest(organizationId: team.id))
        XCTAssertEqual(n8, 5)
        await assertRPCError(.notFound) { try await f.inspector2.listEntries(ListEntriesRequest(organizationId: team.id)) }
        let p = await assertRPCError(.invalidArgument) { try await f.inspector.listEntries(ListEntriesRequest(period: Period(kind: .month, year: 2026, index: 13))) }
        XCTAssertEqual(p?.violations.map(\.field), ["period"])
        await assertRPCError(.invalidArgument) { try await f.inspector.listEntries(ListEntriesRequest(pageToken: "garbage")) }
    }

    func testEveryChangeAndEveryReadOfAnEntryIsAudited() async throws {
        let f = try await EntryFixture()
        let entry = try await f.manager.submitEntry(f.submission("HV0002"))
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: entry.id))
        _ = try await f.inspector.getEntry(GetEntryRequest(id: entry.id))
        _ = try await f.inspector.listEntries(ListEntriesRequest())
        await assertRPCError(.notFound) { try await f.inspector2.getEntry(GetEntryRequest(id: entry.id)) }
        let trail = try f.d.auditEntries().filter { $0.recordID == entry.id }
        let team = try f.d.organization("城东区供电局/营销部/高压业扩班")
        XCTAssertEqual(trail.map(\.method), [EntryService.submitEntry.path, EntryService.confirmEntry.path, EntryService.getEntry.path,
                                             EntryService.listEntries.path, EntryService.getEntry.path])
        XCTAssertEqual(trail.map(\.outcome), ["OK", "OK", "OK", "OK", "NOT_FOUND"])
        XCTAssertTrue(trail.allSatisfy { $0.organizationPath == team.path })
    }
}

/// Regressions from the review of the data-entry module.
final class EntryReviewRegressionTests: XCTestCase {
    // A retried SubmitEntry from a service account answered NOT_FOUND: the replay check
    // knew only readers, reviewers and the subject.
    func testARetriedSubmitFromAServiceAccountReturnsItsEntry() async throws {
        let f = try await EntryFixture()
        let marketing = try await WorkOrderTests.marketing(f)
        var s = f.submission("HV0002", requestID: "svc-1")
        s.source = .api
        let first = try await marketing.submitEntry(s)
        let again = try await marketing.submitEntry(s)
        XCTAssertEqual(again.id, first.id)
    }

    // A staff member who is evaluated too saw the entries about themselves in full.
    func testStaffWhoAreSubjectsSeeTheirOwnEntriesOnlyAsAnEmployeeDoes() async throws {
        let f = try await EntryFixture()
        let users = try await f.d.users("admin")
        let me = try f.subject("HV0003")
        let inspector3 = try f.d.account("inspector3")
        _ = try await users.updateSubject(UpdateSubjectRequest(subject: Subject(id: me.id, accountId: inspector3.id), updateMask: ["account_id"]))
        let viewer = try await f.d.entries("inspector3", password: EntryFixture.inspector3Password)
        let pending = try await f.manager.submitEntry(f.submission("HV0003"))
        await assertRPCError(.notFound) { try await viewer.getEntry(GetEntryRequest(id: pending.id)) }
        let listed = try await viewer.listEntries(ListEntriesRequest())
        XCTAssertFalse(listed.entries.contains { $0.subjectId == me.id })
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: pending.id))
        let shown = try await viewer.getEntry(GetEntryRequest(id: pending.id))
        XCTAssertEqual(shown.recordedBy, "", "not who recorded it")
    }

    func testOneAccountHasABoundedNumberOfUnfinishedUploads() async throws {
        let f = try await EntryFixture()
        for i in 0..<20 {
            _ = try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "\(i).pdf", contentType: "application/pdf", size: 10,
                                                                                  sha256: String(repeating: "0", count: 64)))
        }
        await assertRPCError(.resourceExhausted) {
            try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "x.pdf", contentType: "application/pdf", size: 10,
                                                                              sha256: String(repeating: "0", count: 64)))
        }
        _ = try await f.inspector.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "y.pdf", contentType: "application/pdf", size: 10,
                                                                                sha256: String(repeating: "0", count: 64)))
    }
}
