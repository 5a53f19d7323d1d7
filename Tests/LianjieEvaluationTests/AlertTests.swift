import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Alerts: raised once per rule, subject and period (re-runs and later matches add nothing
/// new), sent to the right people through the outbox, and taken through their life cycle.
final class AlertTests: XCTestCase {
    /// Records and confirms (four eyes) an entry of an immediate-alert tag about `subject`.
    private func confirmImmediate(_ f: EvaluationFixture, subject: String, day: Int32) async throws -> Entry {
        let submitted = try await f.entries.submitEntry(SubmitEntryRequest(
            requestId: UUID().uuidString, subjectId: subject, tag: "CONFLICT_UNDECLARED",
            occurredOn: CalendarDate(year: 2026, month: 11, day: day), quantity: "1", description: "未申报亲属经营的施工企业", source: .pc))
        return try await f.entriesB.confirmEntry(ConfirmEntryRequest(requestId: UUID().uuidString, id: submitted.id, etag: submitted.etag))
    }

    func testAnImmediateTagRaisesOneAlertPerMonthAndTellsTheRightPeople() async throws {
        let f = try await EvaluationFixture()
        let first = try await confirmImmediate(f, subject: "HV0005", day: 10)
        var alerts = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0005", state: .open)).alerts
        let alert = try XCTUnwrap(alerts.first { $0.kind == "immediateTag" })
        XCTAssertEqual(alert.entryIds, [first.id])
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(alert.period, Period(kind: .month, year: 2026, index: 11))
        XCTAssertFalse(alert.summary.contains("未申报亲属"), "no entry content in an alert")
        // Said in Chinese, as the pages and the messaging app show it: the tag, not the entry.
        XCTAssertTrue(alert.summary.hasPrefix("确认了一条「") && alert.summary.hasSuffix("/CONFLICT_UNDECLARED）"), alert.summary)

        // The outbox tells the district's inspectors, its discipline head and the team's
        // manager, once each, with nothing of the entry's content.
        let outbox = try f.d.store.read { try $0.pendingNotifications(limit: 1000) }.filter { $0.payload.contains(alert.id) }
        let recipients = Set(outbox.map(\.recipient))
        XCTAssertEqual(recipients, Set(try ["inspector", "inspector-b", "head", "manager"].map { try f.d.account($0).id }))
        XCTAssertTrue(outbox.allSatisfy { !$0.payload.contains("未申报亲属") })

        // A second match in the same month adds its evidence to the open alert; no new alert.
        let second = try await confirmImmediate(f, subject: "HV0005", day: 20)
        alerts = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0005")).alerts.filter { $0.kind == "immediateTag" }
        XCTAssertEqual(alerts.count, 1)
        let detailed = try await f.inspector.getAlert(GetAlertRequest(id: alert.id))
        XCTAssertEqual(detailed.entryIds, [first.id, second.id])
        XCTAssertEqual(detailed.events.map(\.action), ["raised", "evidence_added"])
        XCTAssertEqual(try f.d.store.read { try $0.pendingNotifications(limit: 1000) }.filter { $0.payload.contains(alert.id) }.count, outbox.count)

        // Out of scope: another district's inspector does not see it; the employee cannot list.
        await assertRPCError(.notFound) { try await f.inspector2.getAlert(GetAlertRequest(id: alert.id)) }
        await assertRPCError(.permissionDenied) { try await f.employee.listAlerts(ListAlertsRequest()) }
    }

    func testTheLifeCycleIsKeptStepByStep() async throws {
        let f = try await EvaluationFixture()
        _ = try await confirmImmediate(f, subject: "HV0006", day: 3)
        let listed = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0006")).alerts
        let alert = try XCTUnwrap(listed.first)
        let acked = try await f.manager.acknowledgeAlert(AcknowledgeAlertRequest(requestId: "ack-1", id: alert.id, note: "已约谈"))
        XCTAssertEqual(acked.state, .acknowledged)
        let again = try await f.manager.acknowledgeAlert(AcknowledgeAlertRequest(requestId: "ack-1", id: alert.id, note: "已约谈"))
        XCTAssertEqual(again, acked, "a retried request returns the first answer")
        await assertRPCError(.failedPrecondition) {
            try await f.manager.acknowledgeAlert(AcknowledgeAlertRequest(requestId: "ack-2", id: alert.id))
        }
        await assertRPCError(.permissionDenied) {
            try await f.manager.dismissAlert(DismissAlertRequest(requestId: "d-0", id: alert.id, reason: "x"))
        }
        await assertRPCError(.invalidArgument) { try await f.inspector.dismissAlert(DismissAlertRequest(requestId: "d-1", id: alert.id)) }
        let marked = try await f.inspector.markAlertForCase(MarkAlertForCaseRequest(requestId: "m-1", id: alert.id, note: "转问题线索"))
        XCTAssertEqual(marked.state, .markedForCase)
        XCTAssertEqual(marked.events.map(\.action), ["raised", "acknowledged", "marked_for_case"])
        await assertRPCError(.failedPrecondition) {
            try await f.inspector.dismissAlert(DismissAlertRequest(requestId: "d-2", id: alert.id, reason: "误报"))
        }
        XCTAssertEqual(try f.d.auditEntries(method: "/lianjie.v1.EvaluationService/MarkAlertForCase").filter { $0.outcome == "OK" }.count, 1)
    }

    func testScoreAlertsAreRaisedOnceAcrossReRuns() async throws {
        let f = try await EvaluationFixture()
        // A red-line entry in the quarter makes that subject's grade poor.
        let submitted = try await f.entries.submitEntry(SubmitEntryRequest(
            requestId: UUID().uuidString, subjectId: "HV0007", tag: "HV_DESIGNATED_FIRMS",
            occurredOn: CalendarDate(year: 2026, month: 8, day: 12), quantity: "1", description: "指定设计单位", source: .pc))
        _ = try await f.entriesB.confirmEntry(ConfirmEntryRequest(requestId: UUID().uuidString, id: submitted.id, etag: submitted.etag))
        let first = try await f.publish(try await f.run())
        XCTAssertGreaterThan(first.alertsRaised, 0)
        let poor = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0007", period: EvaluationFixture.q3)).alerts
            .filter { $0.kind == "gradePoor" }
        XCTAssertEqual(poor.count, 1)
        XCTAssertEqual(poor.first?.runId, first.id)
        XCTAssertTrue(poor.first?.summary.hasPrefix("评定等级为较差：计入一票否决条目（总分 ") == true, poor.first?.summary ?? "")
        let rerun = try await f.publish(try await f.run(), reason: "复核后重新评价")
        XCTAssertEqual(rerun.alertsRaised, 0, "a re-run raises nothing already raised")
        let after = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0007", period: EvaluationFixture.q3)).alerts
            .filter { $0.kind == "gradePoor" }
        XCTAssertEqual(after.count, 1)
    }
}
