import Foundation
@testable import LianjieScoring
import XCTest

/// A scheme written back to its file, checked for every problem at once, compared, and
/// given library versions when published.
final class SchemeDocumentTests: XCTestCase {
    func testTheFileFormRoundTripsExactly() throws {
        let scheme = try SchemeLoader.defaultScheme()
        let again = try SchemeLoader.load(Data(scheme.fileText.utf8))
        XCTAssertEqual(again, scheme)
        XCTAssertEqual(again.fileText, scheme.fileText)
        XCTAssertEqual(scheme.workOrderRules.map(\.code), ["STAGE_OVERDUE", "COMPLAINT", "DURATION_OUTLIER", "DESIGNATED_FIRM", "REPEATED_SUSPENSION"])
        XCTAssertEqual(scheme.workOrderRules[3].significance, Exact("0.001"))
        XCTAssertEqual(scheme.alertRules.map(\.kind), [.scoreBelow, .gradePoor, .scoreDrop, .debitBurst, .immediateTag, .workOrderHit, .caseOverdue])
        XCTAssertEqual(scheme.alertRules[0].threshold, Exact(75))
    }

    func testAlertRulesAreCheckedAndPartOfTheHash() throws {
        var scheme = try SchemeLoader.defaultScheme()
        let hash = scheme.hash
        scheme.alertRules[0].threshold = Exact("75.5")!
        XCTAssertNotEqual(scheme.hash, hash, "an alert threshold is versioned with the scheme")
        XCTAssertEqual(try SchemeLoader.load(Data(scheme.fileText.utf8)).alertRules[0].threshold, Exact("75.5"))
        XCTAssertEqual(scheme.differences(from: try SchemeLoader.defaultScheme()).count, 1)
        scheme.alertRules[3].count = 1
        scheme.alertRules[2].points = Exact(0)
        scheme.alertRules[1].code = scheme.alertRules[0].code
        let (_, problems) = SchemeLoader.check(Data(scheme.fileText.utf8))
        XCTAssertEqual(problems.map(\.field), ["alertRules[1].code", "alertRules[2].points", "alertRules[3].count"])
        let bad = scheme.fileText.replacingOccurrences(of: "\"kind\": \"scoreDrop\"", with: "\"kind\": \"scoreJump\"")
        XCTAssertEqual(SchemeLoader.check(Data(bad.utf8)).problems.map(\.field), ["alertRules[2].kind"])
    }

    func testDispositionAndOpinionRulesRoundTripAreCheckedAndHashed() throws {
        var scheme = try SchemeLoader.defaultScheme()
        XCTAssertEqual(scheme.dispositionRules.map(\.form), [2, 3, 4])
        XCTAssertEqual(scheme.dispositionRule(form: 2)?.appraisalCap, .fair)
        XCTAssertEqual(scheme.dispositionRule(form: 3)?.tag, "COMMON/DISCIPLINE_FORM_3")
        XCTAssertNil(scheme.dispositionRule(form: 1))
        XCTAssertEqual(scheme.opinionRules.map(\.kind), [.openCase, .disposition, .redLineVeto])
        XCTAssertEqual(scheme.opinionRules.map(\.conclusion), [.deferred, .objection, .objection])
        XCTAssertTrue(OpinionConclusion.objection > .deferred && OpinionConclusion.deferred > .noObjection)

        let hash = scheme.hash
        scheme.dispositionRules[0].capMonths = 18
        XCTAssertNotEqual(scheme.hash, hash, "a cap's length is versioned with the scheme")
        XCTAssertEqual(try SchemeLoader.load(Data(scheme.fileText.utf8)), scheme)
        XCTAssertEqual(scheme.differences(from: try SchemeLoader.defaultScheme()), ["~ disposition form 2: tag=COMMON/DISCIPLINE_FORM_2 cap=fair months=12 → tag=COMMON/DISCIPLINE_FORM_2 cap=fair months=18"])

        scheme.dispositionRules[0].tag = "COMMON/ON_TIME_HANDLING"
        scheme.dispositionRules[1].tag = "COMMON/NO_SUCH"
        scheme.dispositionRules[2].form = 3
        scheme.opinionRules[0].conclusion = .noObjection
        scheme.opinionRules[2].months = 0
        let (_, problems) = SchemeLoader.check(Data(scheme.fileText.utf8))
        XCTAssertEqual(problems.map(\.field), ["dispositionRules[0].tag", "dispositionRules[1].tag", "dispositionRules[2].form",
                                               "opinionRules[0].conclusion", "opinionRules[2].months"])
        let bad = scheme.fileText.replacingOccurrences(of: "\"kind\": \"openCase\"", with: "\"kind\": \"openFile\"")
        XCTAssertEqual(SchemeLoader.check(Data(bad.utf8)).problems.map(\.field), ["opinionRules[0].kind"])
        let misspelt = try SchemeLoader.defaultScheme().fileText.replacingOccurrences(of: "\"capMonths\"", with: "\"capMonth\"")
        XCTAssertEqual(SchemeLoader.check(Data(misspelt.utf8)).problems.map(\.field), ["dispositionRules[0].capMonth"])
    }

