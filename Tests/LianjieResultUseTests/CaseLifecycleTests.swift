import LianjieResultUse
import LianjieServiceKit
import LianjieStore
import XCTest

/// The case life cycle with no I/O: every step in every state, the actor rules, and the
/// daily check's overdue alert and escalations, on an injected time.
final class CaseLifecycleTests: XCTestCase {
    typealias State = CaseLifecycle.State
    typealias Step = CaseLifecycle.Step

    static let handler = "acc_handler"
    static let other = "acc_other"
    static let t0: Int64 = 1_796_083_200  // 2026-12-01

    /// A case in `state`, as the loop would have left it there.
    static func record(_ state: State) -> CaseRecord {
        var r = CaseRecord()
        r.id = "case_1"
        r.number = "C-2026-0001"
        r.subjectID = "sub_1"
        r.state = state.rawValue
        r.version = 3
        if state != .open {
            r.handlerID = handler
            r.dueDate = "2026-12-31"
        }
        if [.disposed, .rectifying, .verified, .closed].contains(state) {
            r.disposition.form = 1
            r.disposition.date = "2026-12-01"
        }
        if [.rectifying, .verified, .closed].contains(state) {
            r.rectification.deadline = "2026-12-20"
            r.rectification.requirements = "整改要求"
            r.rectification.report = "已整改"
        }
        return r
    }

    static let steps: [(name: String, step: Step)] = [
        ("assign", .assign(handlerID: other, dueDate: "2027-01-15", note: "交接")),
        ("dispose", .dispose(DispositionRecord())),
        ("startRectification", .startRectification(deadline: "2026-12-20", requirements: "整改")),
        ("reportRectification", .reportRectification(report: "报告")),
        ("verify", .verify(note: "核实")),
        ("close", .close(conclusion: "结论", evidenceIDs: ["evi_1"])),
        ("dismiss", .dismiss(reason: "查无实据")),
        ("reopen", .reopen(reason: "新线索")),
        ("talkRecorded", .talkRecorded(kind: "talk")),
    ]

    /// For each state, the steps it allows and the state each leads to; every other step
    /// is refused naming the state.
    static let legal: [State: [String: State]] = [
        .open: ["assign": .assigned, "dismiss": .dismissed, "talkRecorded": .open],
        .assigned: ["assign": .assigned, "dispose": .disposed, "dismiss": .dismissed, "talkRecorded": .assigned],
        .disposed: ["assign": .disposed, "startRectification": .rectifying, "talkRecorded": .disposed],
        .rectifying: ["assign": .rectifying, "reportRectification": .rectifying, "verify": .verified, "talkRecorded": .rectifying],
        .verified: ["assign": .verified, "close": .closed, "talkRecorded": .verified],
        .closed: ["reopen": .open],
        .dismissed: ["reopen": .open],
    ]

    func testEveryStepInEveryState() {
        // The handler acts, except for verify, which needs other eyes.
        for state in State.allCases {
            for (name, step) in Self.steps {
                let actor = CaseLifecycle.Actor(accountID: name == "verify" ? Self.other : Self.handler)
                var life = CaseLifecycle(Self.record(state), actor: actor, time: Self.t0)
                let before = life.record
                do {
                    let actions = try life.receive(step)
                    guard let expected = Self.legal[state]?[name] else {
                        XCTFail("\(name) in \(state) was allowed")
                        continue
                    }
                    XCTAssertEqual(life.state, expected, "\(name) in \(state)")
                    guard case .record(let event)? = actions.first else {
                        XCTFail("\(name) in \(state) left no event")
                        continue
                    }
                    XCTAssertEqual(event.fromState, state.rawValue)
                    XCTAssertEqual(event.toState, expected.rawValue)
                    XCTAssertEqual(event.accountID, actor.accountID)
                    XCTAssertEqual(event.time, Self.t0)
                    XCTAssertEqual(life.record.updateTime, Self.t0)
                } catch {
                    XCTAssertNil(Self.legal[state]?[name], "\(name) in \(state) was refused: \(error.message)")
                    XCTAssertEqual(error.kind, .wrongState)
                    XCTAssertTrue(error.message.contains("the case is \(state.name)"), error.message)
                    XCTAssertEqual(life.record, before, "a refused step changed the case")
                }
            }
        }
    }

