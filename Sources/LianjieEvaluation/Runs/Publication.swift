public import LianjieMessages
import LianjieRPC
import LianjieScoring
public import LianjieServiceKit
public import LianjieStore

/// Publishing a draft run: it becomes current for its scope, period and scheme (superseding
/// the current one, which needs a reason), and its score alerts are raised.
enum Publication {
    static func publish(_ runID: String, note: String, supersedeReason reason: String, by accountID: String, now: Int64, scheme: CoreScheme,
                        alerts: AlertRaiser, _ tx: any StoreWriter)
        throws -> (run: EvaluationRunRecord, superseded: EvaluationRunRecord?, raised: [AlertRecord]) {
        guard var current = try tx.evaluationRun(id: runID) else { throw RunHandlers.notFound }
        guard current.state == RunState.draft.rawValue else {
            throw RPCError(.failedPrecondition, "only a draft run can be published; this one is \(RunHandlers.stateName(current.state))")
        }
        var superseded: EvaluationRunRecord?
        if var old = try tx.currentEvaluationRun(scopeKey: current.scopeKey, period: current.period, schemeVersion: current.schemeVersion) {
            guard !reason.isEmpty else {
                throw RPCError(.failedPrecondition, "run \(old.id) is current for this scope, period and scheme; "
                               + "give a supersede_reason to publish this one in its place")
            }
            old.isCurrent = false
            old.supersededBy = current.id
            old.supersedeTime = now
            old.supersedeReason = reason
            try tx.updateEvaluationRun(old)
            current.supersedes = old.id
            superseded = old
        }
        current.state = RunState.published.rawValue
        current.isCurrent = true
        current.publishedBy = accountID
        current.publishTime = now
        current.publishNote = note
        let raised = try alerts.scoreAlerts(run: current, scheme: scheme, accountID: accountID, now: now, tx)
        current.alertsRaised = raised.count
        try tx.updateEvaluationRun(current)
        return (current, superseded, raised)
    }
}

extension EvaluationModule {
    /// Evaluates `period` over an organisation's subtree with the current published scheme
    /// and publishes the result at once, in this thread, with the audit entries a person's
    /// run and publication would leave (for the demo, and for operators' scripts that load
    /// history). Returns the run's id.
    public static func evaluateAndPublish(store: any Store, audit: AuditLog, period: LianjieMessages.Period, organizationID: String,
                                          by accountID: String, note: String, clock: any ServiceClock) throws -> String {
        let schemes = PublishedSchemes()
        let now = clock.now()
        guard let core = CalendarDays.period(period) else { throw RPCError.invalidArgument(field: "period", "is not a period") }
        let today = Day(CalendarDays.today(now))!
        var run = EvaluationRunRecord()
        let (org, scheme) = try store.read { r in (try r.organization(id: organizationID), try schemes.current(r)) }
        guard let org, let scheme else { throw StoreError(.failed, "no such organisation, or no published scheme") }
        run.id = Identifiers.new(prefix: "run")
        run.period = Convert.periodKey(core)
        run.organizationID = org.id
        run.organizationPath = org.path
        run.schemeVersion = scheme.record.version
        run.schemeHash = scheme.record.hash
        run.rulesHash = ResultBuilder.rulesHash(scheme.compiled.scheme)
        run.evaluationDate = min(core.end, today).description
        run.state = RunState.running.rawValue
        run.createdBy = accountID
        run.createTime = now
        run.heartbeat = now
        let target = AuditLog.Target(type: "evaluation_run", id: run.id, organizationID: org.id, organizationPath: org.path)
        try store.write { tx in
            run.seq = try tx.createEvaluationRun(run)
            try audit.append(tx, time: clock.nowNanos(), accountID: accountID, method: EvaluationService.createEvaluationRun.path, target: target,
                             peer: "local", outcome: "OK")
        }
        let snapshot = try RunEngine.snapshot(run.id, store, schemes)
        let draft = RunEngine.draft(snapshot, now: now)
        try store.write { tx in
            try tx.saveEvaluationResults(draft.results)
            try tx.updateEvaluationRun(draft.run)
            let (_, _, raised) = try Publication.publish(run.id, note: note, supersedeReason: "", by: accountID, now: now,
                                                         scheme: scheme.compiled.scheme, alerts: AlertRaiser(schemes: schemes), tx)
            for t in [target] + raised.map({ AuditLog.Target(type: "alert", id: $0.id, organizationID: $0.organizationID, organizationPath: $0.organizationPath) }) {
                try audit.append(tx, time: clock.nowNanos(), accountID: accountID, method: EvaluationService.publishEvaluationRun.path, target: t,
                                 peer: "local", outcome: "OK")
            }
        }
        return run.id
    }
}

extension EvaluationModule {
    /// Applies the entry alert rules to every entry already in the store, oldest first, as
    /// if each had just been confirmed or derived: for entries loaded outside the services
    /// (the demo's history). Alerts already raised are not raised again. Returns how many
    /// alerts were raised or given more evidence.
    @discardableResult
    public static func raiseEntryAlerts(store: any Store, audit: AuditLog, clock: any ServiceClock) throws -> Int {
        let raiser = AlertRaiser(schemes: PublishedSchemes())
        var all: [EntryRecord] = []
        var after: String?
        repeat {
            let page = try store.read { try $0.entries(EntryFilter(scope: .everything), page: Page(after: after, limit: 500)) }
            all += page
            after = page.count == 500 ? String(page.last!.seq) : nil
        } while after != nil
        let now = clock.now()
        return try store.write { tx in
            var touched = 0
            for e in all.sorted(by: { $0.seq < $1.seq }) {
                var changes: [EntryChange] = []
                if e.source == EntrySource.rule.rawValue { changes.append(EntryChange(kind: .derived, entry: e, accountID: e.recordedBy, time: now)) }
                if e.status == EntryStatus.confirmed.rawValue {
                    changes.append(EntryChange(kind: .confirmed, entry: e, accountID: e.reviewedBy, time: now))
                }
                for change in changes {
                    for target in try raiser.entryChanged(change, tx) {
                        touched += 1
                        try audit.append(tx, time: clock.nowNanos(), accountID: change.accountID, method: "local/raiseEntryAlerts", target: target,
                                         peer: "local", outcome: "OK")
                    }
                }
            }
            return touched
        }
    }
}
