/// What result use reads.
public protocol ResultUseReader {
    // Cases
    func caseRecord(id: String) throws -> CaseRecord?
    func caseRecord(number: String) throws -> CaseRecord?
    /// Newest first; `page.after` is the last `seq` seen, in decimal. With `overdueOn`, only
    /// cases overdue that day: assigned, disposed, rectifying or verified with a due date
    /// before it, or rectifying without a report with a deadline before it.
    func caseRecords(_ filter: CaseFilter, page: Page) throws -> [CaseRecord]
    func caseCount(_ filter: CaseFilter) throws -> Int
    /// Cases about these subjects disposed under `minForm` or a heavier form (whatever
    /// their state now), oldest first.
    func dispositions(subjectIDs: [String], minForm: Int32) throws -> [CaseRecord]
    /// Oldest first.
    func caseEvents(caseID: String) throws -> [CaseEventRecord]
    /// The facts of the cases about subjects under `path` now that were opened, closed or
    /// disposed between the Unix seconds `from` (inclusive) and `to` (exclusive), or are
    /// overdue on `today` (by `CaseRecord.overdueDeadline`), each marked overdue or not.
    func caseFacts(underPath path: String, from: Int64, to: Int64, today: String) throws -> [CaseFactRow]
    /// The cases citing an evidence file (on opening or closing).
    func caseIDs(evidenceID: String) throws -> [String]
    /// The number the next case opened in `year` gets: `C-2026-0008`.
    func nextCaseNumber(year: Int) throws -> String

    // Talks
    func talk(id: String) throws -> TalkRecord?
    /// Oldest first.
    func talks(caseID: String) throws -> [TalkRecord]
    /// Newest first; `page.after` is the last `seq` seen, in decimal.
    func talks(_ filter: TalkFilter, page: Page) throws -> [TalkRecord]
    func talkCount(_ filter: TalkFilter) throws -> Int

    // Opinions
    func opinion(id: String) throws -> OpinionRecord?
    /// Newest first, without their frozen dossiers; `page.after` is the last `seq` seen.
    func opinions(_ filter: OpinionFilter, page: Page) throws -> [OpinionRecord]
    func opinionCount(_ filter: OpinionFilter) throws -> Int

    // Conflicts (recusal)
    func conflict(id: String) throws -> ConflictRecord?
    /// The declaration in force between an account and a subject, if any.
    func conflictInForce(accountID: String, subjectID: String) throws -> ConflictRecord?
    /// Newest first; `page.after` is the last `seq` seen.
    func conflicts(_ filter: ConflictFilter, page: Page) throws -> [ConflictRecord]
    func conflictCount(_ filter: ConflictFilter) throws -> Int
}

/// What result use changes.
public protocol ResultUseWriter: ResultUseReader {
    /// Stores a new case with its first event, assigning its `seq`. `.conflict` for a
    /// number in use.
    @discardableResult
    func createCase(_ record: CaseRecord, event: CaseEventRecord) throws -> Int64
    /// Stores a case's new state and appends its events; bumps its version.
    func updateCase(_ record: CaseRecord, events: [CaseEventRecord]) throws
    func createTalk(_ talk: TalkRecord) throws
    /// Records the employee's acknowledgement, once: a talk acknowledged already keeps its
    /// first time.
    func acknowledgeTalk(id: String, time: Int64) throws
    func createOpinion(_ opinion: OpinionRecord) throws
    /// Stores an opinion's review or signature and bumps its version (its dossier is never
    /// rewritten).
    func updateOpinion(_ opinion: OpinionRecord) throws
    /// `.conflict` when one is in force between the account and the subject already.
    func createConflict(_ conflict: ConflictRecord) throws
    func withdrawConflict(id: String, time: Int64) throws
}
