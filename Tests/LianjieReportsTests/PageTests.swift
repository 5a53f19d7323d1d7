import Foundation
import XCTest
@testable import LianjieReports
import LianjieScoring

final class PageTests: XCTestCase {
    // MARK: Both pages

    func testEachPageIsOneSelfContainedPrintableDocument() {
        for html in [PortraitPage(SampleReports.portrait()).html(), OrganizationPage(SampleReports.organization()).html()] {
            XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
            XCTAssertTrue(html.contains("<meta charset=\"utf-8\">"))
            XCTAssertTrue(html.contains("@page{size:A4;margin:14mm}"))
            XCTAssertTrue(html.contains("max-width:182mm"))
            XCTAssertTrue(html.contains("'Noto Sans CJK SC'"))
            XCTAssertTrue(html.contains("break-inside:avoid"))
            XCTAssertTrue(html.contains("内部资料"))
            XCTAssertEqual(occurrences(of: "<html", in: html), 1)
            XCTAssertTrue(html.hasSuffix("</html>\n"))
            for forbidden in ["<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "http://", "https://"] {
                let withoutSVGNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
                XCTAssertFalse(withoutSVGNamespace.lowercased().contains(forbidden), "\(forbidden) would fetch or run something")
            }
        }
    }

    func testThePortraitHasItsThreeChartsEachAccessible() {
        let html = PortraitPage(SampleReports.portrait()).html()
        let svgs = svgElements(in: html)
        XCTAssertEqual(svgs.count, 3)
        for (svg, kind) in zip(svgs, ["radar", "trend", "waterfall"]) { assertAccessibleChart(svg, kind: kind) }
        for kind in ["radar", "trend", "waterfall"] { XCTAssertEqual(occurrences(of: "class=\"chart chart-\(kind)\"", in: html), 1) }
    }

    func testTheOrganisationPageHasTheGradeChartAndTheRankingTable() {
        let html = OrganizationPage(SampleReports.organization()).html()
        let svgs = svgElements(in: html)
        XCTAssertEqual(svgs.count, 1)
        assertAccessibleChart(svgs[0], kind: "grades")
        XCTAssertEqual(occurrences(of: "<table class=\"chart chart-ranking\">", in: html), 1)
        XCTAssertEqual(occurrences(of: "人员-", in: html), 20, "pseudonyms, never names")
        XCTAssertFalse(html.contains("欧阳晓明"))
    }

    func testTheSameModelGivesTheSameBytes() {
        XCTAssertEqual(PortraitPage(SampleReports.portrait()).html(), PortraitPage(SampleReports.portrait()).html())
        XCTAssertEqual(PortraitPage(SampleReports.noDataPortrait()).html(), PortraitPage(SampleReports.noDataPortrait()).html())
        XCTAssertEqual(OrganizationPage(SampleReports.organization()).html(), OrganizationPage(SampleReports.organization()).html())
        let chart = RadarChart(axes: Dimension.allCases.map {
            RadarChart.Axis(label: $0.reportLabel, minimum: Exact(0), maximum: Exact(100), value: Exact("77.77")!, reference: Exact(80))
        })
        XCTAssertEqual(chart.svg(), chart.svg())
    }

    // MARK: Escaping

    func testHostileTextIsEscapedEverywhereItAppears() {
        var portrait = SampleReports.portrait(name: hostile)
        portrait.subject.organization = hostile
        portrait.subject.post = hostile
        portrait.period = hostile
        portrait.generatedAt = hostile
        portrait.provenance = ReportProvenance(schemeVersion: hostile, runID: hostile, inputsHash: hostile)
        portrait.peers?.group = hostile
        portrait.trend[0].period = hostile
        portrait.topDebits[0].tagName = hostile
        portrait.alerts[0].summary = hostile
        portrait.alerts[0].rule = hostile
        portrait.dataQuality.notes = [hostile]
        if case .scored(var score) = portrait.result {
            score.redLines = [hostile]
            score.withinOrganization?.group = hostile
            for i in score.breakdown.entries.indices { score.breakdown.entries[i].tagName = hostile }
            portrait.result = .scored(score)
        }
        let html = PortraitPage(portrait).html()
        XCTAssertFalse(html.contains(hostile))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("alert(\"x\")"), "no quote left unescaped in text or attributes")
        // Header, title, summary, veto, radar legend, trend label, tags, waterfall, entries, alerts, notes, footer.
        XCTAssertGreaterThanOrEqual(occurrences(of: hostileEscaped, in: html), 15)
        for svg in svgElements(in: html) { assertAccessibleChart(svg, kind: svg.contains("chart-radar") ? "radar" : svg.contains("chart-trend") ? "trend" : "waterfall") }