    func testEveryProblemIsReportedWithItsPath() throws {
        var scheme = try SchemeLoader.defaultScheme()
        scheme.libraries[0].tags[0].points = 0
        scheme.libraries[1].tags[1].windowMonths = 99
        scheme.grades.fair = Exact(95)
        scheme.workOrderRules[0].tag = "HV_EXPANSION/NO_SUCH"
        scheme.postCoefficients["HV_TEAM_LEADER"] = 900
        let (_, problems) = SchemeLoader.check(Data(scheme.fileText.utf8))
        XCTAssertEqual(problems.map(\.field), ["libraries[0].tags[0].points", "libraries[1].tags[1].windowMonths",
                                               "postCoefficients.HV_TEAM_LEADER", "grades", "workOrderRules[0].tag"])
    }

    func testAMisspeltFieldIsNamedRatherThanIgnored() throws {
        let text = try SchemeLoader.defaultScheme().fileText.replacingOccurrences(of: "\"graceDays\"", with: "\"graceDay\"")
        let (scheme, problems) = SchemeLoader.check(Data(text.utf8))
        XCTAssertNil(scheme)
        XCTAssertEqual(problems.map(\.field), ["workOrderRules[0].graceDay"])
    }

    func testDifferencesNameWhatChanged() throws {
        let old = try SchemeLoader.defaultScheme()
        var new = old
        new.libraries[0].tags[0].points = 150
        new.libraries[0].tags.append(Tag(code: "NEW_ONE", name: "新", dimension: .awareness, polarity: .credit, points: 100, windowMonths: 3))
        new.grades.excellent = Exact(92)
        let lines = new.differences(from: old)
        XCTAssertEqual(lines.count, 3, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("+ tag COMMON/NEW_ONE") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("~ tag COMMON/ON_TIME_HANDLING") && $0.contains(" 1 points") && $0.contains(" 1.5 points") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("~ grades") })
        XCTAssertEqual(old.differences(from: old), [])
    }

    func testPublishingBumpsOnlyTheLibrariesThatChanged() throws {
        let v1 = try SchemeLoader.defaultScheme().versioned(after: nil)
        var draft = v1
        draft.libraries[1].tags[0].points += 10
        draft.grades.good = Exact(81)
        let v2 = draft.versioned(after: v1)
        XCTAssertEqual(v2.libraries.map(\.version), [1, 2, 1, 1])
        XCTAssertEqual(v2.versioned(after: v2).libraries.map(\.version), [1, 2, 1, 1], "nothing changed: nothing bumped")
        var removed = v2
        removed.libraries[0].tags.removeFirst()
        XCTAssertEqual(removed.removedTags(since: v2), ["COMMON/ON_TIME_HANDLING"])
    }
}

