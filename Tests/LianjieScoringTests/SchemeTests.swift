import Foundation
import XCTest
@testable import LianjieScoring

final class SchemeTests: XCTestCase {
    func testTheDefaultSchemeIsTheOnePlusThree() {
        let s = defaultScheme.scheme
        XCTAssertEqual(s.libraries.filter { $0.category == nil }.map(\.code), ["COMMON"])
        XCTAssertEqual(Set(s.libraries.compactMap(\.category)), ["HV_EXPANSION", "LV_EXPANSION", "METERING_INSPECTION"])
        for d in Dimension.allCases {
            XCTAssertTrue(s.libraries.flatMap(\.tags).contains { $0.dimension == d && $0.polarity == .credit } || d == .problems)
            XCTAssertTrue(s.libraries.flatMap(\.tags).contains { $0.dimension == d && $0.polarity == .debit })
        }
        XCTAssertTrue(s.libraries.flatMap(\.tags).contains { $0.redLine })
        XCTAssertTrue(s.libraries.flatMap(\.tags).allSatisfy { !$0.redLine || $0.immediateAlert }, "every red line alerts at once")
    }

    func load(_ json: String) -> SchemeError? {
        do { _ = try SchemeLoader.load(Data(json.utf8)); return nil } catch { return error }
    }

    func defaultJSON() throws -> String {
        try String(contentsOf: Bundle.module.url(forResource: "default-scheme", withExtension: "json") ?? URL(fileURLWithPath: "/nonexistent"), encoding: .utf8)
    }

    func testBadFilesNameTheBadField() throws {
        let good = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LianjieScoring/Resources/default-scheme.json").path, encoding: .utf8)
        XCTAssertNil(load(good))
        func mutated(_ from: String, _ to: String) -> String {
            precondition(good.contains(from), from)
            return good.replacingOccurrences(of: from, with: to, options: [], range: good.range(of: from))
        }
        let cases: [(String, String, String)] = [
            (#""points": "1", "windowMonths": 3"#, #""points": 1, "windowMonths": 3"#, "libraries[0].tags[0].points"),
            (#""points": "1", "windowMonths": 3"#, #""points": "1.005", "windowMonths": 3"#, "libraries[0].tags[0].points"),
            (#""points": "1", "windowMonths": 3"#, #""points": "0", "windowMonths": 3"#, "libraries[0].tags[0].points"),
            (#""dimension": "behaviour", "polarity": "credit", "points": "1""#, #""dimension": "honesty", "polarity": "credit", "points": "1""#, "libraries[0].tags[0].dimension"),
            (#""weight": "0.20""#, #""weight": "0.25""#, "dimensions"),
            (#""polarity": "debit", "points": "30", "redLine": true"#, #""polarity": "credit", "points": "30", "redLine": true"#, "libraries[0].tags[12].redLine"),
            (#""windowMonths": 3, "maxPerPeriod": 5 },"#, #""windowMonths": 0, "maxPerPeriod": 5 },"#, "libraries[0].tags[0].windowMonths"),
            (#""version": "2026.1","#, "", "version"),
            (#""code": "CUSTOMER_PRAISE""#, #""code": "ON_TIME_HANDLING""#, "libraries[0].tags[1].code"),
            (#""excellent": "90""#, #""excellent": "75""#, "grades"),
        ]
        for (from, to, field) in cases {
            let error = load(mutated(from, to))
            XCTAssertNotNil(error, "\(from) → \(to)")
            if !field.isEmpty { XCTAssertEqual(error?.field, field, "\(from) → \(to): \(error?.description ?? "")") }
            XCTAssertFalse(error?.reason.isEmpty ?? true)
        }
        XCTAssertEqual(load("{")?.reason, "is not valid JSON")
    }

    func testDaysAndPeriods() {
        XCTAssertEqual(Day("1970-01-01")?.ordinal, 0)
        XCTAssertEqual(Day("2024-02-29")?.description, "2024-02-29")
        XCTAssertNil(Day("2025-02-29"))
        XCTAssertNil(Day("2025-13-01"))
        XCTAssertEqual(day("2024-03-31").addingMonths(-1), day("2024-02-29"))
        XCTAssertEqual(day("2025-01-31").addingMonths(1), day("2025-02-28"))
        for o in stride(from: Int32(-700_000), through: 1_000_000, by: 997) {
            let d = Day(ordinal: o)
            XCTAssertEqual(Day(d.description), d)
        }
        let q = Period(.quarter, year: 2026, index: 1)!
        XCTAssertEqual(q.start, day("2026-01-01"))
        XCTAssertEqual(q.end, day("2026-03-31"))
        XCTAssertEqual(Period(.month, year: 2024, index: 2)!.end, day("2024-02-29"))
        XCTAssertEqual(Period(.year, year: 2026)!.end, day("2026-12-31"))
        XCTAssertEqual(q.previous, Period(.quarter, year: 2025, index: 4))
        XCTAssertNil(Period(.month, year: 1900, index: 1)!.previous, "nothing before the first supported year")
        XCTAssertNil(Period(.quarter, year: 2026, index: 5))
    }

    func testExactDecimals() {
        XCTAssertEqual(Exact("1.20")?.hundredths, 120)
        XCTAssertEqual(Exact("-0.005")?.description, "-0.005")
        // Within 64 bits of units and beyond them (the two ways it is written out).
        for text in ["0", "7", "-7", "85.5", "0.000000000001", "-12.340000000001", "18446744.073709551615", "18446744.073709551616",
                     "-18446744.073709551616", "123456789012345678.9", "-99999999999999999999.999999999999"] {
            XCTAssertEqual(Exact(text)?.description, text)
        }
        XCTAssertEqual(Exact("1.50")?.description, "1.5")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let units = Int128(Int64.random(in: Int64.min + 1...Int64.max, using: &generator)) * Int128(Int.random(in: 1...3, using: &generator))
            let text = Exact(units: units).description
            XCTAssertEqual(Exact(text)?.units, units, text)
            XCTAssertFalse(text.contains(".") && text.hasSuffix("0"), text)
        }
        XCTAssertNil(Exact("1.2.3"))
        XCTAssertNil(Exact("abc"))
        XCTAssertNil(Exact("1.0000000000001"), "more than twelve decimals")
        XCTAssertEqual(Exact("85.504")?.formatted(places: 2), "85.50")
        XCTAssertEqual(Exact("85.505")?.formatted(places: 2), "85.51")
        XCTAssertEqual(Exact("-2.5")?.rounded(places: 0), Exact(-3), "halves away from zero")
        XCTAssertEqual(Exact("0.1")! + Exact("0.2")!, Exact("0.3"), "no binary floating point anywhere")
    }
}
