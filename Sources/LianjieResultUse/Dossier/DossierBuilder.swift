import LianjieMessages
import LianjieScoring
import LianjieSecurity
import LianjieServiceKit
import LianjieStore

/// Assembles a subject's integrity dossier (廉洁档案) from one snapshot of the store, and
/// seals it with the SHA-256 of its content (what an integrity opinion keeps of the facts
/// it was proposed from).
struct DossierBuilder {
    static let maxEntries = 2000
    static let maxRows = 1000

    /// Who reads it: staff see everything; the employee (`selfView`) does not see alerts,
    /// cases before their disposition or their internals, nor (unless the deployment shows
    /// it) who recorded and reviewed entries.
    var selfView = false
    var showRecorder = false

    func build(_ subject: SubjectRecord, _ r: any StoreReader, now: Int64, schemes: PublishedSchemes) throws -> Dossier {
        var d = Dossier()
        d.subject = RecordMessages.subject(subject)
        d.organizationName = try r.organization(id: subject.organizationID)?.name ?? ""
        d.categoryName = try r.category(id: subject.categoryID)?.name ?? ""
        d.postName = try r.post(id: subject.postID)?.name ?? ""
        let placements = try r.placements(subjectID: subject.id)
        d.placements = placements.map(RecordMessages.placement)
        d.placementNames = try placements.map { try r.organization(id: $0.organizationID)?.name ?? $0.organizationID }
        d.selfView = selfView
        if let g = try schemes.current(r)?.compiled.scheme.grades {
            d.grades = LianjieMessages.GradeBands(excellent: g.excellent.description, good: g.good.description, fair: g.fair.description)
        }

        var evaluations: [(end: Day, kind: Int32, row: PublishedResultRow)] = []
        for kind in [PeriodKind.month, .quarter, .year] {
            for row in try r.publishedResults(subjectID: subject.id, kind: kind.rawValue, limit: Self.maxRows) {
                guard let period = CalendarDays.period(LianjieMessages.Period(kind: PeriodKind(rawValue: row.period.kind), year: row.period.year,
                                                                              index: row.period.index)) else { continue }
                evaluations.append((period.end, kind.rawValue, row))
            }
        }
        d.evaluations = evaluations.sorted { ($0.end, $0.kind) > ($1.end, $1.kind) }.map { e in
            let x = e.row.result
            return DossierEvaluation(period: LianjieMessages.Period(kind: PeriodKind(rawValue: e.row.period.kind), year: e.row.period.year,
                                                                    index: e.row.period.index),
                                     total: x.total, grade: LianjieMessages.Grade(rawValue: x.grade), veto: !x.vetoEntries.isEmpty, noData: x.noData,
                                     organizationRank: Int32(clamping: x.organizationRank), organizationPeers: Int32(clamping: x.organizationPeers),
                                     runId: x.runID, publishTime: CalendarDays.time(e.row.publishTime))
        }

        let statuses = [LianjieMessages.EntryStatus.confirmed.rawValue, LianjieMessages.EntryStatus.revoked.rawValue]
        let entries = try r.entries(EntryFilter(scope: .everything, subjectID: subject.id, statuses: statuses),
                                    page: Page(after: nil, limit: Self.maxEntries + 1))
        d.entriesTruncated = entries.count > Self.maxEntries
        let hideRecorder = selfView && !showRecorder
        d.entries = entries.prefix(Self.maxEntries).map {
            RecordMessages.entry($0, subject: subject, evidence: [], history: nil, selfView: hideRecorder)
        }

        if !selfView {
            var alerts = AlertFilter()
            alerts.subjectID = subject.id
            d.alerts = try r.alerts(alerts, page: Page(after: nil, limit: Self.maxRows)).map { RecordMessages.alert($0, events: []) }
        }
        var cases = CaseFilter()
        cases.subjectID = subject.id
        let today = CalendarDays.today(now)
        d.cases = try r.caseRecords(cases, page: Page(after: nil, limit: Self.maxRows)).compactMap { c in
            guard selfView else { return CaseMessages.message(c, events: try r.caseEvents(caseID: c.id), today: today) }
            // The employee sees what was decided about them, from the disposition on.
            guard c.disposition.form != 0, c.state != CaseLifecycle.State.dismissed.rawValue else { return nil }
            return Self.ownView(CaseMessages.message(c, today: today))
        }
        d.talks = try r.talks(TalkFilter(subjectID: subject.id), page: Page(after: nil, limit: Self.maxRows)).map(CaseMessages.talk)
        if !selfView {
            var opinions = OpinionFilter()
            opinions.subjectID = subject.id
            opinions.state = OpinionState.signed.rawValue
            d.opinions = try r.opinions(opinions, page: Page(after: nil, limit: Self.maxRows)).map {
                OpinionHandlers.message($0, today: today, hrView: false)
            }
        }
        d.sha256 = Digest.hex(Digest.sha256(d.serializedBytes()))
        d.generatedTime = CalendarDays.time(now)
        return d
    }

    /// A case as the employee it is about sees it in their dossier.
    static func ownView(_ c: Case) -> Case {
        var disposition = c.disposition
        disposition?.disposedBy = ""
        return Case(id: c.id, number: c.number, subjectId: c.subjectId, subjectName: c.subjectName, organizationId: c.organizationId,
                    state: c.state, disposition: disposition,
                    rectification: c.rectification.map { Rectification(deadline: $0.deadline, requirements: $0.requirements, report: $0.report,
                                                                       reportTime: $0.reportTime) },
                    conclusion: c.conclusion, openTime: c.openTime, updateTime: c.updateTime)
    }
}
