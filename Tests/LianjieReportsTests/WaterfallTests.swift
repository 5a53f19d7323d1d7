import XCTest
@testable import LianjieReports
import LianjieScoring

final class WaterfallTests: XCTestCase {
    /// Contributions with twelve decimals, so any rounding anywhere would show.
    private func contributions(_ count: Int) -> [WaterfallChart.Step] {
        (0..<count).map { i in
            let units = Int128((i * 7_919 + 13) % 5_000 - 2_500) * 1_000_000_003 + Int128(i)
            return WaterfallChart.Step(label: "标签 \(i)", delta: Exact(units: units))
        }
    }

    func testFoldedStepsStillAddUpExactlyToTheTotal() {
        let steps = contributions(30)
        let chart = WaterfallChart(start: Exact("88.123456789012")!, contributions: steps, adjustment: Exact("-0.000000000007")!, maxSteps: 8)
        let shown = chart.displayedSteps
        XCTAssertEqual(shown.count, 8 + 1 + 1, "eight steps, the others, the adjustment")
        XCTAssertEqual(shown.reduce(chart.start) { $0 + $1.delta }, chart.end)
        XCTAssertEqual(chart.end, steps.reduce(chart.start + Exact("-0.000000000007")!) { $0 + $1.delta })
        XCTAssertEqual(shown[8].kind, .others(count: 22))
        XCTAssertEqual(shown[8].label, "其他 22 项 / 22 others")
        XCTAssertEqual(shown[9].kind, .adjustment)

        // The eight kept are the eight largest by size, in their given order.
        let magnitude = { (e: Exact) in e < .zero ? -e : e }
        let smallestKept = shown.prefix(8).map { magnitude($0.delta) }.min()!
        let folded = steps.filter { s in !shown.prefix(8).contains(s) }
        XCTAssertEqual(folded.count, 22)
        XCTAssertTrue(folded.allSatisfy { magnitude($0.delta) <= smallestKept })
        let keptIndices = shown.prefix(8).map { s in steps.firstIndex(of: s)! }
        XCTAssertEqual(keptIndices, keptIndices.sorted())
    }

    func testNothingIsFoldedWhenOneMoreStepWouldOnlyReplaceItself() {
        let chart = WaterfallChart(start: Exact(80), contributions: contributions(9), maxSteps: 8)
        XCTAssertEqual(chart.displayedSteps.count, 9)
        XCTAssertFalse(chart.displayedSteps.contains { if case .others = $0.kind { return true } else { return false } })
        XCTAssertEqual(WaterfallChart(start: Exact(80), contributions: contributions(10), maxSteps: 8).displayedSteps.count, 9)
    }

    func testTheFinalBarShowsTheExactSumAndTheSVGIsAnAccessibleChart() {
        let chart = WaterfallChart(start: Exact(88), contributions: contributions(30), adjustment: Exact("1.5")!, maxSteps: 6)
        let svg = chart.svg()
        assertAccessibleChart(svg, kind: "waterfall")
        XCTAssertTrue(svg.contains(">" + Format.number(chart.end) + "</text>"))
        XCTAssertEqual(occurrences(of: "class=\"step step-", in: svg), 2 + 6 + 1 + 1)
    }

    func testNegativeRunningTotalsAreDrawn() {
        let steps = [WaterfallChart.Step(label: "收受贿赂", delta: Exact(-30)), WaterfallChart.Step(label: "吃拿卡要", delta: Exact(-18)),
                     WaterfallChart.Step(label: "按时限办结业务", delta: Exact("2.5")!)]
        let chart = WaterfallChart(start: Exact(10), contributions: steps)
        XCTAssertEqual(chart.end, Exact("-35.5")!)
        let svg = chart.svg()
        assertAccessibleChart(svg, kind: "waterfall")
        XCTAssertTrue(svg.contains(">\u{2212}35.50</text>"))
        XCTAssertTrue(svg.contains(">\u{2212}30.00</text>"))
        XCTAssertFalse(svg.contains("width=\"-"), "no negative widths")
    }

    func testLongLabelsAreCutInTheChartAndWholeInTheTooltip() {
        let long = "指定设计、施工、设备供应单位（三指定）并收受好处费用于个人消费"
        let svg = WaterfallChart(start: Exact(80), contributions: [WaterfallChart.Step(label: long, delta: Exact(-20))]).svg()
        XCTAssertTrue(svg.contains("<title>" + long + "：\u{2212}20.00</title>"))
        XCTAssertTrue(svg.contains("…</text>"))
        XCTAssertFalse(svg.contains(">" + long + "<"))
    }

    func testThePortraitWaterfallEndsAtTheRunsTotal() throws {
        let report = SampleReports.portrait()
        let score = try XCTUnwrap(report.result.score)
        XCTAssertEqual(score.breakdown.sumOfParts, score.total, "the sample's breakdown adds up, as the scorer's does")
        for cap in [1, 3, 8, 50] {
            let chart = try XCTUnwrap(PortraitPage(report, waterfallSteps: cap).waterfallChart())
            XCTAssertEqual(chart.end, score.total, "cap \(cap)")
            XCTAssertEqual(chart.displayedSteps.reduce(chart.start) { $0 + $1.delta }, score.total, "cap \(cap)")
        }
        let html = PortraitPage(report).html()
        XCTAssertTrue(html.contains("<tr class=\"grand\"><td colspan=\"6\">总分 <span class=\"en\">Total</span></td><td class=\"num\">"
            + Format.number(score.total) + "</td></tr>"))
        XCTAssertFalse(html.contains("明细与总分不一致"))
    }

    func testAPortraitWhosePartsDoNotAddUpSaysSo() throws {
        var report = SampleReports.portrait()
        guard case .scored(var score) = report.result else { return XCTFail("scored") }
        score.breakdown.weightedBase += Exact(1)
        report.result = .scored(score)
        XCTAssertTrue(PortraitPage(report).html().contains("明细与总分不一致"))
    }
}
