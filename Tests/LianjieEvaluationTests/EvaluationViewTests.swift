import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Portraits, statistics and what-if, with their scope rules.
final class EvaluationViewTests: XCTestCase {
    /// Publishes runs for the four quarters of the history.
    private func publishYear(_ f: EvaluationFixture) async throws {
        for period in [Period(kind: .quarter, year: 2025, index: 4), Period(kind: .quarter, year: 2026, index: 1),
                       Period(kind: .quarter, year: 2026, index: 2), EvaluationFixture.q3] {
            _ = try await f.publish(try await f.run(period))
        }
    }

    func testTheDemoPublishesTheLastFourQuartersSoPortraitsHaveATrend() async throws {
        let f = try await EvaluationFixture()
        let runs = try await f.inspector.listEvaluationRuns(ListEvaluationRunsRequest(currentOnly: true)).runs
        XCTAssertEqual(Set(runs.map { "\($0.period!.year)Q\($0.period!.index)" }), ["2025Q4", "2026Q1", "2026Q2", "2026Q3"])
        XCTAssertTrue(runs.allSatisfy { $0.organizationId == f.east.id && $0.state == .published })
        let p = try await f.employee.getPortrait(GetPortraitRequest(subject: "HV0001"))
        XCTAssertEqual(p.period, EvaluationFixture.q3, "the newest published period")
        XCTAssertEqual(p.trend.count, 4)
        let open = try await f.inspector.listAlerts(ListAlertsRequest(state: .open))
        XCTAssertGreaterThan(open.totalSize, 0, "the demo starts with open alerts")
        XCTAssertTrue(open.alerts.contains { $0.kind == "immediateTag" })
        for run in runs {
            let check = try await f.inspector.verifyEvaluationRun(VerifyEvaluationRunRequest(id: run.id))
            XCTAssertTrue(check.matches, "\(run.id): \(check.mismatches)")
        }
    }

    func testThePortraitShowsScoreTrendPeersAndDataQuality() async throws {
        let f = try await EvaluationFixture()
        try await publishYear(f)
        let p = try await f.inspector.getPortrait(GetPortraitRequest(subject: "HV0002", period: EvaluationFixture.q3))
        XCTAssertEqual(p.employeeNumber, "HV0002")
        XCTAssertEqual(p.categoryCode, "HV_EXPANSION")
        let result = try XCTUnwrap(p.result)
        XCTAssertEqual(p.period, EvaluationFixture.q3)
        XCTAssertFalse(result.breakdown.isEmpty)
        XCTAssertEqual(p.trend.map(\.period), [Period(kind: .quarter, year: 2025, index: 4), Period(kind: .quarter, year: 2026, index: 1),
                                               Period(kind: .quarter, year: 2026, index: 2), EvaluationFixture.q3])
        XCTAssertEqual(p.peerMedians.count, 3)
        XCTAssertEqual(p.dimensionRules.count, 3)
        XCTAssertNotNil(p.run)
        for w in p.topDebits { XCTAssertLessThan(Exact(w.contribution)!, .zero) }
        for w in p.topCredits { XCTAssertGreaterThan(Exact(w.contribution)!, .zero) }

        // The employee reads their own portrait only; another district's inspector nothing.
        let own = try await f.employee.getPortrait(GetPortraitRequest(subject: "HV0001"))
        XCTAssertEqual(own.employeeNumber, "HV0001")
        await assertRPCError(.notFound) { try await f.employee.getPortrait(GetPortraitRequest(subject: "HV0002")) }
        await assertRPCError(.notFound) { try await f.inspector2.getPortrait(GetPortraitRequest(subject: "HV0002")) }
        _ = try await f.manager.getPortrait(GetPortraitRequest(subject: "HV0002"))
        XCTAssertFalse(try f.d.auditEntries(method: "/lianjie.v1.EvaluationService/GetPortrait").isEmpty)

        // A period with no published result: no data, never a perfect score.
        let empty = try await f.inspector.getPortrait(GetPortraitRequest(subject: "HV0002", period: Period(kind: .month, year: 2024, index: 1)))
        XCTAssertTrue(empty.noData)
        XCTAssertNil(empty.result)
    }

