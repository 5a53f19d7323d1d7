import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Carries out what the life cycle answered, inside the step's transaction: derives the
/// entry a heavier disposition means, keeps the case and its events, tells people through
/// the notification outbox, and raises the overdue alert through the kit (the evaluation
/// module owns alert rules).
struct CaseEffects {
    let schemes: PublishedSchemes
    /// Raises the overdue alert: the kit's observers.
    let raiseOverdue: (CaseOverdue, any StoreWriter) throws -> [AuditLog.Target]
    /// Tells the other modules an entry was derived confirmed (alerts): the kit's observers.
    let entryChanged: (EntryChange, any StoreWriter) throws -> [AuditLog.Target]

    init(kit: ServiceKit) {
        schemes = kit.schemes
        raiseOverdue = kit.caseOverdue
        entryChanged = kit.entryChanged
    }

    /// Without a kit (a replayed history): entries are derived, nobody is alerted.
    init(schemes: PublishedSchemes) {
        self.schemes = schemes
        raiseOverdue = { _, _ in [] }
        entryChanged = { _, _ in [] }
    }

    /// Stores `record` (created when `isNew`) with the events among `actions` and carries
    /// out the rest. Returns the further records changed (entries, alerts), for the audit,
    /// and the case as stored.
    @discardableResult
    func apply(_ actions: [CaseLifecycle.Action], to life: CaseRecord, isNew: Bool, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        var record = life
        var touched: [AuditLog.Target] = []
        for case .deriveEntry(let form, let replacing) in actions {
            touched += try derive(form: form, replacing: replacing, &record, tx)
        }
        var events: [CaseEventRecord] = []
        for case .record(let e) in actions { events.append(e) }
        if isNew {
            guard let first = events.first else { preconditionFailure("a case opened without its first event") }
            try tx.createCase(record, event: first)
            if events.count > 1 { try tx.updateCase(record, events: Array(events.dropFirst())) }
        } else {
            try tx.updateCase(record, events: events)
        }
        for action in actions {
            switch action {
            case .record, .deriveEntry:
                break
            case .notify(let recipient, let key, let message):
                try notify(recipient, key: key, message: message, about: record, tx)
            case .raiseOverdueAlert(let deadline, let day):
                touched += try raiseOverdue(CaseOverdue(caseID: record.id, caseNumber: record.number, subjectID: record.subjectID,
                                                        subjectName: record.subjectName, organizationID: record.organizationID,
                                                        organizationPath: record.organizationPath, deadline: deadline, day: day,
                                                        time: record.updateTime), tx)
            }
        }
        return touched
    }

    /// Revokes the entry an earlier disposition derived, and derives the one the current
    /// scheme's rule for `form` names (none for the first form, a form without a rule, or a
    /// retired tag), confirmed, on the disposition's day, citing the case.
    private func derive(form: Int32, replacing: String, _ record: inout CaseRecord, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        let d = record.disposition
        // A voiding (form 0, the case dismissed) is made by whoever dismissed it.
        let by = form == 0 ? record.closedBy : d.disposedBy, time = form == 0 ? record.closeTime : d.disposeTime
        let (orgID, orgPath) = (record.organizationID, record.organizationPath)
        let target = { (id: String) in AuditLog.Target(type: "entry", id: id, organizationID: orgID, organizationPath: orgPath) }
        var touched: [AuditLog.Target] = []
        let confirmed = LianjieMessages.EntryStatus.confirmed.rawValue, revoked = LianjieMessages.EntryStatus.revoked.rawValue
        if !replacing.isEmpty, var old = try tx.entry(id: replacing), old.status == confirmed {
            old.status = revoked
            old.statusReason = form == 0 ? "case \(record.number) was dismissed as unfounded" : "case \(record.number) was disposed again"
            old.reviewedBy = by
            old.reviewTime = time
            try tx.updateEntry(old, event: EntryEventRecord(entryID: old.id, time: time, accountID: by, action: "revoked", status: revoked,
                                                            reason: old.statusReason))
            touched.append(target(old.id))
        }
        record.derivedEntryID = ""
        guard form >= 2, let current = try schemes.current(tx), let rule = current.compiled.scheme.dispositionRule(form: Int(form)) else { return touched }
        let parts = rule.tag.split(separator: "/").map(String.init)
        guard parts.count == 2,
              let tag = current.compiled.tags.first(where: { $0.ref.library == parts[0] && $0.ref.code == parts[1] }), !tag.tag.retired else { return touched }
        let what = d.documentNumber.isEmpty ? "" : "，\(d.documentNumber)"
        let entry = EntryRecord(id: Identifiers.new(prefix: "ent"), subjectID: record.subjectID, tagLibrary: tag.ref.library, tagVersion: tag.ref.version,
                                tagCode: tag.ref.code, tagName: tag.tag.name, dimension: tag.tag.dimension.rawValue, polarity: tag.tag.polarity.rawValue,
                                occurredOn: d.date, quantity: 100, description: "问题处置 \(record.number) 第\(form)种形态处置\(what)",
                                source: LianjieMessages.EntrySource.case.rawValue, status: confirmed, recordedBy: by, recordTime: time,
                                reviewTime: time, schemeVersion: current.record.version, rule: "CASE_DISPOSITION",
                                ruleKey: "case:\(record.id):\(record.version)")
        try tx.createEntry(entry, event: EntryEventRecord(entryID: entry.id, time: time, accountID: by, action: "derived", status: confirmed,
                                                          reason: "derived from case \(record.number), form \(form)"))
        record.derivedEntryID = entry.id
        touched.append(target(entry.id))
        touched += try entryChanged(EntryChange(kind: .confirmed, entry: entry, accountID: by, time: time), tx)
        return touched
    }

    /// One notification per recipient account, never to the subject themself.
    private func notify(_ recipient: CaseLifecycle.Recipient, key: String, message: String, about c: CaseRecord, _ tx: any StoreWriter) throws {
        let accounts: [String]
        switch recipient {
        case .account(let id): accounts = [id]
        case .subjectManagers: accounts = try tx.accountIDs(roles: ["manager"], covering: c.organizationPath)
        case .disciplineHeads: accounts = try tx.accountIDs(roles: ["discipline_head"], covering: c.organizationPath)
        }
        let payload = JSONValue.object([("type", .string("case")), ("case", .string(c.id)), ("number", .string(c.number)),
                                        ("subject", .string(c.subjectID)), ("subjectName", .string(c.subjectName)),
                                        ("state", .string(CaseLifecycle.State(rawValue: c.state)?.name ?? "")),
                                        ("message", .string(message))]).serialized()
        try Outbox.enqueue(payload, to: accounts, key: key, excludingSubject: c.subjectID, time: c.updateTime, tx)
    }
}
