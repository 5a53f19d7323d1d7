@testable import LianjieEntry
import LianjieMessages
import LianjieStore
import XCTest

/// The review life cycle as a value, with no I/O: who may do what in which state.
final class EntryReviewTests: XCTestCase {
    let recorder = EntryReview.Actor(accountID: "acc_manager", subjectID: "")
    let reviewer = EntryReview.Actor(accountID: "acc_inspector", subjectID: "")
    let second = EntryReview.Actor(accountID: "acc_inspector3", subjectID: "")
    let employee = EntryReview.Actor(accountID: "acc_employee", subjectID: "sub_1")

    func entry() -> EntryRecord {
        EntryRecord(id: "ent_1", subjectID: "sub_1", tagLibrary: "COMMON", tagVersion: 1, tagCode: "WORK_DISCIPLINE", tagName: "违反工作纪律",
                    dimension: "behaviour", polarity: "debit", occurredOn: "2026-11-30", quantity: 100, description: "x",
                    source: EntrySource.pc.rawValue, status: EntryStatus.submitted.rawValue, recordedBy: recorder.accountID,
                    recordTime: 100, schemeVersion: 1)
    }

    func refusal(_ actions: [EntryReview.Action]) -> String? {
        if case .refuse(let r) = actions.first { return r.message }
        return nil
    }

    func testConfirmRecordsWhoAndWhen() {
        var m = EntryReview(entry())
        let actions = m.receive(.confirm(by: reviewer, at: 200))
        XCTAssertEqual(actions, [.store(EntryEventRecord(entryID: "ent_1", time: 200, accountID: reviewer.accountID, action: "confirmed",
                                                         status: EntryStatus.confirmed.rawValue))])
        XCTAssertEqual(m.entry.reviewedBy, reviewer.accountID)
        XCTAssertEqual(m.entry.reviewTime, 200)
    }

    func testNobodyReviewsTheirOwnRecordOrThemselves() {
        var m = EntryReview(entry())
        XCTAssertEqual(refusal(m.receive(.confirm(by: recorder, at: 1))), "four eyes: nobody confirms an entry they recorded")
        XCTAssertEqual(refusal(m.receive(.reject(by: EntryReview.Actor(accountID: "acc_x", subjectID: "sub_1"), at: 1, reason: "r"))),
                       "four eyes: nobody rejects an entry about themselves")
        XCTAssertEqual(m.entry, entry(), "a refusal changes nothing")
    }

    func testOnlyTheRightStatesMove() {
        var m = EntryReview(entry())
        XCTAssertEqual(refusal(m.receive(.revoke(by: reviewer, at: 1, reason: "r"))), "the entry is submitted; only a confirmed entry can be revoked")
        XCTAssertEqual(refusal(m.receive(.appeal(by: employee, at: 1, statement: "s"))), "the entry is submitted; only a confirmed entry can be appealed")
        _ = m.receive(.reject(by: reviewer, at: 2, reason: "不实"))
        XCTAssertEqual(refusal(m.receive(.confirm(by: second, at: 3))), "the entry is rejected; only a submitted entry can be confirmed")
    }

    func testAnAppealIsFiledOnceAndDecidedBySomeoneElse() {
        var m = EntryReview(entry())
        _ = m.receive(.confirm(by: reviewer, at: 2))
        XCTAssertEqual(refusal(m.receive(.appeal(by: reviewer, at: 3, statement: "s"))), "only the employee the entry is about may appeal it")
        guard case .store = m.receive(.appeal(by: employee, at: 3, statement: "申辩")).first else { return XCTFail("appeal refused") }
        XCTAssertEqual(refusal(m.receive(.appeal(by: employee, at: 4, statement: "again"))), "the entry was appealed before; an entry is appealed once")
        XCTAssertEqual(refusal(m.receive(.revoke(by: second, at: 4, reason: "r"))), "an appeal against the entry is pending: decide the appeal instead")
        XCTAssertEqual(refusal(m.receive(.decideAppeal(by: reviewer, at: 5, uphold: true, reason: "r"))),
                       "four eyes: nobody decides an appeal against an entry they confirmed")
        XCTAssertEqual(refusal(m.receive(.decideAppeal(by: recorder, at: 5, uphold: true, reason: "r"))),
                       "four eyes: nobody decides an appeal on an entry they recorded")
        _ = m.receive(.decideAppeal(by: second, at: 6, uphold: false, reason: "证据确凿"))
        XCTAssertEqual(m.entry.status, EntryStatus.confirmed.rawValue, "a dismissed appeal lets the entry stand")
        XCTAssertEqual(m.entry.appeal?.state, AppealState.dismissed.rawValue)
        XCTAssertEqual(refusal(m.receive(.decideAppeal(by: second, at: 7, uphold: true, reason: "r"))), "the entry has no pending appeal")
    }
}
