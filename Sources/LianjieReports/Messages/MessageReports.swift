public import LianjieMessages
import LianjieScoring
import LianjieScoringMessages

/// The report models from what `EvaluationService` answers, so the CLI and the mobile
/// gateway draw the same pages from the same calls. The module's own types (`TrendPoint`,
/// `TagWeight`, `Cell`…) shadow the wire's of the same names; the wire's are qualified.
public enum MessageReports {
    /// The portrait page's model from a `Portrait`; `generatedAt` is shown as given.
    public static func portrait(_ p: LianjieMessages.Portrait, generatedAt: String) -> PortraitReport {
        let scale = scale(p.dimensionRules, p.grades)
        let period = label(p.period)
        var result = PortraitResult.noData
        var previous: PreviousResult?
        if let r = p.result, !r.noData, let total = Exact(r.total), let grade = (r.grade).core {
            let weights = Dictionary(scale.dimensions.map { ($0.dimension, $0.weight) }, uniquingKeysWith: { a, _ in a })
            let dimensions = r.dimensions.compactMap { d -> DimensionResult? in
                guard let dim = (d.dimension).core else { return nil }
                return DimensionResult(dimension: dim, base: exact(d.baseScore), entries: exact(d.entries), adjustment: exact(d.adjustment),
                                       score: exact(d.score), weighted: exact(d.weighted))
            }
            func weighted(_ value: Exact, _ d: LianjieScoring.Dimension) -> Exact { product(value, weights[d] ?? .zero) }
            let items = r.breakdown.compactMap { l -> BreakdownItem? in
                guard let dim = (l.dimension).core, let outcome = outcome(l.outcome) else { return nil }
                let contribution = exact(l.contribution)
                return BreakdownItem(occurredOn: day(l.occurredOn), tagName: l.tagName, tagCode: tagCode(l.tag), dimension: dim,
                                     polarity: l.polarity == .debit ? .debit : .credit, outcome: outcome, points: exact(l.points),
                                     quantity: exact(l.quantity), tagCoefficient: exact(l.tagCoefficient),
                                     categoryCoefficient: exact(l.categoryCoefficient), postCoefficient: exact(l.postCoefficient),
                                     contribution: contribution, weight: weights[dim] ?? .zero, weighted: weighted(contribution, dim))
            }
            let base = dimensions.reduce(Exact.zero) { $0 + weighted($1.base, $1.dimension) }
            let adjustment = dimensions.reduce(Exact.zero) { $0 + weighted($1.adjustment, $1.dimension) }
            func standing(_ s: LianjieMessages.Standing?, _ group: String) -> PeerStanding? {
                s.map { PeerStanding(group: group, rank: Int($0.rank), peers: Int($0.peers), percentile: exact($0.percentile)) }
            }
            result = .scored(PortraitScore(total: total, grade: grade, redLines: r.vetoEntryIds, dimensions: dimensions,
                                           withinOrganization: standing(r.organizationStanding, p.organizationName),
                                           withinCategory: standing(r.categoryStanding, p.categoryName),
                                           breakdown: ReportBreakdown(weightedBase: base, entries: items, rangeAdjustment: adjustment, total: total)))
            if !r.previousRunId.isEmpty || !r.previousTotal.isEmpty {
                let before = p.period.flatMap { CalendarPeriods.previous($0) }
                previous = PreviousResult(period: label(before), total: Exact(r.previousTotal), grade: (r.previousGrade).core)
            }
        }
        var peers: PeerMedians?
        if !p.peerMedians.isEmpty {
            var values: [LianjieScoring.Dimension: Exact] = [:]
            for m in p.peerMedians { if let d = (m.dimension).core { values[d] = exact(m.score) } }
            peers = PeerMedians(group: p.categoryName, dimensions: values)
        }
        func weight(_ w: LianjieMessages.TagWeight) -> TagWeight {
            TagWeight(tagName: w.name, tagCode: w.tag, dimension: (w.dimension).core ?? .behaviour, count: Int(w.entries),
                      contribution: exact(w.contribution))
        }
        var notes: [String] = []
        if p.noData { notes.append("本期无已发布的评价结果或无数据，不计分 · No published result or no data for this period: not scored") }
        return PortraitReport(
            subject: ReportSubject(name: p.subjectName, employeeNumber: p.employeeNumber, organization: p.organizationName,
                                   category: p.categoryName.isEmpty ? p.categoryCode : p.categoryName, post: p.postName),
            period: period, generatedAt: generatedAt, scale: scale, result: result, peers: peers, previous: previous,
            trend: p.trend.map { TrendPoint(period: label($0.period), total: $0.noData ? nil : Exact($0.total), grade: ($0.grade).core) },
            topCredits: p.topCredits.map(weight), topDebits: p.topDebits.map(weight),
            alerts: p.openAlerts.map { a in
                ReportAlert(rule: a.rule, severity: a.severity == .high ? .serious : a.severity == .medium ? .warning : .notice,
                            state: a.state == .acknowledged ? .acknowledged : a.state == .dismissed ? .dismissed
                                : a.state == .markedForCase ? .caseOpened : .open,
                            raisedOn: Day(ordinal: Int32((a.raiseTime?.seconds ?? 0) / 86_400)), summary: a.summary)
            },
            openCases: p.openCases.map { c in
                OpenCase(number: c.number, state: caseState(c.state),
                         due: dayText(c.dueDate),
                         overdue: c.overdue, summary: c.summary)
            },
            dataQuality: DataQuality(pendingReview: Int(p.entriesPendingReview), notes: notes),
            provenance: ReportProvenance(schemeVersion: p.run.map { "v\($0.schemeVersion) \($0.schemeHash.prefix(12))" } ?? "",
                                         runID: p.run?.id ?? "", inputsHash: p.run?.inputsSha256 ?? ""))
    }

