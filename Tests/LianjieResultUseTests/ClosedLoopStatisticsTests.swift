import Foundation
import LianjieClient
import LianjieMessages
import LianjieReports
import LianjieServiceTestSupport
import LianjieXCTestSupport
import XCTest

/// The closed-loop figures GetStatistics adds for the demo's cases, named and pseudonymised,
/// and on the organisation page.
final class ClosedLoopStatisticsTests: XCTestCase {
    func testTheDemosCasesAddUpPerPeriod() async throws {
        let d = try InProcessDeployment(history: true)
        let east = try d.organization("城东区供电局")
        let q4 = Period(kind: .quarter, year: 2026, index: 4)
        // The demo (today 2026-12-01): in the first district, cases opened 2026-10-12, 11-01, 11-11 and 11-29 (and one
        // 2026-09-22, closed 2026-10-17 after 25 days); dispositions on 10-02 (first form), 11-19 (first) and 11-21 (second);
        // one case overdue.
        let stats = try await d.evaluations("inspector").getStatistics(GetStatisticsRequest(organizationId: east.id, period: q4))
        let t = try XCTUnwrap(stats.total)
        XCTAssertEqual(t.casesOpened?.value, "4")
        XCTAssertEqual(t.casesClosed?.value, "1")
        XCTAssertEqual(t.casesDismissed?.value, "0")
        XCTAssertEqual(t.casesOverdue?.value, "1")
        XCTAssertEqual(t.closureRate?.value, "0", "none of the quarter's four cases is settled yet")
        XCTAssertEqual(t.medianDaysToClose?.value, "25")
        XCTAssertEqual([t.dispositionsFirstForm, t.dispositionsSecondForm, t.dispositionsThirdForm, t.dispositionsFourthForm].map { $0?.value },
                       ["2", "1", "0", "0"])
        let q3 = try await d.evaluations("inspector").getStatistics(GetStatisticsRequest(organizationId: east.id, period: Period(kind: .quarter, year: 2026, index: 3)))
        XCTAssertEqual(q3.total?.casesOpened?.value, "1")
        XCTAssertEqual(q3.total?.closureRate?.value, "100", "the one case opened in Q3 is closed")

        // Pseudonymised: counts of 1 to 4 and the rates of fewer than five cases are hidden.
        let hidden = try await d.evaluations("hr").getStatistics(GetStatisticsRequest(organizationId: east.id, period: q4, pseudonymised: true))
        XCTAssertEqual(hidden.total?.casesOpened?.suppressed, true)
        XCTAssertEqual(hidden.total?.closureRate?.suppressed, true)
        XCTAssertEqual(hidden.total?.medianDaysToClose?.suppressed, true)
        XCTAssertEqual(hidden.total?.casesDismissed?.value, "0")

        // The organisation page shows them.
        let page = OrganizationPage(MessageReports.organization(stats, generatedAt: "2026-12-01 09:00 (UTC+8)")).html()
        XCTAssertTrue(page.contains("问题处置闭环") && page.contains("办结用时中位数"))
        if let keep = ProcessInfo.processInfo.environment["LIANJIE_KEEP_PAGES"] {
            try page.write(toFile: keep + "/org-loop.html", atomically: true, encoding: .utf8)
        }
    }
}
