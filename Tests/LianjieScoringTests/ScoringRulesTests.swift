import XCTest
@testable import LianjieScoring

final class ScoringRulesTests: XCTestCase {
    let scorer = Scorer(defaultScheme)

    func score(_ entries: [ScoringEntry], subject: ScoringSubject = hvManager, period: Period = q1) -> SubjectResult {
        scorer.score(subject, entries: entries, period: period)
    }

    func entry(_ id: UInt64, _ library: String, _ code: String, _ date: String, quantity: Int64 = 100,
               status: EntryStatus = .confirmed) -> ScoringEntry {
        ScoringEntry(id: id, tag: tag(library, code), occurredOn: day(date), quantity: quantity, status: status)
    }

    func testEachDimensionMovesFromItsBase() {
        let r = score([entry(1, "COMMON", "CUSTOMER_PRAISE", "2026-02-01"),
                       entry(2, "COMMON", "INTEGRITY_TRAINING", "2026-02-02"),
                       entry(3, "COMMON", "CONFLICT_UNDECLARED", "2026-02-03")])
        XCTAssertEqual(r.dimension(.behaviour)?.score, Exact("82.2"), "80 + 2 × 1.10 (HV behaviour)")
        XCTAssertEqual(r.dimension(.awareness)?.score, Exact("82"), "80 + 2")
        XCTAssertEqual(r.dimension(.problems)?.score, Exact("92.2"), "100 − 5 × 1.20 (HV problems) × 1.30 (post)")
        XCTAssertEqual(r.total, Exact("86.16"), "82.2 × 0.4 + 82 × 0.2 + 92.2 × 0.4 = 32.88 + 16.4 + 36.88")
        XCTAssertEqual(r.grade, .good)
    }

    func testEveryCoefficientAppliesAndThePostWeighsDebitsOnly() {
        let lv = ScoringSubject(id: "lv", category: "LV_EXPANSION", postCoefficient: 150)
        let r = score([entry(1, "COMMON", "FAVOUR_SOLICITED", "2026-01-05", quantity: 200),
                       entry(2, "COMMON", "CUSTOMER_PRAISE", "2026-01-06")], subject: lv)
        // 15 points × 2 × tag 1.20 × LV problems 1.10 × post 1.50 = 59.4
        XCTAssertEqual(r.breakdown[0].contribution, Exact("-59.4"))
        XCTAssertEqual(r.breakdown[0].postCoefficient, 150)
        // a credit: 2 × LV behaviour 1.00, and no post coefficient
        XCTAssertEqual(r.breakdown[1].contribution, Exact("2"))
        XCTAssertEqual(r.breakdown[1].postCoefficient, 100)
        let other = ScoringSubject(id: "x", category: "UNLISTED", postCoefficient: 100)
        XCTAssertEqual(score([entry(1, "COMMON", "GIFT_ACCEPTED", "2026-01-05")], subject: other).breakdown[0].contribution,
                       Exact("-10"), "a category without coefficients uses 1.00")
    }

    func testARedLineVetoesAGoodScore() {
        var entries = (0..<5).map { entry(UInt64($0), "COMMON", "ON_TIME_HANDLING", "2026-01-0\($0 + 1)") }
        entries.append(entry(99, "HV_EXPANSION", "HV_DESIGNATED_FIRMS", "2025-06-01"))
        let r = score(entries)
        XCTAssertEqual(r.vetoEntries, [99], "三指定 two quarters ago is still inside its 36-month window")
        XCTAssertEqual(r.grade, .poor)
        XCTAssertGreaterThan(r.total!, Exact(70), "the points alone would not make it poor")
        let outside = score([entry(99, "HV_EXPANSION", "HV_DESIGNATED_FIRMS", "2022-12-01")] + entries.dropLast())
        XCTAssertTrue(outside.vetoEntries.isEmpty, "36 months later the red line no longer counts")
        XCTAssertNotEqual(outside.grade, .poor)
    }