    /// The dossier page's model from a `Dossier` answer.
    public static func dossier(_ d: LianjieMessages.Dossier, generatedAt: String) -> DossierReport {
        let subject = d.subject ?? LianjieMessages.Subject()
        let day = dayText
        func time(_ t: Time?) -> String { t.map { Day(ordinal: Int32($0.seconds / 86_400)).description } ?? "" }
        let placements = d.placements.enumerated().map { i, p in
            DossierPlacement(organization: i < d.placementNames.count ? d.placementNames[i] : p.organizationId, from: day(p.fromDate),
                             to: day(p.toDate), reason: placementReasons[p.reason] ?? p.reason)
        }
        let evaluations = d.evaluations.map { e in
            DossierEvaluationRow(period: label(e.period), total: e.noData ? nil : Exact(e.total), grade: e.noData ? nil : e.grade.core,
                                 vetoed: e.veto, rank: e.organizationPeers > 0 ? "\(e.organizationRank) / \(e.organizationPeers)" : "")
        }
        let trend = d.evaluations.filter { $0.period?.kind == .quarter }.reversed().map { e in
            TrendPoint(period: label(e.period), total: e.noData ? nil : Exact(e.total), grade: e.noData ? nil : e.grade.core)
        }
        let bands = d.grades.flatMap { g in Exact(g.excellent).flatMap { e in Exact(g.good).flatMap { o in Exact(g.fair).map { GradeBands(excellent: e, good: o, fair: $0) } } } }
            ?? ReportScale.standard.grades
        let entries = d.entries.map { e -> DossierEntryRow in
            var note = e.status == .revoked ? "撤销：" + e.statusReason : ""
            if let a = e.appeal, a.state != .unspecified {
                let state = a.state == .pending ? "申辩待决定" : a.state == .upheld ? "申辩成立" : "申辩不成立"
                note += (note.isEmpty ? "" : "；") + state
            }
            return DossierEntryRow(day: day(e.occurredOn), tagName: e.tagName, tagCode: String(e.tag.split(separator: "/").last ?? ""),
                                   dimension: e.dimension.core, debit: e.polarity == .debit, revoked: e.status == .revoked, note: note)
        }
        let alerts = d.alerts.map { a in
            ReportAlert(rule: a.rule, severity: a.severity == .high ? .serious : a.severity == .medium ? .warning : .notice,
                        state: a.state == .acknowledged ? .acknowledged : a.state == .dismissed ? .dismissed
                            : a.state == .markedForCase ? .caseOpened : .open,
                        raisedOn: Day(ordinal: Int32((a.raiseTime?.seconds ?? 0) / 86_400)), summary: a.summary)
        }
        let cases = d.cases.map { c -> DossierCaseRow in
            var disposition = ""
            if let p = c.disposition, p.form != .unspecified {
                disposition = caseForm(p.form) + (p.form == .first ? " · " + firstFormMeasure(p.measure) : " · " + p.documentNumber)
                    + " · " + day(p.date) + (p.notes.isEmpty ? "" : "：" + p.notes)
            }
            var rectification = ""
            if let r = c.rectification {
                rectification = "期限 " + day(r.deadline) + "：" + r.requirements + (r.report.isEmpty ? "（待报告）" : "；已报告：" + r.report)
            }
            return DossierCaseRow(number: c.number, state: caseState(c.state), stillOpen: c.state != .closed && c.state != .dismissed,
                                  opened: time(c.openTime), source: c.source == .unspecified ? "" : caseSource(c.source), summary: c.summary,
                                  disposition: disposition, rectification: rectification,
                                  conclusion: c.state == .dismissed ? "查无实据：" + c.dismissalReason : c.conclusion)
        }
        let talks = d.talks.map { t in
            DossierTalkRow(day: day(t.heldOn), kind: talkKind(t.kind), caseNumber: t.caseNumber, heldBy: t.heldBy,
                           acknowledged: t.acknowledgeTime.map { time($0) } ?? "")
        }
        return DossierReport(subject: ReportSubject(name: subject.name, employeeNumber: subject.employeeNumber, organization: d.organizationName,
                                                    category: d.categoryName, post: d.postName),
                             generatedAt: generatedAt, ownView: d.selfView, placements: placements, evaluations: evaluations, trend: trend,
                             bands: bands, entries: entries, entriesTruncated: d.entriesTruncated, alerts: alerts, cases: cases, talks: talks,
                             contentHash: d.sha256)
    }

