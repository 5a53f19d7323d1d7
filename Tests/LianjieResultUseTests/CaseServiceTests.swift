import Foundation
import LianjieClient
import LianjieMessages
import LianjieReports
import LianjieResultUse
import LianjieRPC
import LianjieSecurity
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Cases through the real service: opened from an alert, the whole loop with its four-eyes
/// and form rules, talks the employee acknowledges, overdue escalation on a moved clock,
/// scope across the two districts, retries and stale etags.
final class CaseServiceTests: XCTestCase {
    /// The demo deployment (no history) and the service as its accounts see it.
    final class Fixture: @unchecked Sendable {
        // @unchecked: built once by the test's thread, then only read.
        let d: InProcessDeployment
        let inspector: ResultUseServiceClient
        let inspectorB: ResultUseServiceClient
        let inspector2: ResultUseServiceClient
        let head: ResultUseServiceClient
        let head2: ResultUseServiceClient
        let manager: ResultUseServiceClient
        let employee: ResultUseServiceClient

        init() async throws {
            // The tests move the clock by days: sessions must outlive that.
            var settings = ServiceSettings()
            settings.sessionSeconds = 365 * 86_400
            settings.sessionIdleSeconds = 0
            d = try InProcessDeployment(settings: settings)
            inspector = try await d.resultUse("inspector")
            inspectorB = try await d.resultUse("inspector-b")
            inspector2 = try await d.resultUse("inspector2")
            head = try await d.resultUse("head")
            head2 = try await d.resultUse("head2")
            manager = try await d.resultUse("manager")
            employee = try await d.resultUse("employee")
        }

        func id(_ username: String) throws -> String { try d.account(username).id }

        /// A case about `subject` opened by hand by the inspector, assigned to `handler`.
        func assignedCase(_ subject: String = "HV0001", handler: String = "inspector", due: CalendarDate = CalendarDate(year: 2026, month: 12, day: 15))
            async throws -> Case {
            let c = try await inspector.createCase(CreateCaseRequest(requestId: UUID().uuidString, subject: subject, source: .report,
                                                                     summary: "群众来信反映其在业扩报装中收受客户礼品"))
            return try await inspector.assignCase(AssignCaseRequest(requestId: UUID().uuidString, id: c.id, handlerId: try id(handler), dueDate: due))
        }

        /// Confirms an entry of an immediate-alert tag about `subject` and returns the alert it raised.
        func immediateAlert(_ subject: String) async throws -> Alert {
            let recorder = try await d.entries("inspector"), reviewer = try await d.entries("inspector-b")
            let e = try await recorder.submitEntry(SubmitEntryRequest(requestId: UUID().uuidString, subjectId: subject, tag: "CONFLICT_UNDECLARED",
                                                                      occurredOn: CalendarDate(year: 2026, month: 11, day: 20),
                                                                      description: "未申报其配偶在客户单位任职", source: .pc))
            _ = try await reviewer.confirmEntry(ConfirmEntryRequest(requestId: UUID().uuidString, id: e.id))
            let alerts = try await d.evaluations("inspector").listAlerts(ListAlertsRequest(subject: subject)).alerts
            return try XCTUnwrap(alerts.first { $0.entryIds.contains(e.id) })
        }

