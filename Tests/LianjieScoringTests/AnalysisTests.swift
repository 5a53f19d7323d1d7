import Foundation
import XCTest
@testable import LianjieScoring

final class AnalysisTests: XCTestCase {
    func testGradeBoundsAreInclusiveAtExactlyTheEdge() {
        let bands = defaultScheme.scheme.grades
        XCTAssertEqual(bands.grade(Exact(90)), .excellent)
        XCTAssertEqual(bands.grade(Exact(units: Exact(90).units - 1)), .good, "one 10⁻¹² below 90")
        XCTAssertEqual(bands.grade(Exact(80)), .good)
        XCTAssertEqual(bands.grade(Exact("79.999999999999")!), .fair)
        XCTAssertEqual(bands.grade(Exact(70)), .fair)
        XCTAssertEqual(bands.grade(Exact("69.99")!), .poor)
        XCTAssertEqual(bands.grade(Exact(0)), .poor)
    }

    func testAScoreLandingExactlyOnABandEdge() {
        // Awareness +10 → 90, with behaviour 80 and problems 100: 32 + 18 + 40 = 90 exactly.
        let entries = (0..<5).map { ScoringEntry(id: UInt64($0), tag: tag("COMMON", "WARNING_EDUCATION"), occurredOn: day("2026-01-1\($0)")) }
        let r = Scorer(defaultScheme).score(hvManager, entries: Array(entries.prefix(2)) + [
            ScoringEntry(id: 10, tag: tag("COMMON", "INTEGRITY_TRAINING"), occurredOn: day("2026-01-20"), quantity: 300)], period: q1)
        XCTAssertEqual(r.dimension(.awareness)?.score, Exact(90))
        XCTAssertEqual(r.total, Exact(90))
        XCTAssertEqual(r.grade, .excellent)
    }

