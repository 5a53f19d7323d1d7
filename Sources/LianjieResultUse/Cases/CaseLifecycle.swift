public import LianjieServiceKit
public import LianjieStore

/// The closed loop of one case (问题处置闭环管理) as a plain value: it receives steps and
/// answers with what must follow (events to keep, people to tell, alerts to raise), or
/// refuses a step its state does not allow. No I/O and no clock: every step carries its
/// time, and the daily check carries the day. `CaseHandlers` is the shell around it.
///
/// open → assigned → disposed → rectifying → verified → closed; open or assigned →
/// dismissed; closed or dismissed → open (reopened). A handler may be replaced in any state
/// from assigned to verified.
public struct CaseLifecycle: Sendable {
    public enum State: Int32, Sendable, CaseIterable {
        case open = 1, assigned, disposed, rectifying, verified, closed, dismissed

        /// The proto enum's name without its prefix, lower case, for people: `in rectification`.
        public var name: String {
            switch self {
            case .open: "open"
            case .assigned: "assigned"
            case .disposed: "disposed"
            case .rectifying: "in rectification"
            case .verified: "verified"
            case .closed: "closed"
            case .dismissed: "dismissed"
            }
        }
    }

    /// Who takes a step. The shell has checked the caller's role and scope; the life cycle
    /// checks what depends on the case (the handler, four eyes).
    public struct Actor: Sendable, Equatable {
        public var accountID: String
        /// A discipline head covering the subject: may dispose and start a rectification in
        /// the handler's stead.
        public var isHead: Bool

        public init(accountID: String, isHead: Bool = false) {
            self.accountID = accountID
            self.isHead = isHead
        }
    }

    /// What can happen to a case.
    public enum Step: Sendable, Equatable {
        /// Give the case a handler and a due date (again: a new handler, with a note).
        case assign(handlerID: String, dueDate: String, note: String)
        case dispose(DispositionRecord)
        case startRectification(deadline: String, requirements: String)
        /// The subject's manager reports (again, until it is verified).
        case reportRectification(report: String)
        case verify(note: String)
        case close(conclusion: String, evidenceIDs: [String])
        case dismiss(reason: String)
        case reopen(reason: String)
        /// A talk or notice was recorded with the case (its kind's name, for the trail).
        case talkRecorded(kind: String)
        /// The daily check on `today` (`YYYY-MM-DD`): is the case overdue, and is an
        /// escalation due (at most one per `escalateEverySeconds` for the same deadline)?
        case check(today: String, escalateEverySeconds: Int64)
    }

    /// Who is told of a step.
    public enum Recipient: Sendable, Equatable {
        case account(String)
        /// The managers whose grants cover the subject.
        case subjectManagers
        /// The heads of discipline inspection whose grants cover the subject.
        case disciplineHeads
    }

    /// What must follow a step, carried out by the shell in the step's transaction.
    public enum Action: Sendable, Equatable {
        /// Keep this in the case's history.
        case record(CaseEventRecord)
        /// Tell `recipient` (through the notification outbox) with `message`; `key` makes
        /// the notification unique.
        case notify(Recipient, key: String, message: String)
        /// The case fell overdue for this deadline: raise the `caseOverdue` alert.
        case raiseOverdueAlert(CaseOverdue.Deadline, day: String)
        /// A disposition of the second form or heavier: derive the entry the scheme's rule
        /// for `form` names (and revoke `replacing`, the entry an earlier disposition derived).
        case deriveEntry(form: Int32, replacing: String)
    }

    /// Why a step was refused.
    public struct Refusal: Error, Equatable, Sendable {
        public enum Kind: Sendable, Equatable {
            /// The case's state does not allow the step (FAILED_PRECONDITION).
            case wrongState
            /// This actor may not take it (four eyes, not the handler): FAILED_PRECONDITION.
            case wrongActor
            /// A field the step needs in this state is missing (INVALID_ARGUMENT).
            case missing(field: String)
        }

        public let kind: Kind
        public let message: String
    }

    public private(set) var record: CaseRecord
    public let actor: Actor
    public let time: Int64

