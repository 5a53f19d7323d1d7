public import LianjieServiceKit
public import LianjieStore

/// A case's history played through the same life cycle and effects as the service, without
/// a call: for seeding (the demo's cases). Each step is taken at its own time by its own
/// actor; a step the life cycle refuses throws its refusal. Entries are derived from
/// dispositions as `schemes` says; nobody is alerted.
public enum CaseReplay {
    /// One step of a history.
    public struct Move: Sendable {
        public var step: CaseLifecycle.Step
        public var actor: CaseLifecycle.Actor
        public var time: Int64
        /// With a `.talkRecorded` step: the talk to keep with the case.
        public var talk: TalkRecord?

        public init(_ step: CaseLifecycle.Step, by actor: CaseLifecycle.Actor, at time: Int64) {
            self.step = step
            self.actor = actor
            self.time = time
        }

        /// Records `talk` with the case (its case and subject are filled in).
        public static func talk(_ talk: TalkRecord, by actor: CaseLifecycle.Actor, at time: Int64) -> Move {
            var move = Move(.talkRecorded(kind: talk.kind == 2 ? "notice" : "talk"), by: actor, at: time)
            move.talk = talk
            return move
        }
    }

    /// Opens `draft` (its id, number, subject, organisation, source and summary set) by
    /// `opener` at `time`, takes each move in turn, and stores it all in `tx`; returns the
    /// case as stored. The daily check is not for replay: an overdue case is found by the
    /// server's own check.
    @discardableResult
    public static func play(_ draft: CaseRecord, openedBy opener: CaseLifecycle.Actor, at time: Int64, moves: [Move],
                            schemes: PublishedSchemes, _ tx: any StoreWriter) throws -> CaseRecord {
        let effects = CaseEffects(schemes: schemes)
        var (record, actions) = CaseLifecycle.open(draft, actor: opener, time: time)
        _ = try effects.apply(actions, to: record, isNew: true, tx)
        for move in moves {
            guard let current = try tx.caseRecord(id: record.id) else { break }
            var life = CaseLifecycle(current, actor: move.actor, time: move.time)
            actions = try life.receive(move.step)
            record = life.record
            if var talk = move.talk {
                talk.caseID = record.id
                talk.subjectID = record.subjectID
                try tx.createTalk(talk)
            }
            _ = try effects.apply(actions, to: record, isNew: false, tx)
        }
        return try tx.caseRecord(id: record.id) ?? record
    }
}
