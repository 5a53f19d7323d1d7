import LianjieMessages
import LianjieStore

/// The review of one entry as a plain value: submitted → confirmed or rejected;
/// confirmed → revoked; a confirmed entry may be appealed once, and the appeal upheld
/// (the entry is revoked) or dismissed. Four eyes: nobody confirms, rejects or decides an
/// appeal on an entry they recorded, nor decides an appeal against an entry they
/// confirmed, nor reviews an entry about themselves.
///
/// No I/O and no clock: each event carries who and when, and `receive` answers with what
/// to store, or why it is refused. The service is a thin shell that stores the actions.
struct EntryReview {
    /// Who acts: their account, and the subject that account is (their own record), if any.
    struct Actor: Equatable {
        var accountID: String
        var subjectID: String
    }

    enum Event {
        case confirm(by: Actor, at: Int64)
        case reject(by: Actor, at: Int64, reason: String)
        case revoke(by: Actor, at: Int64, reason: String)
        case appeal(by: Actor, at: Int64, statement: String)
        case decideAppeal(by: Actor, at: Int64, uphold: Bool, reason: String)
    }

    /// Why an event is refused: FAILED_PRECONDITION with this message, which names the
    /// current state or the rule.
    struct Refusal: Equatable {
        var message: String
    }

    enum Action: Equatable {
        /// Store the entry as it now is, with this event in its history.
        case store(EntryEventRecord)
        case refuse(Refusal)
    }

    private(set) var entry: EntryRecord

    init(_ entry: EntryRecord) { self.entry = entry }

    var status: EntryStatus { EntryStatus(rawValue: entry.status) }

    static func name(_ s: EntryStatus) -> String {
        switch s {
        case .submitted: "submitted"
        case .confirmed: "confirmed"
        case .rejected: "rejected"
        case .revoked: "revoked"
        default: "unknown"
        }
    }

    private func wrongState(_ wanted: String) -> [Action] {
        [.refuse(Refusal(message: "the entry is \(Self.name(status)); \(wanted)"))]
    }

    private static func fourEyes(_ rule: String) -> [Action] {
        [.refuse(Refusal(message: "four eyes: \(rule)"))]
    }

    /// Recusal checks every review shares: not one's own record, not about oneself.
    private func recusal(_ actor: Actor, _ verb: String) -> [Action]? {
        if actor.accountID == entry.recordedBy { return Self.fourEyes("nobody \(verb) an entry they recorded") }
        if !actor.subjectID.isEmpty, actor.subjectID == entry.subjectID { return Self.fourEyes("nobody \(verb) an entry about themselves") }
        return nil
    }

    private mutating func apply(_ action: String, by actor: Actor, at time: Int64, reason: String) -> [Action] {
        [.store(EntryEventRecord(entryID: entry.id, time: time, accountID: actor.accountID, action: action, status: entry.status,
                                 reason: reason))]
    }

    mutating func receive(_ event: Event) -> [Action] {
        switch event {
        case .confirm(let actor, let time):
            guard status == .submitted else { return wrongState("only a submitted entry can be confirmed") }
            if let refused = recusal(actor, "confirms") { return refused }
            entry.status = EntryStatus.confirmed.rawValue
            entry.reviewedBy = actor.accountID
            entry.reviewTime = time
            return apply("confirmed", by: actor, at: time, reason: "")

        case .reject(let actor, let time, let reason):
            guard status == .submitted else { return wrongState("only a submitted entry can be rejected") }
            if let refused = recusal(actor, "rejects") { return refused }
            entry.status = EntryStatus.rejected.rawValue
            entry.reviewedBy = actor.accountID
            entry.reviewTime = time
            entry.statusReason = reason
            return apply("rejected", by: actor, at: time, reason: reason)

        case .revoke(let actor, let time, let reason):
            guard status == .confirmed else { return wrongState("only a confirmed entry can be revoked") }
            if entry.appeal?.state == AppealState.pending.rawValue {
                return [.refuse(Refusal(message: "an appeal against the entry is pending: decide the appeal instead"))]
            }
            if !actor.subjectID.isEmpty, actor.subjectID == entry.subjectID { return Self.fourEyes("nobody revokes an entry about themselves") }
            entry.status = EntryStatus.revoked.rawValue
            entry.statusReason = reason
            return apply("revoked", by: actor, at: time, reason: reason)

        case .appeal(let actor, let time, let statement):
            guard actor.subjectID == entry.subjectID else {
                return [.refuse(Refusal(message: "only the employee the entry is about may appeal it"))]
            }
            guard entry.appeal == nil else { return [.refuse(Refusal(message: "the entry was appealed before; an entry is appealed once"))] }
            guard status == .confirmed else { return wrongState("only a confirmed entry can be appealed") }
            entry.appeal = AppealRecord(state: AppealState.pending.rawValue, statement: statement, fileTime: time)
            return apply("appealed", by: actor, at: time, reason: statement)

        case .decideAppeal(let actor, let time, let uphold, let reason):
            guard var appeal = entry.appeal, appeal.state == AppealState.pending.rawValue else {
                return [.refuse(Refusal(message: "the entry has no pending appeal"))]
            }
            if let refused = recusal(actor, "decides an appeal on") { return refused }
            if actor.accountID == entry.reviewedBy { return Self.fourEyes("nobody decides an appeal against an entry they confirmed") }
            appeal.state = (uphold ? AppealState.upheld : AppealState.dismissed).rawValue
            appeal.decidedBy = actor.accountID
            appeal.decideTime = time
            appeal.decisionReason = reason
            entry.appeal = appeal
            if uphold {
                entry.status = EntryStatus.revoked.rawValue
                entry.statusReason = "appeal upheld: \(reason)"
            }
            return apply(uphold ? "appeal_upheld" : "appeal_dismissed", by: actor, at: time, reason: reason)
        }
    }
}