    /// The life cycle of `record`, for one step taken by `actor` at `time` (Unix seconds).
    public init(_ record: CaseRecord, actor: Actor, time: Int64) {
        self.record = record
        self.actor = actor
        self.time = time
    }

    public var state: State { State(rawValue: record.state) ?? .open }

    /// Opens a case: its first state and what follows.
    public static func open(_ draft: CaseRecord, actor: Actor, time: Int64) -> (CaseRecord, [Action]) {
        var r = draft
        r.state = State.open.rawValue
        r.openedBy = actor.accountID
        r.openTime = time
        r.updateTime = time
        let event = CaseEventRecord(caseID: r.id, time: time, accountID: actor.accountID, action: "opened", fromState: 0,
                                    toState: r.state, note: r.alertID.isEmpty ? "" : "from alert \(r.alertID)")
        return (r, [.record(event)])
    }

    /// Takes `step`; returns what must follow, or throws the refusal (the record unchanged).
    public mutating func receive(_ step: Step) throws(Refusal) -> [Action] {
        let before = state
        switch step {
        case .assign(let handler, let due, let note):
            let allowed: Set<State> = [.open, .assigned, .disposed, .rectifying, .verified]
            try require(allowed, "assigned")
            let reassigning = before != .open
            if reassigning, note.isEmpty { throw Refusal(kind: .missing(field: "note"), message: "say why the case is reassigned") }
            // Once disposed, only the handler or a head hands the case on.
            if before != .open, before != .assigned { try requireHandlerOrHead("reassign a disposed case") }
            record.handlerID = handler
            if !record.pastHandlerIDs.contains(handler) { record.pastHandlerIDs.append(handler) }
            record.dueDate = due
            if before == .open { record.state = State.assigned.rawValue }
            return event(reassigning ? "reassigned" : "assigned", from: before, note: note.isEmpty ? "due \(due)" : "\(note) (due \(due))")
                + [.notify(.account(handler), key: "case:\(record.id):assigned:\(record.version)", message: "案件 \(record.number) 已交由您办理，\(due) 前办结")]
        case .dispose(var d):
            try require([.assigned], "disposed")
            try requireHandlerOrHead("dispose")
            d.disposedBy = actor.accountID
            d.disposeTime = time
            record.disposition = d
            record.state = State.disposed.rawValue
            let derive: [Action] = d.form >= 2 || !record.derivedEntryID.isEmpty
                ? [.deriveEntry(form: d.form, replacing: record.derivedEntryID)] : []
            return event("disposed", from: before, note: "form \(d.form)") + derive
        case .startRectification(let deadline, let requirements):
            try require([.disposed], "put into rectification")
            try requireHandlerOrHead("start a rectification")
            record.rectification = RectificationRecord()
            record.rectification.deadline = deadline
            record.rectification.requirements = requirements
            record.state = State.rectifying.rawValue
            return event("rectification_started", from: before, note: "deadline \(deadline)")
                + [.notify(.subjectManagers, key: "case:\(record.id):rectification:\(record.version)",
                           message: "案件 \(record.number)：请于 \(deadline) 前报告整改情况")]
        case .reportRectification(let report):
            try require([.rectifying], "reported on")
            let again = !record.rectification.report.isEmpty
            record.rectification.report = report
            record.rectification.reportedBy = actor.accountID
            record.rectification.reportTime = time
            var actions = event(again ? "rectification_reported_again" : "rectification_reported", from: before, note: "")
            if !record.handlerID.isEmpty {
                actions.append(.notify(.account(record.handlerID), key: "case:\(record.id):reported:\(record.version)",
                                       message: "案件 \(record.number)：整改情况已报告"))
            }
            return actions
        case .verify(let note):
            try require([.rectifying], "verified")
            guard !record.rectification.report.isEmpty else {
                throw Refusal(kind: .wrongState, message: "the case is in rectification without a report yet; it cannot be verified before the manager reports")
            }
            // Four eyes: nobody who handled the case or disposed it verifies it.
            guard actor.accountID != record.handlerID, !record.pastHandlerIDs.contains(actor.accountID),
                  actor.accountID != record.disposition.disposedBy else {
                throw Refusal(kind: .wrongActor, message: "the handler cannot verify their own case: someone else must (four eyes)")
            }
            record.verifiedBy = actor.accountID
            record.verifyTime = time
            record.verificationNote = note
            record.state = State.verified.rawValue
            return event("verified", from: before, note: note)
        case .close(let conclusion, let evidence):
            try require([.verified], "closed")
            record.conclusion = conclusion
            record.closingEvidenceIDs = evidence
            record.closedBy = actor.accountID
            record.closeTime = time
            record.state = State.closed.rawValue
            return event("closed", from: before, note: conclusion)
        case .dismiss(let reason):
            try require([.open, .assigned], "dismissed")
            record.dismissalReason = reason
            record.closedBy = actor.accountID
            record.closeTime = time
            record.state = State.dismissed.rawValue
            // Unfounded: a disposition made before a reopening no longer stands, nor its entry.
            let voided: [Action] = record.derivedEntryID.isEmpty ? [] : [.deriveEntry(form: 0, replacing: record.derivedEntryID)]
            record.disposition = DispositionRecord()
            return event("dismissed", from: before, note: reason) + voided
        case .reopen(let reason):
            try require([.closed, .dismissed], "reopened")
            record.handlerID = ""
            record.dueDate = ""
            record.escalations = 0
            record.escalationKey = ""
            record.lastEscalationTime = 0
            record.state = State.open.rawValue
            return event("reopened", from: before, note: reason)
        case .talkRecorded(let kind):
            try require([.open, .assigned, .disposed, .rectifying, .verified], "given a talk or notice")
            return event("talk_recorded", from: before, note: kind)
        case .check(let today, let every):
            return check(today: today, escalateEverySeconds: every)
        }
    }