    /// The opinion page's model from an `Opinion` answer and its subject.
    public static func opinion(_ o: LianjieMessages.Opinion, subject: ReportSubject, generatedAt: String) -> OpinionReport {
        func signature(_ name: String, _ id: String, _ t: Time?) -> String {
            guard !id.isEmpty else { return "" }
            return (name.isEmpty ? id : name) + (t.map { " · " + Day(ordinal: Int32($0.seconds / 86_400)).description } ?? "")
        }
        let validUntil = dayText(o.validUntil)
        return OpinionReport(subject: subject, purpose: purpose(o.purpose), purposeNote: o.purposeNote, conclusion: conclusion(o.conclusion),
                             changeReason: o.changeReason,
                             facts: o.reasons.map(\.fact), firstSignature: signature(o.reviewerName, o.reviewedBy, o.reviewTime),
                             secondSignature: signature(o.signerName, o.signedBy, o.signTime), signed: o.state == .signed, validUntil: validUntil,
                             expired: o.expired, opinionID: o.id, dossierHash: o.dossierSha256, generatedAt: generatedAt)
    }

    /// The reasons the server itself records for a first placement, for people.
    static let placementReasons = ["created": "建档 Record created", "imported": "名册导入 Roster import"]

    /// What an opinion is for, as reports and pages name it.
    public static func purpose(_ p: OpinionPurpose) -> BilingualLabel {
        switch p {
        case .promotion: BilingualLabel(zh: "提拔任用", en: "Promotion")
        case .award: BilingualLabel(zh: "评优评先", en: "Award")
        case .appraisal: BilingualLabel(zh: "绩效考核", en: "Appraisal")
        default: BilingualLabel(zh: "其他", en: "Other")
        }
    }

    /// An opinion's conclusion; nil while it has none.
    public static func conclusion(_ c: LianjieMessages.OpinionConclusion) -> OpinionReport.Conclusion? {
        switch c {
        case .noObjection: .noObjection
        case .deferred: .deferred
        case .objection: .objection
        default: nil
        }
    }

    /// 谈话提醒 or 告知.
    public static func talkKind(_ k: TalkKind) -> String { k == .notice ? "告知" : "谈话提醒" }