    func testTheSameInputsGiveTheSameBytesInAnyOrder() {
        var g = SeededGenerator(state: 7)
        let entries = randomEntries(count: 300, using: &g)
        let a = Scorer(defaultScheme).score(hvManager, entries: entries, period: q1)
        let b = Scorer(defaultScheme).score(hvManager, entries: entries.shuffled(using: &g), period: q1)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.total?.description, b.total?.description)
    }

    func testTheSchemeHashIsStableAndChangesWithTheScheme() throws {
        let again = try CompiledScheme(try SchemeLoader.defaultScheme())
        XCTAssertEqual(again.hash, defaultScheme.hash)
        XCTAssertEqual(defaultScheme.hash.count, 64)
        var changed = defaultScheme.scheme
        changed.categoryCoefficients["HV_EXPANSION"]?[.problems] = 125
        XCTAssertNotEqual(changed.hash, defaultScheme.hash)
        // The hash is over a canonical text, so the order libraries are listed in does not matter.
        var reordered = defaultScheme.scheme
        reordered.libraries.reverse()
        XCTAssertEqual(reordered.hash, defaultScheme.hash)
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array(String(repeating: "a", count: 1000).utf8)),
                       "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// Random inputs, thousands of them: the breakdown always adds up to the score, exactly.
    func testTheBreakdownAlwaysSumsExactlyToTheScore() {
        var g = SeededGenerator(state: 2026)
        let categories = ["HV_EXPANSION", "LV_EXPANSION", "METERING_INSPECTION", "OTHER"]
        let scorer = Scorer(defaultScheme)
        for i in 0..<3000 {
            let subject = ScoringSubject(id: "s\(i)", category: categories[Int(g.next() % 4)], postCoefficient: Int64.random(in: 50...300, using: &g))
            let entries = randomEntries(count: Int.random(in: 0...120, using: &g), using: &g)
            let r = scorer.score(subject, entries: entries, period: Period(.quarter, year: 2026, index: Int.random(in: 1...4, using: &g))!)
            XCTAssertEqual(r.breakdown.count, entries.count)
            guard !r.noData else {
                XCTAssertFalse(r.breakdown.contains { $0.outcome == .counted || $0.outcome == .overCountLimit })
                continue
            }
            var total = Exact.zero
            for d in r.dimensions {
                let parts = r.breakdown.filter { $0.dimension == d.dimension && $0.outcome == .counted }.reduce(Exact.zero) { $0 + $1.contribution }
                XCTAssertEqual(parts, d.entries)
                XCTAssertEqual(d.base + d.entries + d.adjustment, d.score)
                let rule = defaultScheme.scheme.dimensions[d.dimension]!
                XCTAssertTrue(rule.minimum <= d.score && d.score <= rule.maximum)
                XCTAssertEqual(d.score.times(hundredths: d.weight), d.weighted)
                total += d.weighted
            }
            XCTAssertEqual(total, r.total)
            for line in r.breakdown where line.outcome != .counted { XCTAssertEqual(line.contribution, .zero) }
            for line in r.breakdown where line.outcome == .counted {
                let product = Int128(line.points) * Int128(line.quantity) * Int128(line.tagCoefficient) * Int128(line.categoryCoefficient)
                    * Int128(line.postCoefficient) * 100
                XCTAssertEqual(abs(line.contribution.units), product, "contribution = points × quantity × coefficients")
            }
            XCTAssertEqual(r.grade == .poor && r.vetoed || !r.vetoed, true)
            if r.vetoed { XCTAssertEqual(r.grade, .poor) }
        }
    }

    func testRankingSharesRanksOnTiesAndSkipsAfter() {
        func result(_ id: String, _ total: String?) -> SubjectResult {
            SubjectResult(subjectID: id, period: q1, schemeVersion: "v", schemeHash: "h", noData: total == nil, dimensions: [],
                          total: total.map { Exact($0)! }, grade: nil, vetoEntries: [], countedEntries: 0, breakdown: [])
        }
        let s = Ranking.standings([result("a", "91"), result("b", "85.5"), result("c", "85.5"), result("d", "70"), result("e", nil)])
        XCTAssertEqual(s["a"]?.rank, 1)
        XCTAssertEqual(s["b"]?.rank, 2)
        XCTAssertEqual(s["c"]?.rank, 2)
        XCTAssertEqual(s["d"]?.rank, 4)
        XCTAssertNil(s["e"], "no data, no rank")
        XCTAssertEqual(s["a"]?.percentile, Exact(100))
        XCTAssertEqual(s["b"]?.percentile, Exact("33.33"), "1 of the 3 others is lower")
        XCTAssertEqual(s["d"]?.percentile, Exact(0))
        XCTAssertEqual(s["a"]?.peers, 4)
        XCTAssertEqual(Ranking.standings([result("only", "50")])["only"]?.percentile, Exact(100))
    }

    func testDiffFromThePreviousPeriodPerDimensionAndTag() {
        let scorer = Scorer(defaultScheme)
        let gift = ScoringEntry(id: 1, tag: tag("COMMON", "GIFT_ACCEPTED"), occurredOn: day("2025-12-20"))
        let praise = ScoringEntry(id: 2, tag: tag("COMMON", "CUSTOMER_PRAISE"), occurredOn: day("2026-02-01"))
        let before = scorer.score(hvManager, entries: [gift], period: q1.previous!)
        let after = scorer.score(hvManager, entries: [gift, praise], period: q1)
        let diff = Comparison.diff(from: before, to: after)
        XCTAssertEqual(diff.dimensionChanges[.behaviour], Exact("2.2"))
        XCTAssertEqual(diff.dimensionChanges[.problems], Exact(0), "the gift still counts in its window")
        XCTAssertEqual(diff.totalChange, Exact("0.88"))
        XCTAssertEqual(diff.tagChanges.map(\.tag), ["COMMON/CUSTOMER_PRAISE"])
        XCTAssertEqual(diff.tagChanges.first?.change, Exact("2.2"))
    }

    func testWhatIfShowsWhoChangesGrade() throws {
        var stricter = defaultScheme.scheme
        stricter.version = "2026.2-draft"
        stricter.grades.good = Exact(86)
        let proposed = try CompiledScheme(stricter)
        let subjects = (0..<3).map { i -> (ScoringSubject, [ScoringEntry]) in
            (ScoringSubject(id: "s\(i)", category: "HV_EXPANSION", postCoefficient: 130),
             (0..<(i * 2)).map { ScoringEntry(id: UInt64($0), tag: tag("COMMON", "CUSTOMER_PRAISE"), occurredOn: day("2026-01-1\($0)")) }
                + [ScoringEntry(id: 50, tag: tag("COMMON", "CONFLICT_UNDECLARED"), occurredOn: day("2026-02-01"))])
        }
        let changes = WhatIf.compare(subjects, period: q1, current: defaultScheme, proposed: proposed)
        // s0: 80 × 0.4 + 80 × 0.2 + (100 − 5 × 1.2 × 1.3) × 0.4 = 84.88; s1 adds 2 praises (+4.4 behaviour);
        // s2 has 4 but only 3 count (+6.6).
        XCTAssertEqual(changes.map(\.before.total), [Exact("84.88"), Exact("86.64"), Exact("87.52")])
        XCTAssertEqual(changes.filter(\.gradeChanged).map(\.subjectID), ["s0"], "84.88 is good today and fair under a good band of 86")
        XCTAssertEqual(changes[0].after.schemeVersion, "2026.2-draft")
    }

    func testWhatIfMapsTagsToANewLibraryVersion() throws {
        var next = defaultScheme.scheme
        var common = next.libraries.first { $0.code == "COMMON" }!
        common.version = 2
        common.tags = common.tags.map { t in var t = t; if t.code == "GIFT_ACCEPTED" { t.points = 1200 }; return t }
        next.libraries.append(common)
        let proposed = try CompiledScheme(next)
        let e = [ScoringEntry(id: 1, tag: tag("COMMON", "GIFT_ACCEPTED"), occurredOn: day("2026-01-05"))]
        let change = WhatIf.compare([(hvManager, e)], period: q1, current: defaultScheme, proposed: proposed)[0]
        XCTAssertEqual(change.before.dimension(.problems)?.entries, Exact("-15.6"))
        XCTAssertEqual(change.after.dimension(.problems)?.entries, Exact("-18.72"), "v1 entries scored by v2's points")
    }

    func randomEntries(count: Int, using g: inout SeededGenerator) -> [ScoringEntry] {
        let statuses: [EntryStatus] = [.confirmed, .confirmed, .confirmed, .confirmed, .submitted, .rejected, .revoked]
        return (0..<count).map { i in
            ScoringEntry(id: UInt64(i + 1), tag: Int32.random(in: 0..<Int32(defaultScheme.tags.count + 2), using: &g),
                         occurredOn: Day(ordinal: day("2023-06-01").ordinal + Int32.random(in: 0...1300, using: &g)),
                         quantity: Int64.random(in: 1...1000, using: &g), status: statuses.randomElement(using: &g)!)
        }
    }
}
