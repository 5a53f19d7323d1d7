import LianjieScoring

/// The integrity dossier (廉洁档案) of one subject as its printable page shows it: who they
/// are and where they have worked, every published evaluation, the record of entries,
/// alerts, cases with their dispositions, and talks.
public struct DossierReport: Sendable, Hashable {
    public var subject: ReportSubject
    public var generatedAt: String
    /// The employee's own view (no alerts; cases only from their disposition).
    public var ownView: Bool
    public var placements: [DossierPlacement]
    /// Newest first.
    public var evaluations: [DossierEvaluationRow]
    /// The quarters' totals, oldest first, for the trend chart.
    public var trend: [TrendPoint]
    public var bands: GradeBands
    /// Newest first.
    public var entries: [DossierEntryRow]
    /// More entries exist than the dossier lists.
    public var entriesTruncated: Bool
    public var alerts: [ReportAlert]
    public var cases: [DossierCaseRow]
    public var talks: [DossierTalkRow]
    /// The SHA-256 of the dossier's content, printed so a reader can match the page to it.
    public var contentHash: String

    public init(subject: ReportSubject, generatedAt: String, ownView: Bool, placements: [DossierPlacement], evaluations: [DossierEvaluationRow],
                trend: [TrendPoint], bands: GradeBands, entries: [DossierEntryRow], entriesTruncated: Bool, alerts: [ReportAlert],
                cases: [DossierCaseRow], talks: [DossierTalkRow], contentHash: String) {
        self.subject = subject
        self.generatedAt = generatedAt
        self.ownView = ownView
        self.placements = placements
        self.evaluations = evaluations
        self.trend = trend
        self.bands = bands
        self.entries = entries
        self.entriesTruncated = entriesTruncated
        self.alerts = alerts
        self.cases = cases
        self.talks = talks
        self.contentHash = contentHash
    }
}

/// Where the subject was, from when to when (`to` empty while current), and why they moved.
public struct DossierPlacement: Sendable, Hashable {
    public var organization: String
    public var from: String
    public var to: String
    public var reason: String

    public init(organization: String, from: String, to: String, reason: String) {
        self.organization = organization
        self.from = from
        self.to = to
        self.reason = reason
    }
}

/// One published evaluation.
public struct DossierEvaluationRow: Sendable, Hashable {
    /// E.g. "2026-Q3", "2026".
    public var period: String
    /// Nil with no data.
    public var total: Exact?
    public var grade: Grade?
    public var vetoed: Bool
    /// "3 / 17", or empty.
    public var rank: String

    public init(period: String, total: Exact?, grade: Grade?, vetoed: Bool, rank: String) {
        self.period = period
        self.total = total
        self.grade = grade
        self.vetoed = vetoed
        self.rank = rank
    }
}

/// One confirmed or revoked entry.
public struct DossierEntryRow: Sendable, Hashable {
    public var day: String
    public var tagName: String
    public var tagCode: String
    public var dimension: Dimension?
    public var debit: Bool
    public var revoked: Bool
    /// The revocation's reason, or how an appeal stands; empty for neither.
    public var note: String

    public init(day: String, tagName: String, tagCode: String, dimension: Dimension?, debit: Bool, revoked: Bool, note: String) {
        self.day = day
        self.tagName = tagName
        self.tagCode = tagCode
        self.dimension = dimension
        self.debit = debit
        self.revoked = revoked
        self.note = note
    }
}

/// One case, as far as the reader may see it.
public struct DossierCaseRow: Sendable, Hashable {
    public var number: String
    /// The state for people, e.g. "整改中 In rectification".
    public var state: BilingualLabel
    /// Not yet closed or dismissed.
    public var stillOpen: Bool
    public var opened: String
    /// Empty in the employee's own view.
    public var source: String
    public var summary: String
    /// E.g. "第一种形态 · 谈话提醒 · 2026-11-20", or empty before disposition.
    public var disposition: String
    public var rectification: String
    public var conclusion: String

    public init(number: String, state: BilingualLabel, stillOpen: Bool, opened: String, source: String, summary: String, disposition: String,
                rectification: String, conclusion: String) {
        self.number = number
        self.state = state
        self.stillOpen = stillOpen
        self.opened = opened
        self.source = source
        self.summary = summary
        self.disposition = disposition
        self.rectification = rectification
        self.conclusion = conclusion
    }
}

/// One talk or notice, and whether the employee acknowledged it.
public struct DossierTalkRow: Sendable, Hashable {
    public var day: String
    /// "谈话提醒" or "告知".
    public var kind: String
    public var caseNumber: String
    public var heldBy: String
    /// When the employee acknowledged it; empty while not.
    public var acknowledged: String

    public init(day: String, kind: String, caseNumber: String, heldBy: String, acknowledged: String) {
        self.day = day
        self.kind = kind
        self.caseNumber = caseNumber
        self.heldBy = heldBy
        self.acknowledged = acknowledged
    }
}
