import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieXCTestSupport
import XCTest

/// Regressions from the review of the evaluation module (2026-12-02), one test each.
final class EvaluationRegressionTests: XCTestCase {
    /// A run for a period in 1900 (the first year allowed) has no previous period; asking
    /// for it trapped and took the server down.
    func testARunForTheFirstAllowedYearDoesNotCrashTheServer() async throws {
        let f = try await EvaluationFixture()
        let run = try await f.run(Period(kind: .month, year: 1900, index: 1))
        XCTAssertEqual(run.state, .draft, run.endReason)
        XCTAssertEqual(run.personTimes, 0, "nobody was placed in 1900")
        _ = try await f.inspector.getEvaluationRun(GetEvaluationRunRequest(id: run.id))
    }

    /// The employee's own portrait showed the alerts about them, how many entries about them
    /// wait for review, and the run's figures for the whole team.
    func testTheEmployeesOwnPortraitLeavesOutAlertsPendingEntriesAndTheTeamsFigures() async throws {
        let f = try await EvaluationFixture()
        let submitted = try await f.entries.submitEntry(SubmitEntryRequest(
            requestId: UUID().uuidString, subjectId: "HV0001", tag: "CONFLICT_UNDECLARED",
            occurredOn: CalendarDate(year: 2026, month: 9, day: 3), quantity: "1", description: "未申报", source: .pc))
        _ = try await f.entriesB.confirmEntry(ConfirmEntryRequest(requestId: UUID().uuidString, id: submitted.id, etag: submitted.etag))
        _ = try await f.entries.submitEntry(SubmitEntryRequest(
            requestId: UUID().uuidString, subjectId: "HV0001", tag: "ON_TIME_HANDLING",
            occurredOn: CalendarDate(year: 2026, month: 9, day: 4), quantity: "1", description: "待审核", source: .pc))
        let staff = try await f.inspector.getPortrait(GetPortraitRequest(subject: "HV0001", period: EvaluationFixture.q3))
        XCTAssertFalse(staff.openAlerts.isEmpty)
        XCTAssertGreaterThan(staff.entriesPendingReview, 0)
        let own = try await f.employee.getPortrait(GetPortraitRequest(subject: "HV0001", period: EvaluationFixture.q3))
        XCTAssertEqual(own.openAlerts, [])
        XCTAssertEqual(own.entriesPendingReview, 0)
        XCTAssertNil(own.run?.grades)
        XCTAssertEqual(own.run?.publishNote, "")
        XCTAssertEqual(own.run?.id, staff.run?.id)
    }

    /// A manager saw the whole district's figures of a run over their team.
    func testAManagerSeesARunOverTheirTeamWithoutTheWholeScopesFigures() async throws {
        let f = try await EvaluationFixture()
        let district = try await f.inspector.listEvaluationRuns(ListEvaluationRunsRequest(organizationId: f.east.id, currentOnly: true)).runs[0]
        XCTAssertNotNil(district.grades)
        let seen = try await f.manager.getEvaluationRun(GetEvaluationRunRequest(id: district.id))
        XCTAssertNil(seen.grades)
        XCTAssertEqual(seen.publishNote, "")
        XCTAssertEqual(seen.createdBy, "")
        await assertRPCError(.permissionDenied) {
            try await f.manager.cancelEvaluationRun(CancelEvaluationRunRequest(requestId: UUID().uuidString, id: district.id))
        }
    }

    /// Pseudonymised ranking rows carried each person's category, veto and change.
    func testPseudonymisedRankingRowsCarryNothingThatSinglesPeopleOut() async throws {
        let f = try await EvaluationFixture()
        let stats = try await f.hr.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3, pseudonymised: true))
        XCTAssertFalse(stats.ranking.isEmpty)
        for row in stats.ranking {
            XCTAssertEqual(row.categoryCode, "")
            XCTAssertFalse(row.vetoed)
            XCTAssertEqual(row.totalChange, "")
        }
        // And no grade cell can be worked out from the subjects and the others.
        for block in [stats.total].compactMap({ $0 }) + stats.children {
            let cells = [block.grades?.excellent, block.grades?.good, block.grades?.fair, block.grades?.poor, block.grades?.noData]
            XCTAssertNotEqual(cells.filter { $0?.suppressed == true }.count, 1, "\(block.organizationName)")
        }
    }

    /// Runs, results and alerts kept the organisation path they were made with: after a
    /// department moved to another district, the old district's staff still reached them.
    func testAfterADepartmentMovesItsRunsAndAlertsFollowIt() async throws {
        let f = try await EvaluationFixture()
        let run = try await f.run()
        let submitted = try await f.entries.submitEntry(SubmitEntryRequest(
            requestId: UUID().uuidString, subjectId: "HV0005", tag: "CONFLICT_UNDECLARED",
            occurredOn: CalendarDate(year: 2026, month: 11, day: 12), quantity: "1", description: "未申报", source: .pc))
        _ = try await f.entriesB.confirmEntry(ConfirmEntryRequest(requestId: UUID().uuidString, id: submitted.id, etag: submitted.etag))
        let open = try await f.inspector.listAlerts(ListAlertsRequest(subject: "HV0005", state: .open)).alerts
        let alert = try XCTUnwrap(open.first)

        let west = try f.d.organization("城西区供电局")
        let admin = try await f.d.users("admin")
        _ = try await admin.moveOrganization(MoveOrganizationRequest(id: f.marketing.id, newParentId: west.id))

        await assertRPCError(.notFound) { try await f.inspector.getEvaluationRun(GetEvaluationRunRequest(id: run.id)) }
        await assertRPCError(.notFound) { try await f.inspector.getAlert(GetAlertRequest(id: alert.id)) }
        let moved = try await f.inspector2.getEvaluationRun(GetEvaluationRunRequest(id: run.id))
        XCTAssertEqual(moved.id, run.id)
        let results = try await f.allResults(run.id, as: f.inspector2)
        XCTAssertEqual(results.count, Int(run.personTimes))
        let followed = try await f.inspector2.getAlert(GetAlertRequest(id: alert.id))
        XCTAssertEqual(followed.id, alert.id)
    }
}
