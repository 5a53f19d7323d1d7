import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Raises alerts (分析研判提醒) inside the transaction of what caused them: the score rules
/// when a run is published, the entry rules when an entry is confirmed or derived. Each
/// rule raises at most one alert per subject and period (a later match adds its evidence to
/// the open alert instead), and each new alert is queued in the notification outbox for the
/// inspectors of the subject's organisation and the subject's managers.
struct AlertRaiser: Sendable {
    let schemes: PublishedSchemes

    /// Who is told of an alert: inspectors and managers whose grants cover the subject.
    static let recipientRoles = Roles.disciplineNames + ["manager"]

    // MARK: Score rules

    /// Applies the scheme's score rules to every result of a run being published; returns
    /// the alerts it raised.
    func scoreAlerts(run: EvaluationRunRecord, scheme: CoreScheme, accountID: String, now: Int64, _ tx: any StoreWriter) throws -> [AlertRecord] {
        let rules = scheme.alertRules.filter { $0.enabled && $0.kind.readsScores }
        guard !rules.isEmpty else { return [] }
        var raised: [AlertRecord] = []
        for result in try tx.allEvaluationResults(runID: run.id, withInputs: false) where !result.noData {
            guard let total = Exact(result.total) else { continue }
            for rule in rules {
                var summary: String?
                switch rule.kind {
                case .scoreBelow where total < rule.threshold:
                    summary = "总分 \(total)，低于预警线 \(rule.threshold)"
                case .gradePoor where result.grade == LianjieMessages.Grade.poor.rawValue:
                    summary = result.vetoEntries.isEmpty ? "评定等级为较差（总分 \(total)）" : "评定等级为较差：计入一票否决条目（总分 \(total)）"
                case .scoreDrop:
                    if let before = Exact(result.previousTotal), before - total >= rule.points {
                        summary = "总分下降 \(before - total)，由 \(before) 降至 \(total)"
                    }
                default: break
                }
                guard let summary else { continue }
                var alert = Self.draft(rule, subject: (result.subjectID, result.subjectName),
                                       organization: (result.organizationID, result.organizationPath), period: run.period, summary: summary)
                alert.runID = run.id
                alert.schemeVersion = run.schemeVersion
                if let a = try raise(alert, accountID: accountID, now: now, tx) { raised.append(a) }
            }
        }
        return raised
    }

    // MARK: Entry rules

    /// Applies the entry rules of the current scheme to an entry that was just confirmed or
    /// derived; returns the alerts raised or given more evidence, for the call's audit.
    func entryChanged(_ change: EntryChange, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        guard let current = try schemes.current(tx) else { return [] }
        let rules = current.compiled.scheme.alertRules.filter { $0.enabled && !$0.kind.readsScores }
        guard !rules.isEmpty, let day = Day(change.entry.occurredOn),
              let subject = try tx.subject(id: change.entry.subjectID), let org = try tx.organization(id: subject.organizationID) else { return [] }
        let e = change.entry
        let month = Convert.periodKey(CorePeriod(.month, year: day.components.year, index: day.components.month)!)
        let ref = TagRef(library: e.tagLibrary, version: e.tagVersion, code: e.tagCode)
        let entryScheme = try schemes.version(e.schemeVersion, tx)?.compiled ?? current.compiled
        let tagInfo = (entryScheme.tagID(ref) ?? entryScheme.equivalentTagID(ref)).map { entryScheme.tags[Int($0)].tag }
        var touched: [AuditLog.Target] = []
        for rule in rules {
            var summary: String?
            var evidence = [e.id]
            switch (rule.kind, change.kind) {
            case (.immediateTag, .confirmed) where tagInfo?.immediateAlert == true:
                summary = "确认了一条「\(e.tagName)」条目（\(e.tagLibrary)/\(e.tagCode)）"
            case (.workOrderHit, .derived):
                summary = "工单规则 \(e.rule) 生成了一条「\(e.tagName)」条目（\(e.tagLibrary)/\(e.tagCode)）"
            case (.debitBurst, .confirmed) where e.polarity == LianjieScoring.Polarity.debit.rawValue:
                let from = Day(ordinal: day.ordinal - Int32(rule.days - 1)), to = Day(ordinal: day.ordinal + Int32(rule.days - 1))
                let debits = try tx.confirmedEntries(subjectID: e.subjectID, from: from.description, to: to.description)
                    .filter { $0.polarity == LianjieScoring.Polarity.debit.rawValue }
                if let window = Self.burst(debits, count: rule.count, days: rule.days, containing: e.id) {
                    summary = "\(rule.days) 天内确认扣分条目 \(window.count) 条"
                    evidence = window.map(\.id)
                }
            default: break
            }
            guard let summary else { continue }
            var alert = Self.draft(rule, subject: (subject.id, subject.name), organization: (org.id, org.path), period: month, summary: summary)
            alert.entryIDs = evidence
            alert.workOrders = change.kind == .derived ? e.workOrders : []
            alert.schemeVersion = current.record.version
            if let raised = try raise(alert, accountID: change.accountID, now: change.time, tx) {
                touched.append(AuditLog.Target(type: "alert", id: raised.id, organizationID: org.id, organizationPath: org.path))
            } else if let added = try addEvidence(alert, accountID: change.accountID, now: change.time, tx) {
                touched.append(AuditLog.Target(type: "alert", id: added.id, organizationID: org.id, organizationPath: org.path))
            }
        }
        return touched
    }

    // MARK: The case rule

