/// What evaluation analysis reads.
public protocol EvaluationReader {
    // Runs and results
    func evaluationRun(id: String) throws -> EvaluationRunRecord?
    /// Newest first; `page.after` is the last `seq` seen, in decimal.
    func evaluationRuns(_ filter: EvaluationRunFilter, page: Page) throws -> [EvaluationRunRecord]
    func evaluationRunCount(_ filter: EvaluationRunFilter) throws -> Int
    /// The current published run for a scope, period and scheme version, if any.
    func currentEvaluationRun(scopeKey: String, period: PeriodKey, schemeVersion: Int) throws -> EvaluationRunRecord?
    /// The result with its inputs (the seqs of the entries it was scored from). Listings
    /// below leave `inputs` empty unless asked for it.
    func evaluationResult(runID: String, subjectID: String) throws -> EvaluationResultRecord?
    /// `page.after` is the last sort key seen (opaque to callers).
    func evaluationResults(runID: String, _ filter: EvaluationResultFilter, page: Page) throws -> [(key: String, result: EvaluationResultRecord)]
    func evaluationResultCount(runID: String, _ filter: EvaluationResultFilter) throws -> Int
    /// Every result of a run, by subject id; with `withInputs`, each with its input seqs.
    func allEvaluationResults(runID: String, withInputs: Bool) throws -> [EvaluationResultRecord]
    /// The subject's results in current published runs for periods of `kind`, newest
    /// period first, one per period (the most recently published), at most `limit`.
    func publishedResults(subjectID: String, kind: Int32, limit: Int) throws -> [PublishedResultRow]
    /// For each subject placed under `path`, its result in the most recently published
    /// current run for `period` (and category, when given).
    func publishedResults(period: PeriodKey, underPath: String, categoryCode: String?) throws -> [PublishedResultRow]
    /// A page of `publishedResults(period:underPath:categoryCode:)`, by subject id: at most
    /// `limit` subjects whose id sorts after `afterSubjectID` ("" for the first page), never
    /// `excluding` (a caller's own record).
    func publishedResults(period: PeriodKey, underPath: String, excluding: String, afterSubjectID: String, limit: Int) throws -> [PublishedResultRow]
    /// How many subjects `publishedResults(period:underPath:excluding:…)` has in all.
    func publishedSubjectCount(period: PeriodKey, underPath: String, excluding: String) throws -> Int
    /// Each of these subjects' result in the most recently published current run for `period`.
    func publishedResults(period: PeriodKey, subjectIDs: [String]) throws -> [String: PublishedResultRow]

    // Inputs
    /// Active subjects placed under `path` on `day` (and of these categories, when any).
    func evaluationSubjects(underPath: String, on day: String, categories: [String]) throws -> [EvaluationSubjectRow]
    /// One subject as an evaluation sees it on `day` (its placement then).
    func evaluationSubject(id: String, on day: String) throws -> EvaluationSubjectRow?
    /// Calls `body` with every confirmed entry of each of these subjects that happened on one
    /// of `days` (days since 1970-01-01), subject by subject in the order given, each
    /// subject's by day and then seq, with the subject's index in `subjectIDs` (a run reads
    /// millions: nothing is allocated per entry).
    func scanConfirmedEntries(subjectIDs: ArraySlice<String>, days: ClosedRange<Int32>, _ body: (Int, ConfirmedEntryRow) throws -> Void) throws
    /// The tags confirmed entries name, by the number `ConfirmedEntryRow.tag` holds.
    func confirmedEntryTags() throws -> [ConfirmedEntryTag]
    /// These entries, whatever their status now (the inputs a run recorded).
    func evaluationEntries(seqs: [Int64]) throws -> [EvaluationEntryRow]
    /// Confirmed entries about one subject that happened between the days (inclusive).
    func confirmedEntries(subjectID: String, from: String, to: String) throws -> [EvaluationEntryRow]
    /// Entries about a subject in the period's days still waiting for review.
    func pendingEntryCount(subjectID: String, from: String, to: String) throws -> Int
    /// Entries about subjects placed under `path` now that happened between the days, counted
    /// by source and status (`SOURCE/STATUS`, proto numbers), and confirmed debit entries by
    /// tag (`LIBRARY/CODE`, labelled with the tag's name, with its subjects and dimension).
    func entryCounts(underPath: String, categoryCode: String?, from: String, to: String)
        throws -> (bySourceAndStatus: [KeyCount], debitTags: [KeyCount])

    // Alerts
    func alert(id: String) throws -> AlertRecord?
    func alert(dedupeKey: String) throws -> AlertRecord?
    /// Newest first; `page.after` is the last `seq` seen, in decimal.
    func alerts(_ filter: AlertFilter, page: Page) throws -> [AlertRecord]
    func alertCount(_ filter: AlertFilter) throws -> Int
    /// Oldest first.
    func alertEvents(alertID: String) throws -> [AlertEventRecord]
    /// Accounts holding one of `roles` on an organisation whose subtree holds `path` (or on
    /// the whole deployment), not disabled.
    func accountIDs(roles: [String], covering path: String) throws -> [String]
    /// Undelivered notifications, oldest first.
    func pendingNotifications(limit: Int) throws -> [NotificationRecord]
    /// One notification by its `seq`.
    func notification(seq: Int64) throws -> NotificationRecord?
    /// Newest first, in one delivery state (`NotificationDelivery`) or all; `page.after`
    /// is the last `seq` seen, in decimal.
    func notifications(state: Int?, page: Page) throws -> [NotificationRecord]
    func notificationCount(state: Int?) throws -> Int
    /// Whether a pending notification is due at `now` and unclaimed.
    func claimable(now: Int64) throws -> Bool
}

/// What evaluation analysis changes.
public protocol EvaluationWriter: EvaluationReader {
    /// Stores a new run, assigning its `seq`.
    @discardableResult
    func createEvaluationRun(_ run: EvaluationRunRecord) throws -> Int64
    /// Stores a run's new state, progress, figures, publication or supersession and bumps
    /// its version. The store refuses to change what a published run computed.
    func updateEvaluationRun(_ run: EvaluationRunRecord) throws
    func saveEvaluationResults(_ results: [EvaluationResultRecord]) throws
    /// Drops an unpublished run's results (the store refuses for a published one).
    func deleteEvaluationResults(runID: String) throws

    /// `.conflict` when an alert with the same dedupe key exists.
    func createAlert(_ alert: AlertRecord, event: AlertEventRecord) throws
    func updateAlert(_ alert: AlertRecord, event: AlertEventRecord) throws
    /// Adds a notification unless one with its dedupe key exists; true when added.
    @discardableResult
    func enqueueNotification(_ notification: NotificationRecord) throws -> Bool
    /// Claims up to `limit` pending notifications due at `now` and not claimed by anyone
    /// else (oldest first): their `leaseUntil` becomes `leaseUntil`.
    func claimNotifications(now: Int64, leaseUntil: Int64, limit: Int) throws -> [NotificationRecord]
    /// Stores a notification's delivery fields: state, attempts, next attempt, lease, last
    /// error, delivered time.
    func saveNotificationDelivery(_ notification: NotificationRecord) throws
}
