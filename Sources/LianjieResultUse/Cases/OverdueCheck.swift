import LianjieServiceKit
import LianjieStore

/// The daily check of result use: every case overdue today takes the life cycle's `check`
/// step in a write of its own (so one server's check and another's cannot both escalate the
/// same case: the second finds the escalation already made). Each escalation is audited as
/// a change by the server (no account).
struct OverdueCheck {
    let kit: ServiceKit
    /// Cases read per batch.
    static let batch = 200

    func run() throws -> Int {
        let now = kit.settings.clock.now()
        let today = CalendarDays.today(now)
        let every = Int64(kit.settings.caseEscalationIntervalDays) * 86_400
        var filter = CaseFilter()
        filter.overdueOn = today
        var escalated = 0
        var after: String?
        while true {
            let page = try kit.store.read { r in try r.caseRecords(filter, page: Page(after: after, limit: Self.batch)) }
            for found in page {
                let changed = try kit.store.write { tx -> Bool in
                    guard let current = try tx.caseRecord(id: found.id) else { return false }
                    var life = CaseLifecycle(current, actor: .init(accountID: ""), time: now)
                    let actions = try life.receive(.check(today: today, escalateEverySeconds: every))
                    guard !actions.isEmpty else { return false }
                    let alerts = try CaseEffects(kit: kit).apply(actions, to: life.record, isNew: false, tx)
                    let target = AuditLog.Target(type: "case", id: current.id, organizationID: current.organizationID,
                                                 organizationPath: current.organizationPath)
                    for t in [target] + alerts {
                        try kit.audit.append(tx, time: kit.settings.clock.nowNanos(), accountID: "", method: "check-overdue-cases", target: t,
                                             peer: "", outcome: "OK")
                    }
                    return true
                }
                if changed { escalated += 1 }
            }
            guard page.count == Self.batch, let last = page.last else { return escalated }
            after = String(last.seq)
        }
    }
}