/// Appraisal caps from dispositions.
final class AppraisalCapTests: XCTestCase {
    func testTheStrictestCapThatHoldsOnThePeriodsEndWins() throws {
        let rules = try SchemeLoader.defaultScheme().dispositionRules  // 2: fair 12 months; 3: poor 24; 4: poor 60
        let end = Day("2026-12-31")!
        func d(_ form: Int, _ day: String) -> AppraisalCap.Disposition { .init(form: form, day: Day(day)!) }
        XCTAssertNil(AppraisalCap.cap(on: end, dispositions: [], rules: rules))
        XCTAssertEqual(AppraisalCap.cap(on: end, dispositions: [d(2, "2026-03-01")], rules: rules)?.grade, .fair)
        // Twelve months after 2025-12-31 is 2026-12-31: the cap no longer holds on that day.
        XCTAssertNil(AppraisalCap.cap(on: end, dispositions: [d(2, "2025-12-31")], rules: rules))
        XCTAssertEqual(AppraisalCap.cap(on: end, dispositions: [d(2, "2026-01-01")], rules: rules)?.grade, .fair)
        // A disposition after the period's end does not reach back.
        XCTAssertNil(AppraisalCap.cap(on: end, dispositions: [d(3, "2027-01-02")], rules: rules))
        // The first form caps nothing; the strictest of several wins.
        let found = AppraisalCap.cap(on: end, dispositions: [d(1, "2026-06-01"), d(2, "2026-06-01"), d(3, "2025-06-01")], rules: rules)
        XCTAssertEqual(found?.grade, .poor)
        XCTAssertEqual(found?.index, 2)
        XCTAssertEqual(AppraisalCap.capped(.excellent, by: .fair), .fair)
        XCTAssertEqual(AppraisalCap.capped(.poor, by: .fair), .poor)
        XCTAssertEqual(AppraisalCap.capped(.good, by: nil), .good)
        XCTAssertNil(AppraisalCap.capped(nil, by: .poor))
    }
}

/// Opinion proposals from the default rules.
final class OpinionProposalTests: XCTestCase {
    func testTheHeaviestMatchingRuleDecidesAndEveryMatchIsNamed() throws {
        let rules = try SchemeLoader.defaultScheme().opinionRules  // open case → defer; form ≥ 2 within 24 months, veto within 12 → objection
        let today = Day("2026-12-01")!
        func dated(_ d: String, _ ref: String) -> OpinionFacts.Dated { .init(day: Day(d)!, reference: ref) }
        XCTAssertEqual(OpinionProposal.propose(rules, facts: OpinionFacts(), on: today).conclusion, .noObjection)
        let open = OpinionProposal.propose(rules, facts: OpinionFacts(openCases: ["C-2026-0002"]), on: today)
        XCTAssertEqual(open.conclusion, .deferred)
        XCTAssertEqual(open.reasons.map(\.fact), ["问题 C-2026-0002 尚未办结 (case C-2026-0002 is still open)"])
        // A first-form disposition, or a second-form one older than two years, objects to nothing.
        let old = OpinionFacts(dispositions: [(1, dated("2026-06-01", "C-2026-0001")), (2, dated("2024-11-30", "C-2024-0004"))])
        XCTAssertEqual(OpinionProposal.propose(rules, facts: old, on: today).conclusion, .noObjection)
        let both = OpinionFacts(openCases: ["C-2026-0002"], dispositions: [(2, dated("2024-12-01", "C-2024-0005"))],
                                vetoes: [dated("2025-12-31", "2025Q4"), dated("2025-09-30", "2025Q3")])
        let proposal = OpinionProposal.propose(rules, facts: both, on: today)
        XCTAssertEqual(proposal.conclusion, .objection)
        XCTAssertEqual(proposal.reasons.map(\.rule), ["OPEN_CASE", "RECENT_DISPOSITION", "RED_LINE"], "the 2025Q3 veto is over a year old")
        var disabled = rules
        disabled[0].enabled = false
        XCTAssertEqual(OpinionProposal.propose(disabled, facts: OpinionFacts(openCases: ["C-1"]), on: today).conclusion, .noObjection)
    }
}