    /// A case's state, as reports and pages name it.
    public static func caseState(_ s: CaseState) -> BilingualLabel {
        switch s {
        case .open: BilingualLabel(zh: "待分办", en: "Open")
        case .assigned: BilingualLabel(zh: "办理中", en: "Assigned")
        case .disposed: BilingualLabel(zh: "已处置", en: "Disposed")
        case .rectifying: BilingualLabel(zh: "整改中", en: "In rectification")
        case .verified: BilingualLabel(zh: "已核实", en: "Verified")
        case .closed: BilingualLabel(zh: "已办结", en: "Closed")
        case .dismissed: BilingualLabel(zh: "已了结（查无实据）", en: "Dismissed as unfounded")
        default: BilingualLabel(zh: "—", en: "—")
        }
    }

    static func caseSource(_ s: CaseSource) -> String {
        switch s {
        case .alert: "预警"
        case .report: "信访举报"
        case .inspection: "监督检查"
        case .audit: "审计"
        case .referral: "移交"
        default: "其他"
        }
    }

    static func caseForm(_ f: DispositionForm) -> String {
        switch f {
        case .first: "第一种形态"
        case .second: "第二种形态"
        case .third: "第三种形态"
        case .fourth: "第四种形态"
        default: ""
        }
    }

    static func firstFormMeasure(_ m: FirstFormMeasure) -> String {
        switch m {
        case .talkReminder: "谈话提醒"
        case .criticism: "批评教育"
        case .selfExamination: "责令检查"
        case .admonishment: "诫勉"
        default: ""
        }
    }

    /// The organisation page's model from a `Statistics` answer.
    public static func organization(_ s: LianjieMessages.Statistics, generatedAt: String) -> OrganizationReport {
        func int(_ c: LianjieMessages.Cell?) -> Cell<Int> {
            guard let c else { return .value(0) }
            return c.suppressed ? .suppressed : .value(Int(c.value) ?? 0)
        }
        func dec(_ c: LianjieMessages.Cell?) -> Cell<Exact> {
            guard let c else { return .value(.zero) }
            return c.suppressed ? .suppressed : .value(Exact(c.value) ?? .zero)
        }
        func grades(_ g: GradeCells?) -> GradeCounts {
            GradeCounts(excellent: int(g?.excellent), good: int(g?.good), fair: int(g?.fair), poor: int(g?.poor))
        }
        let total = s.total ?? StatisticsBlock()
        let sources: [(String, ReportEntrySource)] = [("pc", .pc), ("mobile", .mobile), ("import", .bulkImport), ("rule", .rule), ("api", .api)]
        let bySource = sources.compactMap { key, source -> EntrySourceRow? in
            let rows = s.entries.filter { $0.source == key }
            guard !rows.isEmpty else { return nil }
            func status(_ name: String) -> Cell<Int> { rows.first { $0.status == name }.map { int($0.count) } ?? .value(0) }
            return EntrySourceRow(source: source, submitted: status("submitted"), confirmed: status("confirmed"), rejected: status("rejected"),
                                  revoked: status("revoked"))
        }
        return OrganizationReport(
            organization: total.organizationName, period: label(s.period), categoryFilter: s.categoryCode.isEmpty ? nil : s.categoryCode,
            pseudonymised: s.pseudonymised, generatedAt: generatedAt,
            keyFigures: KeyFigures(subjects: int(total.subjects), personTimes: int(total.personTimes), noData: int(total.grades?.noData),
                                   mean: dec(total.mean), median: dec(total.median)),
            grades: grades(total.grades),
            children: s.children.map {
                ChildOrganizationRow(name: $0.organizationName, subjects: int($0.subjects), mean: dec($0.mean), median: dec($0.median),
                                     grades: grades($0.grades), alertsRaised: int($0.alertsRaised), alertsHandled: int($0.alertsHandled))
            },
            topDebitTags: s.topDebitTags.map {
                TagFrequency(tagName: $0.label, tagCode: $0.key, dimension: ($0.dimension).core ?? .problems, entries: int($0.count),
                             subjects: int($0.subjects))
            },
            entriesBySource: bySource,
            alerts: AlertFigures(raised: int(total.alertsRaised), handled: int(total.alertsHandled), turnedIntoCases: int(total.alertsMarkedForCase),
                                 dismissed: int(total.alertsDismissed), open: int(total.alertsOpen)),
            cases: CaseLoopFigures(opened: int(total.casesOpened), closed: int(total.casesClosed), dismissed: int(total.casesDismissed),
                                   overdue: int(total.casesOverdue),
                                   closureRate: total.closureRate.flatMap { $0.suppressed || !$0.value.isEmpty ? dec($0) : nil },
                                   medianDaysToClose: total.medianDaysToClose.flatMap { $0.suppressed || !$0.value.isEmpty ? dec($0) : nil },
                                   dispositions: [total.dispositionsFirstForm, total.dispositionsSecondForm, total.dispositionsThirdForm,
                                                  total.dispositionsFourthForm].map(int)),
            ranking: s.ranking.map {
                RankingRow(rank: Int($0.rank), name: $0.name, organization: $0.organizationName, category: $0.categoryCode,
                           total: Exact($0.total), grade: ($0.grade).core, vetoed: $0.vetoed, change: Exact($0.totalChange))
            },
            provenance: ReportProvenance(schemeVersion: "", runID: s.runIds.joined(separator: ", "), inputsHash: ""))
    }

