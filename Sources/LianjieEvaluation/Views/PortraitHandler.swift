import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import Synchronization
import LianjieScoringMessages

/// The integrity portrait (廉洁画像): a subject's published result for a period with its
/// breakdown, heaviest tags, trend, standing among peers, open alerts and data quality.
struct PortraitHandler: Sendable {
    let medians = PeerMedians()

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EvaluationService.getPortrait, audit: .read, on: &router, portrait)
    }

    static let maxTrend = 24

    private func portrait(_ request: GetPortraitRequest, _ call: Call) throws -> Portrait {
        var v = Violations()
        if request.subject.isEmpty { v.add("subject", "is required") }
        if !(0...Int32(Self.maxTrend)).contains(request.trendPeriods) { v.add("trend_periods", "must be between 0 and \(Self.maxTrend)") }
        let period = request.period.flatMap(CalendarDays.period)
        if request.period != nil, period == nil { v.add("period", "is not a period") }
        try v.check()
        let trendCount = request.trendPeriods == 0 ? 8 : Int(request.trendPeriods)
        let missing = RPCError(.notFound, "no such subject")
        guard let (subject, org) = try call.read({ try $0.subjectWithOrganization(key: request.subject) }) else { throw missing }
        // Named before the scope check, so a refused attempt is traced to the person.
        call.target = AuditLog.Target(type: "portrait", id: subject.id, organizationID: org.id, organizationPath: org.path)
        let own = !call.caller.subjectID.isEmpty && call.caller.subjectID == subject.id
        guard (own && call.caller.has(anyOf: [.employee])) || (!own && call.caller.covers(EvaluationAccess.staff, path: org.path)) else { throw missing }
        var m = try call.read { r in try build(subject, org, period: period, trendCount: trendCount, now: call.now, r, call.kit.schemes) }
        if own { Self.selfView(&m) }
        return m
    }

    /// What the employee's own portrait leaves out: alerts (for the inspectors and manager),
    /// entries still waiting for review (the employee sees entries once confirmed), and the
    /// run's figures and notes (about the whole scope) beyond what identifies it.
    static func selfView(_ m: inout Portrait) {
        m.openAlerts = []
        m.openCases = []
        m.entriesPendingReview = 0
        if let run = m.run {
            m.run = EvaluationRun(id: run.id, period: run.period, schemeVersion: run.schemeVersion, schemeHash: run.schemeHash,
                                  rulesHash: run.rulesHash, evaluationDate: run.evaluationDate, state: run.state,
                                  inputsSha256: run.inputsSha256, resultsSha256: run.resultsSha256, publishTime: run.publishTime)
        }
    }

    func build(_ subject: SubjectRecord, _ org: OrganizationRecord, period requested: CorePeriod?, trendCount: Int, now: Int64,
               _ r: any StoreReader, _ schemes: PublishedSchemes) throws -> Portrait {
        var m = Portrait()
        m.subjectId = subject.id
        m.subjectName = subject.name
        m.employeeNumber = subject.employeeNumber
        m.organizationId = org.id
        m.organizationName = org.name
        if let c = try r.category(id: subject.categoryID) { (m.categoryCode, m.categoryName) = (c.code, c.name) }
        if let p = try r.post(id: subject.postID) { (m.postCode, m.postName) = (p.code, p.name) }
        let kind = Convert.periodKey(requested ?? CorePeriod(.quarter, year: 2000, index: 1)!).kind
        var history = try r.publishedResults(subjectID: subject.id, kind: kind, limit: 240)
        if requested == nil, history.isEmpty {
            // No period named and no quarterly result: the newest of any kind.
            for k in [LianjieMessages.PeriodKind.month, .year] where history.isEmpty {
                history = try r.publishedResults(subjectID: subject.id, kind: k.rawValue, limit: 240)
            }
        }
        let key = requested.map(Convert.periodKey) ?? history.first?.period
        let period = key.flatMap(Convert.corePeriod) ?? requested
        m.period = period.map(Convert.period)
        m.trend = history.filter { key == nil || $0.period <= key! }.prefix(trendCount).reversed().map {
            TrendPoint(period: Convert.period($0.period), runId: $0.result.runID, noData: $0.result.noData, total: $0.result.total,
                       grade: LianjieMessages.Grade(rawValue: $0.result.grade))
        }
        var schemeVersion = try r.latestSchemeVersion()
        if let key, let row = history.first(where: { $0.period == key }), let run = try r.evaluationRun(id: row.result.runID),
           let stored = try r.evaluationResult(runID: run.id, subjectID: subject.id) {
            m.run = ResultMessages.run(run)
            schemeVersion = run.schemeVersion
            let full = try RunHandlers.fullResult(stored, run: run, r, schemes)
            m.result = full
            m.noData = row.result.noData
            (m.topCredits, m.topDebits) = Self.heaviest(full.breakdown)
            m.peerMedians = try medians.medians(run: run.id, category: row.result.categoryCode, r)
        } else {
            m.noData = true
        }
        if let scheme = try schemes.version(schemeVersion, r)?.compiled.scheme {
            m.dimensionRules = CoreDimension.allCases.compactMap { d in
                scheme.dimensions[d].map {
                    DimensionRule(dimension: LianjieMessages.Dimension(d), baseScore: $0.base.description, minimum: $0.minimum.description,
                                  maximum: $0.maximum.description, weight: Convert.decimal($0.weight))
                }
            }
            m.grades = LianjieMessages.GradeBands(excellent: scheme.grades.excellent.description, good: scheme.grades.good.description,
                                                  fair: scheme.grades.fair.description)
        }
        var filter = AlertFilter()
        filter.subjectID = subject.id
        var open: [AlertRecord] = []
        for state in [AlertState.open, .acknowledged] {
            filter.state = state.rawValue
            open += try r.alerts(filter, page: Page(after: nil, limit: 200))
        }
        m.openAlerts = open.sorted { $0.seq > $1.seq }.prefix(200).map { RecordMessages.alert($0, events: []) }
        var cases = CaseFilter()
        cases.subjectID = subject.id
        let today = CalendarDays.today(now)
        m.openCases = try r.caseRecords(cases, page: Page(after: nil, limit: 200)).filter { (1...5).contains($0.state) }.map { c in
            Case(id: c.id, number: c.number, subjectId: c.subjectID, subjectName: c.subjectName, organizationId: c.organizationID,
                 source: CaseSource(rawValue: c.source), summary: c.summary, alertId: c.alertID, state: CaseState(rawValue: c.state),
                 handlerId: c.handlerID, dueDate: CalendarDays.date(c.dueDate), overdue: c.overdueDeadline(on: today) != nil,
                 escalations: Int32(clamping: c.escalations), openTime: CalendarDays.time(c.openTime), etag: String(c.version))
        }
        if let period {
            m.entriesPendingReview = Int32(try r.pendingEntryCount(subjectID: subject.id, from: period.start.description, to: period.end.description))
        }
        return m
    }

    /// The five heaviest credit and debit tags of a breakdown, by summed contribution.
    static func heaviest(_ lines: [LianjieMessages.BreakdownLine]) -> ([TagWeight], [TagWeight]) {
        var weights: [String: (TagWeight, Exact)] = [:]
        for l in lines where l.outcome == .counted {
            let key = l.tag.split(separator: "@").first.map(String.init).map { lib in lib + "/" + (l.tag.split(separator: "/").last.map(String.init) ?? "") } ?? l.tag
            var (w, sum) = weights[key] ?? (TagWeight(tag: key, name: l.tagName, dimension: l.dimension, polarity: l.polarity), .zero)
            w.entries += 1
            sum += Exact(l.contribution) ?? .zero
            weights[key] = (w, sum)
        }
        let all = weights.values.map { w, sum -> TagWeight in
            var w = w
            w.contribution = sum.description
            return w
        }
        func amount(_ w: TagWeight) -> Exact { Exact(w.contribution) ?? .zero }
        let credits = all.filter { amount($0) > .zero }.sorted { (amount($0), $1.tag) > (amount($1), $0.tag) }
        let debits = all.filter { amount($0) < .zero }.sorted { (amount($0), $0.tag) < (amount($1), $1.tag) }
        return (Array(credits.prefix(5)), Array(debits.prefix(5)))
    }
}