        func upload(as username: String) async throws -> EvidenceRef {
            let pdf = Array("%PDF-1.4\ncase evidence\n".utf8)
            let c = try await d.entries(username)
            let u = try await c.startEvidenceUpload(StartEvidenceUploadRequest(requestId: UUID().uuidString, fileName: "结论.pdf",
                                                                              contentType: "application/pdf", size: Int64(pdf.count),
                                                                              sha256: Digest.hex(Digest.sha256(pdf))))
            _ = try await c.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 0, data: pdf))
            return try await c.finishEvidenceUpload(FinishEvidenceUploadRequest(requestId: UUID().uuidString, uploadId: u.id))
        }
    }

    func testACaseFromAnAlertGoesRoundTheWholeLoop() async throws {
        let f = try await Fixture()
        let alert = try await f.immediateAlert("HV0001")
        // The source must fit the alert.
        await assertRPCError(.invalidArgument) {
            try await f.inspector.createCase(CreateCaseRequest(source: .report, summary: "x", alertId: alert.id))
        }
        var c = try await f.inspector.createCase(CreateCaseRequest(requestId: "open-1", source: .alert, summary: "利益冲突未申报，需核实",
                                                                   alertId: alert.id))
        XCTAssertEqual(c.state, .open)
        XCTAssertEqual(c.number, "C-2026-0001")
        XCTAssertEqual(c.subjectId, alert.subjectId)
        XCTAssertEqual(c.entryIds, alert.entryIds)
        let linked = try await f.d.evaluations("inspector").getAlert(GetAlertRequest(id: alert.id))
        XCTAssertEqual(linked.state, .markedForCase)
        XCTAssertEqual(linked.caseId, c.id)
        // A retry answers the same case; a second case from the same alert is refused.
        let retried = try await f.inspector.createCase(CreateCaseRequest(requestId: "open-1", source: .alert, summary: "利益冲突未申报，需核实",
                                                                         alertId: alert.id))
        XCTAssertEqual(retried.id, c.id)
        await assertRPCError(.failedPrecondition) {
            try await f.inspector.createCase(CreateCaseRequest(source: .alert, summary: "again", alertId: alert.id))
        }
        // A step its state does not allow names the state.
        let early = await assertRPCError(.failedPrecondition) {
            try await f.inspector.verifyCase(VerifyCaseRequest(id: c.id, note: "x"))
        }
        XCTAssertTrue(early?.message.contains("the case is open") == true, early?.message ?? "")

        let inspectorID = try f.id("inspector")
        c = try await f.inspector.assignCase(AssignCaseRequest(id: c.id, handlerId: inspectorID, dueDate: CalendarDate(year: 2026, month: 12, day: 31)))
        XCTAssertEqual(c.state, .assigned)
        // Due dates are not in the past; a stale etag is refused.
        await assertRPCError(.invalidArgument) {
            try await f.inspector.assignCase(AssignCaseRequest(id: c.id, handlerId: inspectorID, dueDate: CalendarDate(year: 2026, month: 11, day: 1),
                                                               note: "x"))
        }
        await assertRPCError(.aborted) {
            try await f.inspector.disposeCase(DisposeCaseRequest(id: c.id, disposition: Disposition(form: .second, date: CalendarDate(year: 2026, month: 12, day: 1),
                                                                                                 documentNumber: "纪发〔2026〕3号"),
                                                                 etag: "1"))
        }
        // Each form has its record: a first-form disposition needs its measure, who talked and notes.
        let bad = await assertRPCError(.invalidArgument) {
            try await f.inspector.disposeCase(DisposeCaseRequest(id: c.id, disposition: Disposition(form: .first, date: CalendarDate(year: 2026, month: 12, day: 1))))
        }
        XCTAssertEqual(Set(bad?.violations.map(\.field) ?? []), ["disposition.measure", "disposition.talked_by", "disposition.notes"])
        c = try await f.inspector.disposeCase(DisposeCaseRequest(id: c.id, disposition: Disposition(
            form: .first, measure: .talkReminder, date: CalendarDate(year: 2026, month: 12, day: 1), talkedBy: "王纪检、钱书记",
            notes: "本人承认未及时申报，已作说明"), etag: c.etag))
        XCTAssertEqual(c.disposition?.disposedBy, inspectorID)
        XCTAssertEqual(c.state, .disposed)

        // The talk is recorded with the case; the employee sees exactly its text and acknowledges it.
        let talk = try await f.inspector.recordTalk(RecordTalkRequest(caseId: c.id, kind: .talk, heldOn: CalendarDate(year: 2026, month: 12, day: 1),
                                                                      heldBy: "王纪检", content: "就未申报利益冲突问题进行谈话提醒，请于一周内补报。"))
        var mine = try await f.employee.listTalks(ListTalksRequest(unacknowledgedOnly: true))
        XCTAssertEqual(mine.talks.map(\.id), [talk.id])
        XCTAssertEqual(mine.talks.first?.content, "就未申报利益冲突问题进行谈话提醒，请于一周内补报。")
        XCTAssertEqual(mine.talks.first?.caseNumber, "C-2026-0001")
        let acknowledged = try await f.employee.acknowledgeTalk(AcknowledgeTalkRequest(id: talk.id))
        XCTAssertEqual(acknowledged.acknowledgeTime?.seconds, f.d.clock.now())
        f.d.clock.advance(seconds: 3600)
        let again = try await f.employee.acknowledgeTalk(AcknowledgeTalkRequest(id: talk.id))
        XCTAssertEqual(again.acknowledgeTime, acknowledged.acknowledgeTime, "the first read receipt stays")
        mine = try await f.employee.listTalks(ListTalksRequest(unacknowledgedOnly: true))
        XCTAssertTrue(mine.talks.isEmpty)
        // Nobody else acknowledges for the employee.
        await assertRPCError(.permissionDenied) { try await f.inspector.acknowledgeTalk(AcknowledgeTalkRequest(id: talk.id)) }

        c = try await f.inspector.startRectification(StartRectificationRequest(id: c.id, deadline: CalendarDate(year: 2026, month: 12, day: 10),
                                                                               requirements: "补报利益冲突事项，退出相关业扩工单的办理"))
        XCTAssertEqual(c.state, .rectifying)
        let unreported = await assertRPCError(.failedPrecondition) {
            try await f.inspectorB.verifyCase(VerifyCaseRequest(id: c.id, note: "x"))
        }
        XCTAssertTrue(unreported?.message.contains("without a report") == true)
        // The report is the subject's manager's.
        await assertRPCError(.permissionDenied) {
            try await f.inspector.reportRectification(ReportRectificationRequest(id: c.id, report: "x"))
        }
        c = try await f.manager.reportRectification(ReportRectificationRequest(id: c.id, report: "已补报，并已调整其负责的工单"))
        XCTAssertEqual(c.rectification?.reportedBy, try f.id("manager"))
        // Four eyes: the handler does not verify their own case.
        let own = await assertRPCError(.failedPrecondition) {
            try await f.inspector.verifyCase(VerifyCaseRequest(id: c.id, note: "x"))
        }
        XCTAssertTrue(own?.message.contains("four eyes") == true)
        c = try await f.inspectorB.verifyCase(VerifyCaseRequest(id: c.id, note: "经核实整改到位"))
        XCTAssertEqual(c.verifiedBy, try f.id("inspector-b"))

        // Closing needs a conclusion and evidence the caller uploaded.
        await assertRPCError(.invalidArgument) { try await f.inspector.closeCase(CloseCaseRequest(id: c.id, conclusion: "办结")) }
        let theirs = try await f.upload(as: "inspector-b")
        await assertRPCError(.invalidArgument) {
            try await f.inspector.closeCase(CloseCaseRequest(id: c.id, conclusion: "办结", evidenceIds: [theirs.id]))
        }
        let evidence = try await f.upload(as: "inspector")
        c = try await f.inspector.closeCase(CloseCaseRequest(id: c.id, conclusion: "问题属实，已谈话提醒并整改到位，予以办结", evidenceIds: [evidence.id]))
        XCTAssertEqual(c.state, .closed)
        // Whoever reads the case reads its evidence (the manager did not upload it).
        let chunk = try await f.d.entries("manager").getEvidence(GetEvidenceRequest(id: evidence.id))
        XCTAssertEqual(chunk.evidence?.sha256, evidence.sha256)

        c = try await f.head.reopenCase(ReopenCaseRequest(id: c.id, reason: "收到新的举报材料"))
        XCTAssertEqual(c.state, .open)
        XCTAssertEqual(c.handlerId, "")
        c = try await f.head.dismissCase(DismissCaseRequest(id: c.number, reason: "新材料经核查不属实"))
        XCTAssertEqual(c.state, .dismissed)

        // Every step with who and when, oldest first.
        let full = try await f.inspector.getCase(GetCaseRequest(id: c.id))
        XCTAssertEqual(full.events.map(\.action), ["opened", "assigned", "disposed", "talk_recorded", "rectification_started",
                                                   "rectification_reported", "verified", "closed", "reopened", "dismissed"])
        XCTAssertEqual(full.events.last?.accountId, try f.id("head"))
        XCTAssertEqual(full.events.last?.fromState, .open)
        XCTAssertEqual(full.talks.map(\.id), [talk.id])
        XCTAssertEqual(full.closingEvidenceIds, [evidence.id])
        // Reading a case is audited.
        XCTAssertTrue(try f.d.auditEntries(method: ResultUseService.getCase.path).contains { $0.recordID == c.id && $0.outcome == "OK" })
    }

    func testAHeadDisposesInTheHandlersSteadButNobodyElseDoes() async throws {
        let f = try await Fixture()
        let c = try await f.assignedCase()
        let d = Disposition(form: .second, date: CalendarDate(year: 2026, month: 11, day: 30), documentNumber: "东纪发〔2026〕7号")
        let refused = await assertRPCError(.failedPrecondition) {
            try await f.inspectorB.disposeCase(DisposeCaseRequest(id: c.id, disposition: d))
        }
        XCTAssertTrue(refused?.message.contains("handler") == true)
        let disposed = try await f.head.disposeCase(DisposeCaseRequest(id: c.id, disposition: d))
        XCTAssertEqual(disposed.disposition?.form, .second)
        XCTAssertEqual(disposed.disposition?.documentNumber, "东纪发〔2026〕7号")
        // The scheme's rule for the second form derives a confirmed entry citing the case.
        let entries = try await f.d.entries("inspector")
        let derived = try await entries.getEntry(GetEntryRequest(id: disposed.derivedEntryId))
        XCTAssertEqual(derived.status, .confirmed)
        XCTAssertEqual(derived.source, .case)
        XCTAssertTrue(derived.tag.hasSuffix("/DISCIPLINE_FORM_2"), derived.tag)
        XCTAssertEqual(derived.occurredOn, CalendarDate(year: 2026, month: 11, day: 30))
        XCTAssertTrue(derived.description.contains(c.number), derived.description)
        // A handler must be able to handle it: not the manager, not someone of the other district.
        for other in ["manager", "inspector2"] {
            await assertRPCError(.invalidArgument) {
                try await f.inspector.assignCase(AssignCaseRequest(id: c.id, handlerId: try f.id(other), dueDate: CalendarDate(year: 2026, month: 12, day: 20),
                                                                   note: "交接"))
            }
        }
    }

    func testAnOverdueCaseRaisesItsAlertAndEscalatesToTheHeadOfItsDistrict() async throws {
        let f = try await Fixture()
        let c = try await f.assignedCase(due: CalendarDate(year: 2026, month: 12, day: 3))
        XCTAssertEqual(try ResultUseModule.checkOverdueCases(f.d.kit), 0, "not overdue on its due date's eve")
        f.d.clock.advance(seconds: 3 * 86_400)  // 2026-12-04
        XCTAssertEqual(try ResultUseModule.checkOverdueCases(f.d.kit), 1)
        XCTAssertEqual(try ResultUseModule.checkOverdueCases(f.d.kit), 0, "a second check the same day (another server's) changes nothing")

        let read = try await f.inspector.getCase(GetCaseRequest(id: c.id))
        XCTAssertTrue(read.overdue)
        XCTAssertEqual(read.escalations, 1)
        XCTAssertEqual(read.events.suffix(2).map(\.action), ["overdue", "escalated"])
        let overdue = try await f.inspector.listCases(ListCasesRequest(overdueOnly: true))
        XCTAssertEqual(overdue.cases.map(\.id), [c.id])
        let alerts = try await f.d.evaluations("inspector").listAlerts(ListAlertsRequest(subject: "HV0001")).alerts.filter { $0.rule == "CASE_OVERDUE" }
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(alerts.first?.caseId, c.id)
        XCTAssertTrue(alerts.first?.summary.hasPrefix("案件 \(c.number) 已超过办结期限（") == true, alerts.first?.summary ?? "")

        func escalations(to username: String) throws -> Int {
            let account = try f.id(username)
            return try f.d.store.read { try $0.pendingNotifications(limit: 10_000) }
                .filter { $0.recipient == account && $0.dedupeKey.contains(":escalation:") }.count
        }
        XCTAssertEqual(try escalations(to: "head"), 1)
        // What the messaging app shows the head, in Chinese.
        let told = try f.d.store.read { try $0.pendingNotifications(limit: 10_000) }.first { $0.dedupeKey.contains(":escalation:") }
        XCTAssertTrue(told?.payload.contains("案件 \(c.number) 已超过办结期限") == true && told?.payload.contains("第 1 次上报") == true,
                      told?.payload ?? "")
        XCTAssertEqual(try escalations(to: "head2"), 0, "the other district's head is not told")
        // The portrait shows the overdue case to staff, not to the employee it is about.
        let portrait = try await f.d.evaluations("manager").getPortrait(GetPortraitRequest(subject: "HV0001"))
        XCTAssertEqual(portrait.openCases.map(\.number), [c.number])
        XCTAssertEqual(portrait.openCases.first?.overdue, true)
        let page = PortraitPage(MessageReports.portrait(portrait, generatedAt: "2026-12-04 09:00 (UTC+8)")).html()
        XCTAssertTrue(page.contains(c.number) && page.contains("超期 Overdue"), "the portrait page shows the overdue case")
        let own = try await f.d.evaluations("employee").getPortrait(GetPortraitRequest(subject: "HV0001"))
        XCTAssertTrue(own.openCases.isEmpty)

        f.d.clock.advance(seconds: 6 * 86_400)
        XCTAssertEqual(try ResultUseModule.checkOverdueCases(f.d.kit), 0, "not again within the interval")
        f.d.clock.advance(seconds: 86_400)
        XCTAssertEqual(try ResultUseModule.checkOverdueCases(f.d.kit), 1)
        XCTAssertEqual(try escalations(to: "head"), 2)
        let escalated = try await f.inspector.getCase(GetCaseRequest(id: c.id))
        XCTAssertEqual(escalated.escalations, 2)
        // Still one alert for the one deadline.
        let after = try await f.d.evaluations("inspector").listAlerts(ListAlertsRequest(subject: "HV0001")).alerts.filter { $0.rule == "CASE_OVERDUE" }
        XCTAssertEqual(after.count, 1)
    }

    func testScopesKeepTheDistrictsApart() async throws {
        let f = try await Fixture()
        let east = try await f.assignedCase()
        let westSubject = try XCTUnwrap(try f.d.store.read { try $0.subject(employeeNumber: "HV0018") })
        XCTAssertEqual(westSubject.name, "林峰")
        let west = try await f.inspector2.createCase(CreateCaseRequest(subject: "HV0018", source: .inspection, summary: "监督检查发现问题"))

        for outsider in [f.inspector2, f.head2] {
            await assertRPCError(.notFound) { try await outsider.getCase(GetCaseRequest(id: east.id)) }
            await assertRPCError(.notFound) { try await outsider.dismissCase(DismissCaseRequest(id: east.id, reason: "x")) }
        }
        await assertRPCError(.notFound) {
            try await f.inspector.createCase(CreateCaseRequest(subject: "HV0018", source: .report, summary: "x"))
        }
        let eastList = try await f.inspector.listCases(ListCasesRequest()).cases.map(\.id)
        XCTAssertEqual(eastList, [east.id])
        let westList = try await f.inspector2.listCases(ListCasesRequest()).cases.map(\.id)
        XCTAssertEqual(westList, [west.id])
        let byNumber = try await f.head.getCase(GetCaseRequest(id: east.number))
        XCTAssertEqual(byNumber.id, east.id)
        // The manager reads the team's cases but does not handle them; the employee reads none.
        let managers = try await f.manager.getCase(GetCaseRequest(id: east.id))
        XCTAssertEqual(managers.id, east.id)
        await assertRPCError(.permissionDenied) { try await f.manager.dismissCase(DismissCaseRequest(id: east.id, reason: "x")) }
        await assertRPCError(.permissionDenied) { try await f.employee.getCase(GetCaseRequest(id: east.id)) }
        await assertRPCError(.notFound) { try await f.employee.listTalks(ListTalksRequest(subject: "HV0002")) }
        await assertRPCError(.notFound) { try await f.manager.listCases(ListCasesRequest(subject: "HV0018")) }
    }

    /// Regression: case numbers were compared as text, so C-2026-10000 never followed C-2026-9999.
    func testCaseNumbersGoPastNineThousandNineHundredNinetyNine() async throws {
        let f = try await Fixture()
        let subject = try XCTUnwrap(try f.d.store.read { try $0.subject(employeeNumber: "HV0001") })
        try f.d.store.write { tx in
            var c = CaseRecord()
            c.id = "case_9999"
            c.number = "C-2026-9999"
            c.subjectID = subject.id
            c.organizationID = subject.organizationID
            c.state = 1
            try tx.createCase(c, event: CaseEventRecord(caseID: c.id, time: 0, accountID: "", action: "opened", fromState: 0, toState: 1, note: ""))
        }
        let next = try await f.inspector.createCase(CreateCaseRequest(subject: "HV0002", source: .report, summary: "第一万件"))
        XCTAssertEqual(next.number, "C-2026-10000")
        let after = try await f.inspector.createCase(CreateCaseRequest(subject: "HV0002", source: .report, summary: "第一万零一件"))
        XCTAssertEqual(after.number, "C-2026-10001")
    }

    /// Regression: a dismissal after a reopening left the derived entry counting.
    func testDismissingAReopenedCaseRevokesItsDerivedEntry() async throws {
        let f = try await Fixture()
        var c = try await f.assignedCase()
        c = try await f.head.disposeCase(DisposeCaseRequest(id: c.id, disposition: Disposition(
            form: .second, date: CalendarDate(year: 2026, month: 11, day: 30), documentNumber: "东纪发〔2026〕8号")))
        let derived = c.derivedEntryId
        XCTAssertFalse(derived.isEmpty)
        c = try await f.inspector.startRectification(StartRectificationRequest(id: c.id, deadline: CalendarDate(year: 2026, month: 12, day: 20),
                                                                               requirements: "整改"))
        c = try await f.manager.reportRectification(ReportRectificationRequest(id: c.id, report: "已整改"))
        c = try await f.inspectorB.verifyCase(VerifyCaseRequest(id: c.id, note: "核实"))
        let evidence = try await f.upload(as: "inspector")
        c = try await f.inspector.closeCase(CloseCaseRequest(id: c.id, conclusion: "办结", evidenceIds: [evidence.id]))
        c = try await f.inspector.reopenCase(ReopenCaseRequest(id: c.id, reason: "出现新证据"))
        c = try await f.inspector.dismissCase(DismissCaseRequest(id: c.id, reason: "新证据表明反映不实"))
        XCTAssertNil(c.disposition)
        XCTAssertEqual(c.derivedEntryId, "")
        let entry = try await f.d.entries("inspector").getEntry(GetEntryRequest(id: derived))
        XCTAssertEqual(entry.status, .revoked)
        XCTAssertTrue(entry.statusReason.contains("dismissed"), entry.statusReason)
    }
}