    // MARK: Small conversions

    static func exact(_ text: String) -> Exact { Exact(text) ?? .zero }

    /// `a × b`, exact (both have few decimals in a report).
    static func product(_ a: Exact, _ b: Exact) -> Exact {
        guard let h = b.hundredths else { return Exact(units: a.units * b.units / Exact.scale) }
        return Exact(units: a.units * Int128(h) / 100)
    }

    static func outcome(_ o: BreakdownOutcome) -> LianjieScoring.BreakdownLine.Outcome? {
        switch o {
        case .counted: .counted
        case .outsideWindow: .outsideWindow
        case .afterEvaluation: .afterEvaluation
        case .overCountLimit: .overCountLimit
        case .notApplicable: .notApplicable
        case .unknownTag: .unknownTag
        default: nil
        }
    }

    /// A message's day, if it is one.
    static func calendarDay(_ d: CalendarDate?) -> Day? { d.flatMap { Day(year: Int($0.year), month: Int($0.month), day: Int($0.day)) } }

    static func day(_ d: CalendarDate?) -> Day { calendarDay(d) ?? Day(ordinal: 0) }

    /// `YYYY-MM-DD`, or empty for none.
    static func dayText(_ d: CalendarDate?) -> String { calendarDay(d)?.description ?? "" }

    /// `LIBRARY@VERSION/CODE` → `CODE`.
    static func tagCode(_ ref: String) -> String { ref.split(separator: "/").last.map(String.init) ?? ref }

    /// `2026-Q3`, `2026-09`, `2026`.
    static func label(_ p: LianjieMessages.Period?) -> String {
        guard let p else { return "" }
        switch p.kind {
        case .quarter: return "\(p.year)-Q\(p.index)"
        case .month: return "\(p.year)-\(p.index < 10 ? "0" : "")\(p.index)"
        default: return "\(p.year)"
        }
    }

    static func scale(_ rules: [LianjieMessages.DimensionRule], _ bands: LianjieMessages.GradeBands?) -> ReportScale {
        let dims = rules.compactMap { r -> DimensionScale? in
            guard let d = (r.dimension).core else { return nil }
            return DimensionScale(dimension: d, minimum: exact(r.minimum), maximum: exact(r.maximum), weight: exact(r.weight))
        }
        guard dims.count == 3, let bands, let e = Exact(bands.excellent), let g = Exact(bands.good), let f = Exact(bands.fair) else {
            return .standard
        }
        let low = dims.reduce(Exact.zero) { $0 + product($1.minimum, $1.weight) }
        let high = dims.reduce(Exact.zero) { $0 + product($1.maximum, $1.weight) }
        return ReportScale(dimensions: dims, totalMinimum: low, totalMaximum: high, grades: LianjieScoring.GradeBands(excellent: e, good: g, fair: f))
    }
}

/// Periods on the wire, stepped back.
enum CalendarPeriods {
    static func previous(_ p: LianjieMessages.Period) -> LianjieMessages.Period {
        var q = p
        switch p.kind {
        case .quarter: if q.index == 1 { q.year -= 1; q.index = 4 } else { q.index -= 1 }
        case .month: if q.index == 1 { q.year -= 1; q.index = 12 } else { q.index -= 1 }
        default: q.year -= 1
        }
        return q
    }
}
