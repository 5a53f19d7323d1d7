public import LianjieMessages
public import LianjieScoring
import LianjieServiceKit
public import LianjieStore

/// One run of the current scheme's work-order rules over a period: what each rule found,
/// and the entries to record for what no earlier run recorded. Planned from a snapshot,
/// recorded in one transaction (`record`), which skips anything a concurrent run recorded
/// meanwhile; so a run never records a finding twice.
public struct RuleRun: Sendable {
    struct Planned: Sendable {
        var report: Int
        var entry: EntryRecord
        var confirmation: EntryEventRecord?
        var organization: OrganizationRecord
    }

    public private(set) var reports: [RuleRunReport]
    var planned: [Planned]
    public let schemeVersion: Int
    /// Work orders in the runner's scope among those examined (the period's and the year
    /// before it; every order of the deployment serves as a peer).
    public let orders: Int
    let now: Int64
    let recordedBy: String

    /// The entries planned, for callers that show or count them.
    public var entries: [EntryRecord] { planned.map(\.entry) }

    /// Plans a run of the current published scheme's rules over everything (for the demo and
    /// the benchmark, which stand outside any caller's scope); nil before a scheme is published.
    public static func plan(period: LianjieScoring.Period, now: Int64, recordedBy: String, _ r: any StoreReader) throws -> RuleRun? {
        guard let current = try PublishedSchemes().current(r) else { return nil }
        return try plan(scheme: current, period: period, now: now, recordedBy: recordedBy, runnerSubjectID: "", r) { _ in true }
    }

    /// Plans a run. `reaches` says whether findings about subjects of an organisation
    /// belong to whoever runs it (others are neither counted nor recorded); findings about
    /// the runner's own subject are left to someone else.
    ///
    /// Four eyes: a rule whose entries start confirmed confirms only findings whose orders
    /// all came from someone other than the runner (the marketing system, as a rule); a
    /// finding on an order the runner imported starts submitted, for a second person.
    static func plan(scheme: PublishedSchemes.Version, period: LianjieScoring.Period, now: Int64, recordedBy: String, runnerSubjectID: String,
                     _ r: any StoreReader, reaches: (OrganizationRecord) -> Bool) throws -> RuleRun {
        let from = Int64(period.start.ordinal) * RuleEngine.day
        let until = Int64(period.end.ordinal + 1) * RuleEngine.day
        // Peers reach back a year before the period, so a quarter is compared with enough orders.
        let peersFrom = Day(ordinal: period.start.ordinal - 365).description
        let orders = try r.workOrders(WorkOrderFilter(scope: .everything, fromDay: peersFrom, toDay: period.end.description),
                                      page: Page(after: nil, limit: 10_000_000))
        let engine = RuleEngine(orders: orders, from: from, until: until, now: now, periodName: period.description, year: period.year)
        let importers = Dictionary(orders.map { ($0.number, $0.importedBy) }, uniquingKeysWith: { a, _ in a })
        var reachable: [String: Bool] = [:]
        var inScope = 0
        for o in orders {
            if reachable[o.organizationID] == nil { reachable[o.organizationID] = try r.organization(id: o.organizationID).map(reaches) ?? false }
            if reachable[o.organizationID]! { inScope += 1 }
        }
        var run = RuleRun(reports: [], planned: [], schemeVersion: scheme.record.version, orders: inScope, now: now, recordedBy: recordedBy)
        var keys: Set<String> = []
        var categories: [String: String] = [:]
        for rule in scheme.compiled.scheme.workOrderRules {
            let ruleName = "\(rule.code)@\(scheme.record.version)"
            var report = RuleRunReport(rule: rule.code, schemeVersion: Int32(scheme.record.version))
            let tag = rule.tagParts.flatMap { parts in scheme.compiled.tags.first { $0.ref.library == parts.library && $0.ref.code == parts.code } }
            if !rule.enabled { report.notRun = "disabled in the scheme" }
            else if tag == nil { report.notRun = "its tag \(rule.tag) is not in the scheme" }
            else if tag!.tag.retired { report.notRun = "its tag \(rule.tag) is retired" }
            guard report.notRun.isEmpty, let tag else { run.reports.append(report); continue }
            var reasons: Set<String> = []
            for f in engine.run(rule) {
                guard let s = try r.subject(id: f.handlerSubjectID), let o = try r.organization(id: s.organizationID), reaches(o),
                      runnerSubjectID.isEmpty || s.id != runnerSubjectID else { continue }
                report.found += 1
                if try keys.contains(f.key) || r.entry(ruleKey: f.key) != nil { report.alreadyRecorded += 1; continue }
                if categories[s.categoryID] == nil { categories[s.categoryID] = try r.category(id: s.categoryID)?.code ?? "" }
                if s.status != SubjectStatus.active.rawValue {
                    report.skipped += 1; reasons.insert("the handler is not an active subject"); continue
                }
                if let c = tag.category, c != categories[s.categoryID] {
                    report.skipped += 1; reasons.insert("\(rule.tag) does not apply to subjects of category \(categories[s.categoryID]!)"); continue
                }
                keys.insert(f.key)
                report.recorded += 1
                let confirmed = rule.confirmed && f.orders.allSatisfy { importers[$0] != recordedBy }
                let status: LianjieMessages.EntryStatus = confirmed ? .confirmed : .submitted
                let entry = EntryRecord(id: Identifiers.new(prefix: "ent"), subjectID: s.id, tagLibrary: tag.ref.library, tagVersion: tag.ref.version,
                                        tagCode: tag.ref.code, tagName: tag.tag.name, dimension: tag.tag.dimension.rawValue,
                                        polarity: tag.tag.polarity.rawValue, occurredOn: f.day, quantity: 100, description: f.description,
                                        workOrders: f.orders, source: EntrySource.rule.rawValue, status: status.rawValue,
                                        recordedBy: recordedBy, recordTime: now, reviewTime: confirmed ? now : 0,
                                        schemeVersion: scheme.record.version, rule: ruleName, ruleKey: f.key)
                let confirmation = confirmed
                    ? EntryEventRecord(entryID: entry.id, time: now, accountID: "", action: "confirmed", status: status.rawValue,
                                       reason: "entries of rule \(ruleName) start confirmed")
                    : nil
                run.planned.append(Planned(report: run.reports.count, entry: entry, confirmation: confirmation, organization: o))
            }
            report.skipReasons = reasons.sorted()
            run.reports.append(report)
        }
        return run
    }

    /// Records the planned entries in `tx`; the reports, corrected for anything a run that
    /// raced this one recorded since it was planned, and each recorded entry (as stored) with
    /// its organisation.
    public func record(_ tx: any StoreWriter) throws -> (reports: [RuleRunReport], recorded: [(entry: EntryRecord, organization: OrganizationRecord)]) {
        var reports = self.reports
        var recorded: [(entry: EntryRecord, organization: OrganizationRecord)] = []
        for p in planned {
            if try tx.entry(ruleKey: p.entry.ruleKey) != nil {
                reports[p.report].recorded -= 1
                reports[p.report].alreadyRecorded += 1
                continue
            }
            recorded.append((p.entry, p.organization))
            try tx.createEntry(p.entry, event: EntryEventRecord(entryID: p.entry.id, time: now, accountID: recordedBy, action: "submitted",
                                                                status: EntryStatus.submitted.rawValue, reason: "derived by rule \(p.entry.rule)"))
            if let c = p.confirmation { try tx.updateEntry(p.entry, event: c) }
        }
        return (reports, recorded)
    }
}