    func testWindowsLetARecordRecover() {
        // HV_STAGE_OVERDUE counts for 6 months: Q1 2026 ends 2026-03-31, so an earlier entry
        // counts if it happened after 2025-09-30.
        let edge = score([entry(1, "HV_EXPANSION", "HV_STAGE_OVERDUE", "2025-09-30"), entry(2, "COMMON", "ON_TIME_HANDLING", "2026-01-02")])
        XCTAssertEqual(edge.breakdown[0].outcome, .outsideWindow, "exactly 6 months before the period ends: expired")
        let inside = score([entry(1, "HV_EXPANSION", "HV_STAGE_OVERDUE", "2025-10-01")])
        XCTAssertEqual(inside.breakdown[0].outcome, .counted)
        // A window shorter than the period never drops an entry from its own period.
        let own = score([entry(1, "COMMON", "ON_TIME_HANDLING", "2026-01-01")])
        XCTAssertEqual(own.breakdown[0].outcome, .counted, "3-month window, first day of the quarter")
        let monthly = (1...5).map { m in score([entry(1, "COMMON", "ON_TIME_HANDLING", "2026-01-08")], period: Period(.month, year: 2026, index: m)!).noData }
        XCTAssertEqual(monthly, [false, false, false, true, true], "a 3-month tag counts in January, February and March")
        let future = score([entry(1, "COMMON", "ON_TIME_HANDLING", "2026-04-01")])
        XCTAssertEqual(future.breakdown[0].outcome, .outsideWindow, "after the period's last day")
        XCTAssertTrue(future.noData)
        // The same debit in later quarters: counted, counted, then gone.
        let e = [entry(1, "COMMON", "GIFT_ACCEPTED", "2025-02-10")]
        XCTAssertEqual(score(e, period: Period(.quarter, year: 2026, index: 4)!).dimension(.problems)?.score, Exact("84.4"))
        XCTAssertTrue(score(e, period: Period(.quarter, year: 2027, index: 1)!).noData, "a period ending 24 months or more after it: nothing counts")
    }

    func testAnEvaluationDateLeavesOutWhatHappenedLater() {
        let entries = [entry(1, "COMMON", "CUSTOMER_PRAISE", "2026-02-01"), entry(2, "COMMON", "GIFT_ACCEPTED", "2026-03-10")]
        let early = scorer.score(hvManager, entries: entries, period: q1, evaluatedOn: day("2026-03-09"))
        XCTAssertEqual(early.breakdown.map(\.outcome), [.counted, .afterEvaluation])
        XCTAssertEqual(early.dimension(.problems)?.score, Exact(100))
        let onTheDay = scorer.score(hvManager, entries: entries, period: q1, evaluatedOn: day("2026-03-10"))
        XCTAssertEqual(onTheDay.breakdown.map(\.outcome), [.counted, .counted], "the evaluation date itself is included")
        XCTAssertEqual(scorer.score(hvManager, entries: entries, period: q1), onTheDay)
    }

    func testCountLimitsCutTheLatestEntriesOfAPeriod() {
        let entries = (1...7).map { entry(UInt64($0), "COMMON", "ON_TIME_HANDLING", "2026-02-\(10 + $0)") }
        let r = score(entries.reversed())
        XCTAssertEqual(r.breakdown.map(\.outcome), Array(repeating: .counted, count: 5) + [.overCountLimit, .overCountLimit])
        XCTAssertEqual(r.breakdown.map(\.entryID), [1, 2, 3, 4, 5, 6, 7], "the earliest count, whatever the input order")
        XCTAssertEqual(r.dimension(.behaviour)?.entries, Exact("5.5"))
        XCTAssertEqual(r.countedEntries, 5)
    }

    func testOnlyConfirmedApplicableKnownEntriesCount() {
        let r = score([entry(1, "COMMON", "GIFT_ACCEPTED", "2026-01-05", status: .submitted),
                       entry(2, "COMMON", "GIFT_ACCEPTED", "2026-01-06", status: .rejected),
                       entry(3, "COMMON", "GIFT_ACCEPTED", "2026-01-07", status: .revoked),
                       entry(4, "METERING_INSPECTION", "THEFT_COLLUSION", "2026-01-08"),
                       ScoringEntry(id: 5, tag: 9999, occurredOn: day("2026-01-09"))])
        XCTAssertEqual(r.breakdown.map(\.outcome), [.notConfirmed, .notConfirmed, .notConfirmed, .notApplicable, .unknownTag])
        XCTAssertTrue(r.noData, "nothing counted, so no score — not a perfect one")
        XCTAssertNil(r.total)
        XCTAssertNil(r.grade)
        XCTAssertTrue(r.vetoEntries.isEmpty, "a red line of another category's library does not apply")
    }

    func testNoEntriesIsNoDataNotAPerfectRecord() {
        let r = score([])
        XCTAssertTrue(r.noData)
        XCTAssertNil(r.total)
        XCTAssertTrue(r.dimensions.isEmpty)
    }

    func testScoresStayInsideTheirRangeWithTheAdjustmentShown() {
        let many = (0..<40).map { entry(UInt64($0), "COMMON", "FAVOUR_SOLICITED", "2026-01-01") }
        let r = score(many)
        let p = r.dimension(.problems)!
        XCTAssertEqual(p.score, Exact(0))
        XCTAssertEqual(p.entries, Exact("-1123.2"), "40 × 15 × 1.20 × 1.20 × 1.30")
        XCTAssertEqual(p.adjustment, Exact("1023.2"))
        XCTAssertEqual(p.base + p.entries + p.adjustment, p.score)
    }
}