    /// Whether the case is overdue on `today`, and for which deadline (`CaseRecord.overdueDeadline`).
    public func overdue(on today: String) -> (CaseOverdue.Deadline, String)? {
        record.overdueDeadline(on: today).flatMap { found in CaseOverdue.Deadline(rawValue: found.kind).map { ($0, found.day) } }
    }

    private mutating func check(today: String, escalateEverySeconds every: Int64) -> [Action] {
        guard let (deadline, day) = overdue(on: today) else { return [] }
        let key = "\(deadline.rawValue):\(day)"
        var actions: [Action] = []
        if key != record.escalationKey {
            record.escalationKey = key
            record.escalations = 0
            let what = deadline == .due ? "past its due date \(day)" : "past its rectification deadline \(day) without a report"
            actions += event("overdue", from: state, note: what, by: "")
            actions.append(.raiseOverdueAlert(deadline, day: day))
        } else if time - record.lastEscalationTime < every {
            return []
        }
        record.escalations += 1
        record.lastEscalationTime = time
        actions += event("escalated", from: state, note: "escalation \(record.escalations) to the discipline head", by: "")
        actions.append(.notify(.disciplineHeads, key: "case:\(record.id):escalation:\(key):\(record.escalations)",
                               message: "案件 \(record.number) 已超过\(deadline == .due ? "办结期限" : "整改报告期限")（\(day)），第 \(record.escalations) 次上报"))
        return actions
    }

    // MARK: Helpers

    private func require(_ states: Set<State>, _ what: String) throws(Refusal) {
        guard states.contains(state) else {
            throw Refusal(kind: .wrongState, message: "the case is \(state.name); it cannot be \(what) now")
        }
    }

    private func requireHandlerOrHead(_ what: String) throws(Refusal) {
        guard actor.accountID == record.handlerID || actor.isHead else {
            throw Refusal(kind: .wrongActor, message: "only the case's handler or a discipline head may \(what)")
        }
    }

    /// Marks the change and answers with its history event.
    private mutating func event(_ action: String, from: State, note: String, by: String? = nil) -> [Action] {
        record.updateTime = time
        return [.record(CaseEventRecord(caseID: record.id, time: time, accountID: by ?? actor.accountID, action: action,
                                        fromState: from.rawValue, toState: record.state, note: note))]
    }
}