    func testStatisticsRollUpAndThePseudonymisedFormHidesPeople() async throws {
        let f = try await EvaluationFixture()
        _ = try await f.publish(try await f.run())
        let named = try await f.inspector.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3))
        let total = try XCTUnwrap(named.total)
        XCTAssertEqual(total.subjects?.value, "17")
        XCTAssertFalse(named.ranking.isEmpty)
        XCTAssertFalse(named.entriesByStatus.isEmpty)
        XCTAssertEqual(named.ranking.map(\.rank), named.ranking.map(\.rank).sorted())

        await assertRPCError(.permissionDenied) {
            try await f.hr.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3))
        }
        let hidden = try await f.hr.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3, pseudonymised: true))
        XCTAssertTrue(hidden.pseudonymised)
        let names = Set(named.ranking.map(\.name))
        XCTAssertTrue(hidden.ranking.allSatisfy { $0.name.hasPrefix("P-") && !names.contains($0.name) && $0.employeeNumber.isEmpty })
        XCTAssertEqual(Set(hidden.ranking.map(\.name)).count, hidden.ranking.count, "pseudonyms are distinct within a report")
        // Every cell about one to four people is suppressed, never shown.
        let cells = hidden.children.flatMap { b in [b.subjects, b.mean, b.median, b.grades?.excellent, b.grades?.good, b.grades?.fair, b.grades?.poor] }
            + [hidden.total?.grades?.excellent, hidden.total?.grades?.good, hidden.total?.grades?.fair, hidden.total?.grades?.poor]
            + hidden.topDebitTags.map(\.count)
        for c in cells.compactMap({ $0 }) where !c.suppressed {
            if let n = Int(c.value) { XCTAssertTrue(n == 0 || n >= 5, "cell \(n) should be suppressed") }
        }
        XCTAssertTrue(cells.contains { $0?.suppressed == true })
        XCTAssertTrue(named.topDebitTags.contains { Int($0.count?.value ?? "") ?? 0 < 5 }, "the named form shows small counts")
        await assertRPCError(.notFound) {
            try await f.inspector2.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3))
        }
    }

    func testWhatIfReportsWhoCrossesAGradeWithoutWritingAnything() async throws {
        let f = try await EvaluationFixture()
        let before = try f.d.store.read { try $0.evaluationRunCount(EvaluationRunFilter()) }
        let response = try await f.inspector.simulateScheme(SimulateSchemeRequest(
            document: try await f.entries.getScheme(GetSchemeRequest()).document,
            grades: GradeBands(excellent: "99", good: "97", fair: "95"), periods: [EvaluationFixture.q3], organizationId: f.east.id))
        XCTAssertEqual(response.periods.count, 1)
        let p = try XCTUnwrap(response.periods.first)
        XCTAssertLessThanOrEqual(p.before?.poor ?? 0, p.after?.poor ?? 0, "stricter bands never improve grades")
        XCTAssertFalse(response.crossings.isEmpty)
        XCTAssertTrue(response.crossings.allSatisfy { $0.gradeBefore != $0.gradeAfter || $0.vetoBefore != $0.vetoAfter || !$0.alertChanges.isEmpty })
        XCTAssertEqual(try f.d.store.read { try $0.evaluationRunCount(EvaluationRunFilter()) }, before)
        await assertRPCError(.invalidArgument) {
            try await f.inspector.simulateScheme(SimulateSchemeRequest(document: "{", periods: [EvaluationFixture.q3]))
        }
        await assertRPCError(.invalidArgument) {
            try await f.inspector.simulateScheme(SimulateSchemeRequest(periods: []))
        }
        await assertRPCError(.permissionDenied) {
            try await f.manager.simulateScheme(SimulateSchemeRequest(periods: [EvaluationFixture.q3]))
        }
    }
}