        var org = SampleReports.organization(pseudonymised: false, nameOverride: hostile)
        org.organization = hostile
        org.categoryFilter = hostile
        org.children[0].name = hostile
        org.topDebitTags[0].tagName = hostile
        org.topDebitTags[0].tagCode = hostile
        let orgHTML = OrganizationPage(org).html()
        XCTAssertFalse(orgHTML.contains(hostile))
        XCTAssertFalse(orgHTML.contains("<script"))
        XCTAssertGreaterThanOrEqual(occurrences(of: hostileEscaped, in: orgHTML), 20 + 5)
    }

    func testTheWaterfallTooltipAndTruncatedLabelAreEscaped() {
        let label = String(repeating: "很长的标签名称", count: 4) + hostile
        let svg = WaterfallChart(start: Exact(80), contributions: [WaterfallChart.Step(label: label, delta: Exact(-2))]).svg()
        assertAccessibleChart(svg, kind: "waterfall")
        XCTAssertTrue(svg.contains("<title>" + Markup.escape(label) + "："))
    }

    // MARK: Suppression

    func testASuppressedGradeIsHatchedAndMarkedNeverDrawnAsABar() {
        // The true count of poor grades (3) is what the model withholds.
        let counts = GradeCounts(excellent: .value(54), good: .value(97), fair: .value(31), poor: .suppressed)
        let svg = GradeBarChart(counts: counts).svg()
        assertAccessibleChart(svg, kind: "grades")
        XCTAssertEqual(occurrences(of: "&lt;5", in: svg), 1)
        XCTAssertTrue(svg.contains("class=\"bar suppressed grade-poor\""))
        XCTAssertEqual(occurrences(of: "data-count=", in: svg), 3)
        XCTAssertTrue(svg.contains("较差 少于 5 人"), "the aria-label says it too")
        for n in ["54", "97", "31"] { XCTAssertTrue(svg.contains(">\(n)</text>")) }
        XCTAssertFalse(svg.contains(">3</text>"))
    }

    func testEverySuppressedCellShowsLessThanFiveAndNothingElse() {
        let report = SampleReports.organization()
        let html = OrganizationPage(report).html()
        var suppressed = 0
        func count<T>(_ cells: [Cell<T>]) { suppressed += cells.filter(\.isSuppressed).count }
        let k = report.keyFigures
        count([k.subjects, k.personTimes, k.noData])
        count([k.mean, k.median])
        for c in report.children {
            count([c.subjects, c.grades.excellent, c.grades.good, c.grades.fair, c.grades.poor, c.alertsRaised, c.alertsHandled])
            count([c.mean, c.median])
        }
        for t in report.topDebitTags { count([t.entries, t.subjects]) }
        for s in report.entriesBySource { count([s.submitted, s.confirmed, s.rejected, s.revoked]) }
        let a = report.alerts
        count([a.raised, a.handled, a.turnedIntoCases, a.dismissed, a.open])
        XCTAssertGreaterThan(suppressed, 20)
        XCTAssertEqual(occurrences(of: HTML.suppressed, in: html), suppressed)
        XCTAssertEqual(occurrences(of: "class=\"bar suppressed", in: html), 1, "and the grade chart's poor bar")
        XCTAssertTrue(html.contains("已脱敏"))
    }

    func testAReportThatIsNotPseudonymisedDoesNotSayItIs() {
        let html = OrganizationPage(SampleReports.organization(pseudonymised: false)).html()
        XCTAssertFalse(html.contains("已脱敏"))
        XCTAssertTrue(html.contains("买买提·艾力克木江"))
        XCTAssertTrue(html.contains("姓名 <span class=\"en\">Name</span>"))
    }

    // MARK: Portrait states

    func testNoDataShowsNoScoreNoGradeAndNeverAPerfectScore() {
        let report = SampleReports.noDataPortrait()
        let html = PortraitPage(report).html()
        XCTAssertTrue(html.contains("<div class=\"score nodata\">无数据</div>"))
        XCTAssertTrue(html.contains("本期无数据，不计分"))
        XCTAssertFalse(html.contains("class=\"score\""), "no total")
        XCTAssertFalse(html.contains("class=\"grade grade-"), "no grade badge")
        XCTAssertFalse(html.contains("100.00"), "never a perfect score")
        XCTAssertFalse(html.contains("chart-waterfall"), "no breakdown of a score that does not exist")
        XCTAssertFalse(html.contains("radar-value"), "no polygon for the subject")
        XCTAssertTrue(html.contains("radar-reference"), "the peers are still shown")
        XCTAssertFalse(html.contains("单位内排名"), "no rank")
        XCTAssertTrue(html.contains("2026-Q1：无数据"), "the trend's last period is a gap")
        XCTAssertEqual(occurrences(of: "class=\"trend-point", in: html), 4)
    }

    func testAScoredPortraitShowsTotalGradeRankAndChange() throws {
        let report = SampleReports.portrait()
        let score = try XCTUnwrap(report.result.score)
        let html = PortraitPage(report).html()
        XCTAssertTrue(html.contains("<div class=\"score\">" + Format.number(score.total) + "</div>"))
        XCTAssertTrue(html.contains("<span class=\"grade grade-\(score.grade.rawValue) grade-large\">"))
        XCTAssertTrue(html.contains("3 <span class=\"muted\" style=\"font-size:10pt\">/ 17</span>"))
        XCTAssertTrue(html.contains("超过 87.50% 的人员"))
        XCTAssertTrue(html.contains(Format.signed(score.total - Exact("86.9")!)))
        XCTAssertFalse(html.contains("一票否决"), "not vetoed")
        XCTAssertTrue(html.contains("待审核填报 1 条"))
    }

    func testAVetoIsExplainedWithTheRedLineThatCounted() throws {
        let report = SampleReports.portrait(vetoed: true)
        let score = try XCTUnwrap(report.result.score)
        XCTAssertEqual(score.grade, .poor)
        let html = PortraitPage(report).html()
        XCTAssertTrue(html.contains("触及红线，一票否决"))
        XCTAssertTrue(html.contains("本期计入红线标签：指定设计、施工、设备供应单位（三指定）"))
    }
}
