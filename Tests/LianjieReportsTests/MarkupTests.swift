import XCTest
@testable import LianjieReports
import LianjieScoring

final class MarkupTests: XCTestCase {
    func testEscapingCoversContentAndBothQuoteStyles() {
        XCTAssertEqual(Markup.escape(hostile), hostileEscaped)
        XCTAssertEqual(Markup.escape("廉洁 & 公正"), "廉洁 &amp; 公正")
        XCTAssertEqual(Markup.escape("&amp;"), "&amp;amp;", "already-escaped text is escaped again: the model holds plain text")
    }

    func testCharactersXMLForbidsBecomeReplacementCharacters() {
        XCTAssertEqual(Markup.escape("a\u{0}b\u{1B}c\u{7F}d\u{FFFE}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}")
        XCTAssertEqual(Markup.escape("行\t一\n二\r"), "行\t一\n二\r")
    }

    func testNumbersUseTwoDecimalsAndATrueMinus() {
        XCTAssertEqual(Format.number(Exact("87.5")!), "87.50")
        XCTAssertEqual(Format.number(Exact("-3")!), "\u{2212}3.00")
        XCTAssertEqual(Format.signed(Exact("1.105")!), "+1.11")
        XCTAssertEqual(Format.signed(Exact("-2.864")!), "\u{2212}2.86")
        XCTAssertEqual(Format.signed(Exact("-0.004")!), "0.00", "a change that rounds to nothing has no sign")
        XCTAssertEqual(Format.coordinate(12.34), "12.3")
        XCTAssertEqual(Format.coordinate(-0.04), "0")
        XCTAssertEqual(Format.coordinate(40.0), "40")
        XCTAssertEqual(Format.coordinate(.nan), "0")
    }

    func testLongTextIsCutWithAnEllipsisToFit() {
        let label = "指定设计、施工、设备供应单位（三指定）"
        let fitted = TextMetrics.fit(label, maxWidth: 120, fontSize: 12)
        XCTAssertTrue(fitted.truncated)
        XCTAssertTrue(fitted.text.hasSuffix("…"))
        XCTAssertLessThanOrEqual(TextMetrics.width(fitted.text, fontSize: 12), 120)
        XCTAssertEqual(TextMetrics.fit("按时限办结业务", maxWidth: 200, fontSize: 12).text, "按时限办结业务")
    }

    func testTrigonometryMatchesKnownValues() {
        for (theta, c, s) in [(0.0, 1.0, 0.0), (Double.pi / 2, 0, 1), (-Double.pi / 2, 0, -1), (Double.pi / 6, 0.866_025_403_784_438_6, 0.5),
                              (7 * Double.pi / 6, -0.866_025_403_784_438_6, -0.5), (12.5 * Double.pi, 0, 1), (13.5 * Double.pi, 0, -1)] {
            let r = Trigonometry.cosSin(theta)
            XCTAssertEqual(r.cos, c, accuracy: 1e-12, "cos \(theta)")
            XCTAssertEqual(r.sin, s, accuracy: 1e-12, "sin \(theta)")
        }
    }

    func testAxisStepsAreRound() {
        XCTAssertEqual(AxisScale.niceStep(span: 40, count: 5), 10)
        XCTAssertEqual(AxisScale.niceStep(span: 97, count: 4), 50)
        XCTAssertEqual(AxisScale.niceStep(span: 0.9, count: 5), 0.2)
        XCTAssertEqual(AxisScale(lower: 60, upper: 100, from: 0, to: 1).ticks(step: 10), [60, 70, 80, 90, 100])
        XCTAssertEqual(AxisScale.label(-2.5), "\u{2212}2.5")
    }

    func testLabelsInBothLanguages() {
        XCTAssertEqual(Grade.allCases.map(\.reportLabel.zh), ["优秀", "良好", "一般", "较差"])
        XCTAssertEqual(Dimension.allCases.map(\.reportLabel.zh), ["廉洁行为", "廉洁意识", "廉洁问题"])
        XCTAssertEqual(Grade.poor.reportLabel.both, "较差 Poor")
    }
}