    func testReassigningNeedsANoteAndTellsTheNewHandler() throws {
        var life = CaseLifecycle(Self.record(.assigned), actor: .init(accountID: Self.other), time: Self.t0)
        XCTAssertThrowsError(try life.receive(.assign(handlerID: "acc_new", dueDate: "2027-01-01", note: ""))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .missing(field: "note"))
        }
        let actions = try life.receive(.assign(handlerID: "acc_new", dueDate: "2027-01-01", note: "原承办人调岗"))
        XCTAssertEqual(life.record.handlerID, "acc_new")
        XCTAssertEqual(life.record.dueDate, "2027-01-01")
        guard case .record(let e) = actions[0], case .notify(.account("acc_new"), _, _) = actions[1] else { return XCTFail("\(actions)") }
        XCTAssertEqual(e.action, "reassigned")
        XCTAssertTrue(e.note.contains("原承办人调岗"))
    }

    func testOnlyTheHandlerOrAHeadDisposes() throws {
        var d = DispositionRecord()
        d.form = 2
        d.documentNumber = "纪发〔2026〕12号"
        var stranger = CaseLifecycle(Self.record(.assigned), actor: .init(accountID: Self.other), time: Self.t0)
        XCTAssertThrowsError(try stranger.receive(.dispose(d))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .wrongActor)
        }
        var head = CaseLifecycle(Self.record(.assigned), actor: .init(accountID: Self.other, isHead: true), time: Self.t0)
        let actions = try head.receive(.dispose(d))
        XCTAssertTrue(actions.contains(.deriveEntry(form: 2, replacing: "")), "a second-form disposition derives its entry")
        XCTAssertEqual(head.record.disposition.disposedBy, Self.other)
        XCTAssertEqual(head.record.disposition.disposeTime, Self.t0)
        XCTAssertEqual(head.record.disposition.documentNumber, "纪发〔2026〕12号")
    }

    func testVerificationNeedsAReportAndOtherEyes() throws {
        var unreported = Self.record(.rectifying)
        unreported.rectification.report = ""
        var early = CaseLifecycle(unreported, actor: .init(accountID: Self.other), time: Self.t0)
        XCTAssertThrowsError(try early.receive(.verify(note: "x"))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .wrongState)
            XCTAssertTrue((error as? CaseLifecycle.Refusal)?.message.contains("without a report") == true)
        }
        var own = CaseLifecycle(Self.record(.rectifying), actor: .init(accountID: Self.handler, isHead: true), time: Self.t0)
        XCTAssertThrowsError(try own.receive(.verify(note: "x"))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .wrongActor)
        }
        var other = CaseLifecycle(Self.record(.rectifying), actor: .init(accountID: Self.other), time: Self.t0)
        _ = try other.receive(.verify(note: "整改到位"))
        XCTAssertEqual(other.record.verifiedBy, Self.other)
        XCTAssertEqual(other.state, .verified)
    }

    func testRectificationTellsTheManagersAndTheReportTellsTheHandler() throws {
        var life = CaseLifecycle(Self.record(.disposed), actor: .init(accountID: Self.handler), time: Self.t0)
        let started = try life.receive(.startRectification(deadline: "2026-12-20", requirements: "退还礼品"))
        XCTAssertTrue(started.contains { if case .notify(.subjectManagers, _, _) = $0 { true } else { false } })
        XCTAssertEqual(life.record.rectification.report, "")
        var reported = CaseLifecycle(life.record, actor: .init(accountID: "acc_manager"), time: Self.t0 + 60)
        let actions = try reported.receive(.reportRectification(report: "已退还"))
        XCTAssertTrue(actions.contains { if case .notify(.account(Self.handler), _, _) = $0 { true } else { false } })
        XCTAssertEqual(reported.record.rectification.reportedBy, "acc_manager")
        XCTAssertEqual(reported.record.rectification.reportTime, Self.t0 + 60)
    }

    func testAFirstFormDispositionDerivesNothingButRevokesWhatAnEarlierOneDerived() throws {
        var first = DispositionRecord()
        first.form = 1
        var fresh = CaseLifecycle(Self.record(.assigned), actor: .init(accountID: Self.handler), time: Self.t0)
        XCTAssertFalse(try fresh.receive(.dispose(first)).contains { if case .deriveEntry = $0 { true } else { false } })
        var redisposed = Self.record(.assigned)
        redisposed.derivedEntryID = "ent_old"
        var again = CaseLifecycle(redisposed, actor: .init(accountID: Self.handler), time: Self.t0)
        XCTAssertTrue(try again.receive(.dispose(first)).contains(.deriveEntry(form: 1, replacing: "ent_old")))
    }

    /// Regression: a handler could hand a disposed case to someone else and then verify their
    /// own work; the head who disposed in the handler's stead could verify it too.
    func testNobodyWhoHandledOrDisposedTheCaseVerifiesIt() throws {
        var d = DispositionRecord()
        d.form = 1
        var life = CaseLifecycle(Self.record(.assigned), actor: .init(accountID: Self.handler), time: Self.t0)
        _ = try life.receive(.dispose(d))
        _ = try life.receive(.startRectification(deadline: "2026-12-20", requirements: "整改"))
        // A stranger may not reassign a disposed case; the handler may.
        var stranger = CaseLifecycle(life.record, actor: .init(accountID: "acc_stranger"), time: Self.t0)
        XCTAssertThrowsError(try stranger.receive(.assign(handlerID: "acc_stranger", dueDate: "2027-01-01", note: "接手"))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .wrongActor)
        }
        var handOver = CaseLifecycle(life.record, actor: .init(accountID: Self.handler), time: Self.t0)
        _ = try handOver.receive(.assign(handlerID: "acc_h2", dueDate: "2027-01-01", note: "调岗交接"))
        _ = try handOver.receive(.reportRectification(report: "已整改"))
        var former = CaseLifecycle(handOver.record, actor: .init(accountID: Self.handler), time: Self.t0)
        XCTAssertThrowsError(try former.receive(.verify(note: "x"))) { error in
            XCTAssertEqual((error as? CaseLifecycle.Refusal)?.kind, .wrongActor)
        }
        var byHead = Self.record(.rectifying)
        byHead.disposition.disposedBy = "acc_head"
        var head = CaseLifecycle(byHead, actor: .init(accountID: "acc_head", isHead: true), time: Self.t0)
        XCTAssertThrowsError(try head.receive(.verify(note: "x")))
    }

    /// Regression: a case closed with a second-form disposition, reopened and dismissed as
    /// unfounded kept its disposition and its derived entry.
    func testDismissingAReopenedCaseVoidsItsDisposition() throws {
        var reopened = Self.record(.open)
        reopened.disposition.form = 2
        reopened.derivedEntryID = "ent_derived"
        var life = CaseLifecycle(reopened, actor: .init(accountID: Self.other), time: Self.t0)
        let actions = try life.receive(.dismiss(reason: "新证据表明反映不实"))
        XCTAssertTrue(actions.contains(.deriveEntry(form: 0, replacing: "ent_derived")))
        XCTAssertEqual(life.record.disposition.form, 0)
        XCTAssertEqual(life.state, .dismissed)
    }

    func testReopeningClearsTheHandlerAndTheEscalations() throws {
        var closed = Self.record(.closed)
        closed.escalations = 2
        closed.escalationKey = "due:2026-11-01"
        var life = CaseLifecycle(closed, actor: .init(accountID: Self.other), time: Self.t0)
        _ = try life.receive(.reopen(reason: "新证据"))
        XCTAssertEqual(life.state, .open)
        XCTAssertEqual(life.record.handlerID, "")
        XCTAssertEqual(life.record.dueDate, "")
        XCTAssertEqual(life.record.escalations, 0)
        XCTAssertEqual(life.record.escalationKey, "")
    }

    // MARK: The daily check

    static let week: Int64 = 7 * 86_400

    /// Runs the check on `day` at `time`, returning the case after it and its actions.
    func check(_ r: CaseRecord, on day: String, at time: Int64) throws -> (CaseRecord, [CaseLifecycle.Action]) {
        var life = CaseLifecycle(r, actor: .init(accountID: ""), time: time)
        let actions = try life.receive(.check(today: day, escalateEverySeconds: Self.week))
        return (life.record, actions)
    }

    func testAnOverdueCaseRaisesOneAlertAndEscalatesAtTheInterval() throws {
        var r = Self.record(.assigned)
        r.dueDate = "2026-12-01"
        // Due today is not overdue.
        XCTAssertTrue(try check(r, on: "2026-12-01", at: Self.t0).1.isEmpty)
        // The day after: one alert, one escalation.
        var (after, actions) = try check(r, on: "2026-12-02", at: Self.t0 + 86_400)
        XCTAssertTrue(actions.contains(.raiseOverdueAlert(.due, day: "2026-12-01")))
        XCTAssertEqual(actions.filter { if case .notify(.disciplineHeads, _, _) = $0 { true } else { false } }.count, 1)
        XCTAssertEqual(after.escalations, 1)
        XCTAssertEqual(after.escalationKey, "due:2026-12-01")
        // Checked again the same week: nothing.
        (after, actions) = try check(after, on: "2026-12-05", at: Self.t0 + 4 * 86_400)
        XCTAssertTrue(actions.isEmpty)
        // A week after the first escalation: escalated again, no second alert.
        (after, actions) = try check(after, on: "2026-12-09", at: Self.t0 + 86_400 + Self.week)
        XCTAssertFalse(actions.contains(.raiseOverdueAlert(.due, day: "2026-12-01")))
        XCTAssertEqual(after.escalations, 2)
        guard case .notify(.disciplineHeads, let key, _)? = actions.last else { return XCTFail("\(actions)") }
        XCTAssertTrue(key.hasSuffix(":2"), key)
    }

    func testAMissedRectificationDeadlineCountsAfreshAndAReportEndsIt() throws {
        var r = Self.record(.rectifying)
        r.rectification.report = ""
        r.rectification.deadline = "2026-12-10"
        r.escalationKey = "due:2026-11-30"
        r.escalations = 3
        r.dueDate = "2027-01-31"
        let (after, actions) = try check(r, on: "2026-12-11", at: Self.t0)
        XCTAssertTrue(actions.contains(.raiseOverdueAlert(.rectification, day: "2026-12-10")))
        XCTAssertEqual(after.escalations, 1)
        var reported = after
        reported.rectification.report = "已整改"
        XCTAssertTrue(try check(reported, on: "2026-12-12", at: Self.t0 + 86_400).1.isEmpty)
    }

    func testClosedDismissedAndOpenCasesAreNeverOverdue() throws {
        for state in [State.open, .closed, .dismissed] {
            var r = Self.record(state)
            r.dueDate = "2026-01-01"
            XCTAssertTrue(try check(r, on: "2026-12-02", at: Self.t0).1.isEmpty, "\(state)")
        }
    }
}
