import Foundation
import LianjieReports
import LianjieXCTestSupport
import XCTest

/// Renders the pages in headless Chromium with the system's CJK fonts: the A4 screenshot
/// is not blank and shows the charts' colours, and a measuring copy of each page (the
/// only place a script is added) finds every chart laid out inside the page width, no
/// text overflowing its box and no two texts of a chart on top of each other, on A4 and
/// in a phone-sized window. Each page also prints to PDF.
final class ChromiumRenderingTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lianjie-reports-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testThePortraitRendersOnA4() throws {
        let report = SampleReports.portrait(name: "买买提·艾力克木江（高压业扩报装班客户经理兼廉洁监督员）")
        try check("portrait", PortraitPage(report).html(), charts: ["radar", "trend", "waterfall"],
                  // Section rules, the trend's excellent and good bands, the radar's ring.
                  colours: ["#2f5d8a", "#e9f4ed", "#e8eff8", "#fafbfc"])
    }

    func testAVetoedPortraitRendersOnA4() throws {
        try check("portrait-veto", PortraitPage(SampleReports.portrait(vetoed: true)).html(), charts: ["radar", "trend", "waterfall"],
                  // The veto notice's tint and the poor badge's red.
                  colours: ["#f8e8e7", "#b3403a"])
    }

    func testTheNoDataPortraitRendersOnA4() throws {
        try check("portrait-nodata", PortraitPage(SampleReports.noDataPortrait()).html(), charts: ["radar", "trend"],
                  colours: ["#fbf2e0", "#2f5d8a"])
    }

    func testTheOrganisationPageRendersOnA4() throws {
        try check("organization", OrganizationPage(SampleReports.organization(pseudonymised: false)).html(), charts: ["grades", "ranking"],
                  // Three grade bars and the suppressed block's tint.
                  colours: ["#2e7d4f", "#2f6db3", "#b7791f", "#eef1f4"])
    }

    private func check(_ name: String, _ html: String, charts: [String], colours: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        try assertRendersWell(name, html, charts: charts, colours: colours, in: directory, file: file, line: line)
    }
}
