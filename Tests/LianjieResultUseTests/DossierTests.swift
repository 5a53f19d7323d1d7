import Foundation
import LianjieClient
import LianjieMessages
import LianjieReports
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// The integrity dossier over the demo's year of history: what staff and the employee see,
/// the reason kept with the read, scope, and the content hash.
final class DossierTests: XCTestCase {
    func testStaffReadWithAReasonTheEmployeeReadsTheirOwnView() async throws {
        let d = try InProcessDeployment(history: true)
        let inspector = try await d.resultUse("inspector")

        let refused = await assertRPCError(.invalidArgument) { try await inspector.getDossier(GetDossierRequest(subject: "HV0001")) }
        XCTAssertEqual(refused?.violations.first?.field, "reason")
        let dossier = try await inspector.getDossier(GetDossierRequest(subject: "HV0001", reason: "干部提拔廉洁审查"))
        XCTAssertEqual(dossier.subject?.employeeNumber, "HV0001")
        XCTAssertEqual(dossier.organizationName, "高压业扩班")
        XCTAssertFalse(dossier.categoryName.isEmpty)
        XCTAssertFalse(dossier.placements.isEmpty)
        XCTAssertEqual(dossier.evaluations.filter { $0.period?.kind == .quarter }.count, 4, "the demo's four published quarters")
        XCTAssertEqual(dossier.evaluations.map(\.period?.year), dossier.evaluations.map(\.period?.year).sorted(by: { ($0 ?? 0) > ($1 ?? 0) }))
        XCTAssertFalse(dossier.entries.isEmpty)
        XCTAssertTrue(dossier.entries.allSatisfy { $0.status == .confirmed || $0.status == .revoked })
        let ownCase = try XCTUnwrap(dossier.cases.first { $0.number == "C-2026-0002" })
        XCTAssertFalse(ownCase.summary.isEmpty)
        XCTAssertFalse(ownCase.events.isEmpty)
        XCTAssertFalse(dossier.talks.isEmpty)
        XCTAssertFalse(dossier.selfView)
        XCTAssertEqual(dossier.sha256.count, 64)

        // The read is audited with its reason, which is part of the entry's MAC.
        let audited = try d.auditEntries(method: ResultUseService.getDossier.path)
        XCTAssertEqual(audited.last?.reason, "干部提拔廉洁审查")
        XCTAssertEqual(audited.first?.outcome, "INVALID_ARGUMENT")
        let verified = try await d.users("admin").verifyAuditLog()
        XCTAssertTrue(verified.intact, verified.problem)

        // The same facts give the same hash; a new confirmed entry changes it.
        let again = try await inspector.getDossier(GetDossierRequest(subject: "HV0001", reason: "复核"))
        XCTAssertEqual(again.sha256, dossier.sha256)
        let e = try await d.entries("inspector").submitEntry(SubmitEntryRequest(subjectId: "HV0001", tag: "INTEGRITY_TRAINING",
                                                                                  occurredOn: CalendarDate(year: 2026, month: 11, day: 28),
                                                                                  description: "参加廉洁教育", source: .pc))
        _ = try await d.entries("inspector-b").confirmEntry(ConfirmEntryRequest(id: e.id))
        let changed = try await inspector.getDossier(GetDossierRequest(subject: "HV0001", reason: "复核"))
        XCTAssertNotEqual(changed.sha256, dossier.sha256)
        XCTAssertEqual(changed.entries.first?.id, e.id, "newest first")

        // The employee: no reason needed, no alerts, only what was decided about them.
        let own = try await d.resultUse("employee").getDossier(GetDossierRequest(subject: "HV0001"))
        XCTAssertTrue(own.selfView)
        XCTAssertTrue(own.alerts.isEmpty)
        let mine = try XCTUnwrap(own.cases.first { $0.number == "C-2026-0002" })
        XCTAssertTrue(mine.summary.isEmpty && mine.events.isEmpty && mine.handlerId.isEmpty && mine.evidenceIds.isEmpty)
        XCTAssertEqual(mine.disposition?.form, .first)
        XCTAssertFalse(own.talks.isEmpty)
        XCTAssertTrue(own.entries.allSatisfy { $0.recordedBy.isEmpty && $0.reviewedBy.isEmpty })

        // Scope.
        await assertRPCError(.notFound) { try await d.resultUse("inspector2").getDossier(GetDossierRequest(subject: "HV0001", reason: "x")) }
        await assertRPCError(.notFound) { try await d.resultUse("employee").getDossier(GetDossierRequest(subject: "HV0002")) }
        await assertRPCError(.permissionDenied) { try await d.resultUse("manager").getDossier(GetDossierRequest(subject: "HV0001", reason: "x")) }
        await assertRPCError(.permissionDenied) { try await d.resultUse("hr").getDossier(GetDossierRequest(subject: "HV0001", reason: "x")) }
        let head = try await d.resultUse("head").getDossier(GetDossierRequest(subject: "HV0001", reason: "审核"))
        XCTAssertEqual(head.subject?.id, dossier.subject?.id)
    }

    func testTheDossierRendersAsAPrintablePage() async throws {
        let d = try InProcessDeployment(history: true)
        let directory = NSTemporaryDirectory() + "lianjie-dossier-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dossier = try await d.resultUse("inspector").getDossier(GetDossierRequest(subject: "HV0001", reason: "干部提拔廉洁审查"))
        let report = MessageReports.dossier(dossier, generatedAt: "2026-12-01 09:00 (UTC+8)")
        XCTAssertEqual(report.trend.count, 4)
        XCTAssertEqual(report.cases.first { $0.number == "C-2026-0002" }?.stillOpen, true)
        let html = DossierPage(report).html()
        XCTAssertTrue(html.contains("张伟") && html.contains("HV0001") && html.contains(dossier.sha256))
        XCTAssertTrue(html.contains("谈话提醒"))
        XCTAssertFalse(html.contains("<script"), "no script in a report")
        try assertRendersWell("dossier", html, charts: ["trend"], colours: ["#2f5d8a"], in: directory, thorough: true)

        // The employee's own view leaves the alerts section out.
        let own = try await d.resultUse("employee").getDossier(GetDossierRequest(subject: "HV0001"))
        let ownPage = DossierPage(MessageReports.dossier(own, generatedAt: "2026-12-01 09:00 (UTC+8)")).html()
        XCTAssertFalse(ownPage.contains("预警记录"))
        XCTAssertTrue(html.contains("预警记录"))
        if let keep = ProcessInfo.processInfo.environment["LIANJIE_KEEP_PAGES"] {
            try html.write(toFile: keep + "/dossier.html", atomically: true, encoding: .utf8)
            try ownPage.write(toFile: keep + "/dossier-own.html", atomically: true, encoding: .utf8)
        }
    }
}
