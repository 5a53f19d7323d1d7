import Foundation
import XCTest
@testable import LianjieScoring

/// Every number of the scoring guide's worked example, computed and checked — and found
/// in the guide's text, so the guide cannot drift from the code.
final class WorkedExampleTests: XCTestCase {
    static let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/LianjieScoring/LianjieScoring.docc/ScoringGuide.md")

    let subject = ScoringSubject(id: "张伟", category: "HV_EXPANSION", postCoefficient: 130)

    var entries: [ScoringEntry] {
        func e(_ id: UInt64, _ library: String, _ code: String, _ date: String, _ quantity: Int64 = 100, _ status: EntryStatus = .confirmed) -> ScoringEntry {
            ScoringEntry(id: id, tag: tag(library, code), occurredOn: day(date), quantity: quantity, status: status)
        }
        return [
            e(1, "COMMON", "ON_TIME_HANDLING", "2026-01-08"),
            e(2, "HV_EXPANSION", "HV_ON_TIME_CONNECTION", "2026-01-15", 200),
            e(3, "COMMON", "CUSTOMER_PRAISE", "2026-02-03"),
            e(4, "HV_EXPANSION", "HV_STAGE_OVERDUE", "2026-02-20"),
            e(5, "COMMON", "INTEGRITY_TRAINING", "2026-03-05"),
            e(6, "COMMON", "PLEDGE_SIGNED", "2026-03-06"),
            e(7, "COMMON", "PLEDGE_SIGNED", "2026-03-18"),
            e(8, "COMMON", "BANQUET_ACCEPTED", "2025-11-12"),
            e(9, "HV_EXPANSION", "HV_STAGE_OVERDUE", "2025-06-20"),
            e(10, "COMMON", "GIFT_ACCEPTED", "2026-03-25", 100, .submitted),
        ]
    }

    func testTheFirstQuarter() throws {
        let text = try String(contentsOf: Self.guide, encoding: .utf8)
        let r = Scorer(defaultScheme).score(subject, entries: entries, period: q1)
        let byID = Dictionary(uniqueKeysWithValues: r.breakdown.map { ($0.entryID, $0) })
        let expected: [(UInt64, BreakdownLine.Outcome, String)] = [
            (1, .counted, "1.1"), (2, .counted, "3.3"), (3, .counted, "2.2"), (4, .counted, "-2.86"), (5, .counted, "2"),
            (6, .counted, "3"), (7, .overCountLimit, "0"), (8, .counted, "-12.48"), (9, .outsideWindow, "0"), (10, .notConfirmed, "0"),
        ]
        for (id, outcome, contribution) in expected {
            XCTAssertEqual(byID[id]?.outcome, outcome, "entry \(id)")
            XCTAssertEqual(byID[id]?.contribution, Exact(contribution), "entry \(id)")
        }
        for shown in ["+1.10", "+3.30", "+2.20", "-2.86", "+2.00", "+3.00", "-12.48"] {
            XCTAssertTrue(text.contains("= \(shown)") || text.contains("| \(shown) |"), "the guide shows \(shown)")
        }
        XCTAssertEqual(r.dimension(.behaviour)?.entries, Exact("3.74"))
        XCTAssertEqual(r.dimension(.behaviour)?.score, Exact("83.74"))
        XCTAssertEqual(r.dimension(.behaviour)?.weighted, Exact("33.496"))
        XCTAssertEqual(r.dimension(.awareness)?.entries, Exact("5"))
        XCTAssertEqual(r.dimension(.awareness)?.score, Exact("85"))
        XCTAssertEqual(r.dimension(.awareness)?.weighted, Exact("17"))
        XCTAssertEqual(r.dimension(.problems)?.score, Exact("87.52"))
        XCTAssertEqual(r.dimension(.problems)?.weighted, Exact("35.008"))
        XCTAssertEqual(r.total, Exact("85.504"))
        XCTAssertEqual(r.grade, .good)
        for shown in ["= 3.74 | 83.74 | × 0.40 = 33.496", "| 85 | × 0.20 = 17", "| 87.52 | × 0.40 = 35.008", "**Total 85.504, grade good.**"] {
            XCTAssertTrue(text.contains(shown), "the guide shows \(shown)")
        }
    }

    func testTheLaterQuarters() throws {
        let text = try String(contentsOf: Self.guide, encoding: .utf8)
        let scorer = Scorer(defaultScheme)
        let rows: [(Period, String, String, String, String, Grade)] = [
            (Period(.quarter, year: 2026, index: 2)!, "79.34", "85", "87.52", "83.744", .good),
            (Period(.quarter, year: 2026, index: 4)!, "80", "85", "87.52", "84.008", .good),
            (Period(.quarter, year: 2027, index: 1)!, "80", "80", "87.52", "83.008", .good),
        ]
        for (period, behaviour, awareness, problems, total, grade) in rows {
            let r = scorer.score(subject, entries: entries, period: period)
            XCTAssertEqual(r.dimension(.behaviour)?.score, Exact(behaviour), "\(period)")
            XCTAssertEqual(r.dimension(.awareness)?.score, Exact(awareness), "\(period)")
            XCTAssertEqual(r.dimension(.problems)?.score, Exact(problems), "\(period)")
            XCTAssertEqual(r.total, Exact(total), "\(period)")
            XCTAssertEqual(r.grade, grade, "\(period)")
            XCTAssertTrue(text.contains("| \(period) |") && text.contains("| \(behaviour) | \(awareness) | \(problems) | \(total) | \(grade.rawValue) |"),
                          "the guide shows \(period)")
        }
        XCTAssertTrue(scorer.score(subject, entries: entries, period: Period(.quarter, year: 2027, index: 4)!).noData)
        XCTAssertTrue(text.contains("| 2027-Q4 | nothing | — | — | — | no data | — |"))

        let diff = Comparison.diff(from: scorer.score(subject, entries: entries, period: q1),
                                   to: scorer.score(subject, entries: entries, period: Period(.quarter, year: 2026, index: 2)!))
        XCTAssertEqual(diff.totalChange, Exact("-1.76"))
        XCTAssertEqual(diff.dimensionChanges[.behaviour], Exact("-4.4"))
        XCTAssertTrue(text.contains("falls by 1.76") && text.contains("took 4.40 off behaviour"))
    }

    func testTheDefaultsTheGuideStates() throws {
        let s = defaultScheme.scheme
        XCTAssertEqual(s.dimensions[.behaviour], DimensionRule(base: Exact(80), minimum: Exact(0), maximum: Exact(100), weight: 40))
        XCTAssertEqual(s.dimensions[.awareness], DimensionRule(base: Exact(80), minimum: Exact(0), maximum: Exact(100), weight: 20))
        XCTAssertEqual(s.dimensions[.problems], DimensionRule(base: Exact(100), minimum: Exact(0), maximum: Exact(100), weight: 40))
        XCTAssertEqual(s.grades, GradeBands(excellent: Exact(90), good: Exact(80), fair: Exact(70)))
        XCTAssertEqual(s.categoryCoefficient("HV_EXPANSION", .behaviour), 110)
        XCTAssertEqual(s.categoryCoefficient("HV_EXPANSION", .problems), 120)
        XCTAssertEqual(s.categoryCoefficient("NONE", .problems), 100)
    }
}