/// The median dimension scores of a run's results per category. Safe to keep: the results
/// of a run never change once written (the store refuses), and a cancelled run's entry is
/// never asked for again.
final class PeerMedians: Sendable {
    static let minimumPeers = 5
    private let cache = Mutex<[String: [PeerMedian]]>([:])

    func medians(run: String, category: String, _ r: any StoreReader) throws -> [PeerMedian] {
        let key = run + "|" + category
        if let hit = cache.withLock({ $0[key] }) { return hit }
        var filter = EvaluationResultFilter()
        filter.scope = .everything
        var scores: [[Exact]] = [[], [], []]
        for x in try r.allEvaluationResults(runID: run, withInputs: false) where x.categoryCode == category && !x.noData {
            for (i, d) in x.dimensions.enumerated() where i < 3 && d.count == 6 { scores[i].append(Exact(d[3]) ?? .zero) }
        }
        // A median of fewer than 5 people would tell too much about each of them.
        let out = zip(CoreDimension.allCases, scores).compactMap { d, values -> PeerMedian? in
            guard values.count >= Self.minimumPeers else { return nil }
            return PeerMedian(dimension: LianjieMessages.Dimension(d), score: Figures.median(values).description)
        }
        cache.withLock { c in
            if c.count > 1000 { c.removeAll() }
            c[key] = out
        }
        return out
    }
}

/// Plain statistics over exact values.
enum Figures {
    /// The middle value, or the mean of the two middle ones.
    static func median(_ values: [Exact]) -> Exact {
        let s = values.sorted()
        guard !s.isEmpty else { return .zero }
        return s.count % 2 == 1 ? s[s.count / 2] : Exact(units: (s[s.count / 2 - 1].units + s[s.count / 2].units) / 2)
    }

    /// The mean, rounded to two decimals (halves away from zero).
    static func mean(_ values: [Exact]) -> Exact {
        guard !values.isEmpty else { return .zero }
        let sum = values.reduce(Int128(0)) { $0 + $1.units }
        return Exact(units: sum / Int128(values.count)).rounded(places: 2)
    }
}