    /// Applies the current scheme's `caseOverdue` rules to a case that fell overdue: one
    /// alert per case and deadline (a new deadline that passes raises another). Returns the
    /// alerts raised, for the check's audit.
    func caseOverdue(_ o: CaseOverdue, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        guard let current = try schemes.current(tx), let day = Day(o.day) else { return [] }
        let month = Convert.periodKey(CorePeriod(.month, year: day.components.year, index: day.components.month)!)
        var touched: [AuditLog.Target] = []
        for rule in current.compiled.scheme.alertRules where rule.enabled && rule.kind == .caseOverdue {
            let what = o.deadline == .due ? "办结期限" : "整改报告期限"
            var alert = Self.draft(rule, subject: (o.subjectID, o.subjectName), organization: (o.organizationID, o.organizationPath),
                                   period: month, summary: "案件 \(o.caseNumber) 已超过\(what)（\(o.day)）")
            alert.dedupeKey = "\(rule.code)|\(o.caseID)|\(o.deadline.rawValue)|\(o.day)"
            alert.caseID = o.caseID
            alert.schemeVersion = current.record.version
            if let raised = try raise(alert, accountID: "", now: o.time, tx) {
                touched.append(AuditLog.Target(type: "alert", id: raised.id, organizationID: o.organizationID, organizationPath: o.organizationPath))
            }
        }
        return touched
    }

    /// The debit entries of a window of `days` days holding at least `count` of them,
    /// `containing` one of them, if there is such a window.
    static func burst(_ debits: [EvaluationEntryRow], count: Int, days: Int, containing id: String) -> [EvaluationEntryRow]? {
        let sorted = debits.compactMap { e in Day(e.occurredOn).map { (e, $0) } }.sorted { ($0.1, $0.0.seq) < ($1.1, $1.0.seq) }
        var start = 0
        for end in sorted.indices {
            while sorted[end].1.ordinal - sorted[start].1.ordinal >= Int32(days) { start += 1 }
            let window = sorted[start...end].map(\.0)
            if window.count >= count, window.contains(where: { $0.id == id }) { return window }
        }
        return nil
    }

    // MARK: Storing

    /// An alert of `rule` about a subject (its organisation by id and path) for a period.
    static func draft(_ rule: AlertRule, subject: (id: String, name: String), organization: (id: String, path: String), period: PeriodKey,
                      summary: String) -> AlertRecord {
        var alert = AlertRecord()
        alert.rule = rule.code
        alert.kind = rule.kind.rawValue
        alert.condition = rule.condition
        alert.severity = Convert.severity(rule.severity).rawValue
        alert.subjectID = subject.id
        alert.subjectName = subject.name
        alert.organizationID = organization.id
        alert.organizationPath = organization.path
        alert.period = period
        alert.summary = summary
        return alert
    }

    /// The rule's dedupe key for a subject and period.
    static func dedupeKey(_ a: AlertRecord) -> String {
        "\(a.rule)|\(a.subjectID)|\(a.period.kind)-\(a.period.year)-\(a.period.index)"
    }

    /// Stores a new alert and its notifications; nil when the rule already raised one for
    /// the subject and period (or for the draft's own dedupe key, when it has one).
    func raise(_ draft: AlertRecord, accountID: String, now: Int64, _ tx: any StoreWriter) throws -> AlertRecord? {
        var alert = draft
        if alert.dedupeKey.isEmpty { alert.dedupeKey = Self.dedupeKey(alert) }
        guard try tx.alert(dedupeKey: alert.dedupeKey) == nil else { return nil }
        alert.id = Identifiers.new(prefix: "al")
        alert.state = AlertState.open.rawValue
        alert.raiseTime = now
        try tx.createAlert(alert, event: AlertEventRecord(alertID: alert.id, time: now, accountID: accountID, action: "raised", note: alert.summary))
        try Outbox.enqueue(Self.payload(alert), to: try tx.accountIDs(roles: Self.recipientRoles, covering: alert.organizationPath),
                           key: "alert:\(alert.id)", excludingSubject: alert.subjectID, time: now, tx)
        return alert
    }

    /// Adds a later match's entries to the rule's open alert for the subject and period.
    private func addEvidence(_ draft: AlertRecord, accountID: String, now: Int64, _ tx: any StoreWriter) throws -> AlertRecord? {
        guard var alert = try tx.alert(dedupeKey: Self.dedupeKey(draft)),
              alert.state == AlertState.open.rawValue || alert.state == AlertState.acknowledged.rawValue else { return nil }
        let newEntries = draft.entryIDs.filter { !alert.entryIDs.contains($0) }
        let newOrders = draft.workOrders.filter { !alert.workOrders.contains($0) }
        guard !newEntries.isEmpty || !newOrders.isEmpty else { return nil }
        alert.entryIDs += newEntries
        alert.workOrders += newOrders
        try tx.updateAlert(alert, event: AlertEventRecord(alertID: alert.id, time: now, accountID: accountID, action: "evidence_added",
                                                          note: draft.summary))
        return alert
    }

    /// What the gateway shows: the alert's facts, never an entry's content.
    static func payload(_ a: AlertRecord) -> String {
        JSONValue.object([("type", .string("alert")), ("alert", .string(a.id)), ("rule", .string(a.rule)),
                          ("severity", .number(String(a.severity))), ("subject", .string(a.subjectID)),
                          ("subjectName", .string(a.subjectName)), ("period", .string(Convert.corePeriod(a.period)?.description ?? "")),
                          ("summary", .string(a.summary))]).serialized()
    }
}
