import Foundation
import LianjieClient
import LianjieMessages
import LianjieReports
import LianjieXCTestSupport
import XCTest

/// The reports the CLI writes, from what the service answers for the demo, rendered in
/// headless Chromium and checked as a person would see them.
final class ReportRenderingTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lianjie-live-reports-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testTheDemosPortraitAndStatisticsRenderAsPages() async throws {
        let f = try await EvaluationFixture()
        let portrait = try await f.inspector.getPortrait(GetPortraitRequest(subject: "HV0002", period: EvaluationFixture.q3))
        let report = MessageReports.portrait(portrait, generatedAt: "2026-12-01 09:00 (UTC+8)")
        XCTAssertNotNil(report.result.score)
        let html = PortraitPage(report).html()
        XCTAssertTrue(html.contains("王芳") && html.contains("HV0002"))
        XCTAssertEqual(report.result.score?.breakdown.sumOfParts, report.result.score?.total, "the breakdown adds up to the total")
        try assertRendersWell("portrait", html, charts: ["radar", "trend", "waterfall"], colours: ["#2f5d8a"], in: directory, thorough: false)

        let stats = try await f.hr.getStatistics(GetStatisticsRequest(organizationId: f.east.id, period: EvaluationFixture.q3, pseudonymised: true))
        let page = OrganizationPage(MessageReports.organization(stats, generatedAt: "2026-12-01 09:00 (UTC+8)")).html()
        XCTAssertFalse(page.contains("王芳"), "no names in the pseudonymised page")
        XCTAssertTrue(page.contains("P-01"))
        try assertRendersWell("organization", page, charts: ["grades", "ranking"], colours: ["#2e7d4f", "#2f6db3"], in: directory, thorough: false)
    }
}
