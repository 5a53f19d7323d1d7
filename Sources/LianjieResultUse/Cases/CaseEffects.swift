import LianjieMessages
import LianjieServiceKit
import LianjieStore

/// Carries out what the life cycle answered, inside the step's transaction: keeps the case
/// and its events, tells people through the notification outbox, and raises the overdue
/// alert through the kit (the evaluation module owns alert rules).
struct CaseEffects {
    /// Raises the overdue alert: the kit's observers.
    let raiseOverdue: (CaseOverdue, any StoreWriter) throws -> [AuditLog.Target]

    init(kit: ServiceKit) { raiseOverdue = kit.caseOverdue }

    init(raiseOverdue: @escaping (CaseOverdue, any StoreWriter) throws -> [AuditLog.Target]) { self.raiseOverdue = raiseOverdue }

    /// Stores `record` (created when `isNew`) with the events among `actions` and carries
    /// out the rest. Returns the further records changed (alerts), for the audit.
    func apply(_ actions: [CaseLifecycle.Action], to record: CaseRecord, isNew: Bool, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        var events: [CaseEventRecord] = []
        var touched: [AuditLog.Target] = []
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
            case .record:
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

    /// One notification per recipient account, never to the subject themself.
    private func notify(_ recipient: CaseLifecycle.Recipient, key: String, message: String, about c: CaseRecord, _ tx: any StoreWriter) throws {
        let accounts: [String]
        switch recipient {
        case .account(let id): accounts = [id]
        case .subjectManagers: accounts = try tx.accountIDs(roles: ["manager"], covering: c.organizationPath)
        case .disciplineHeads: accounts = try tx.accountIDs(roles: ["discipline_head"], covering: c.organizationPath)
        }
        let subjectAccount = try tx.subject(id: c.subjectID)?.accountID ?? ""
        for account in accounts where !account.isEmpty && account != subjectAccount {
            var n = NotificationRecord()
            n.recipient = account
            n.channel = "mobile"
            n.dedupeKey = "\(key):\(account)"
            n.payload = JSONValue.object([("type", .string("case")), ("case", .string(c.id)), ("number", .string(c.number)),
                                          ("subject", .string(c.subjectID)), ("subjectName", .string(c.subjectName)),
                                          ("state", .string(CaseLifecycle.State(rawValue: c.state)?.name ?? "")),
                                          ("message", .string(message))]).serialized()
            n.createTime = c.updateTime
            try tx.enqueueNotification(n)
        }
    }
}
