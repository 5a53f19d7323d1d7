import LianjieScoring

/// Everything the integrity portrait (廉洁画像) of one subject for one period shows.
///
/// A plain value: build it from an evaluation run (the CLI and the mobile gateway map
/// their messages onto it) and hand it to `PortraitPage`. The page shows what the model
/// says and computes nothing but sums and differences of the numbers it is given.
public struct PortraitReport: Sendable, Hashable {
    public var subject: ReportSubject
    /// The period's label, e.g. "2026-Q1".
    public var period: String
    /// When the report was made, as text to print, e.g. "2026-04-02 09:30".
    public var generatedAt: String
    public var scale: ReportScale
    /// The period's result, or `.noData`.
    public var result: PortraitResult
    /// The peers' median score per dimension (and total), for the radar chart; nil when
    /// there are too few peers to say.
    public var peers: PeerMedians?
    /// The previous period's result, for "change vs previous period"; nil when the subject
    /// was not evaluated then.
    public var previous: PreviousResult?
    /// The last periods, oldest first, ending with this one.
    public var trend: [TrendPoint]
    /// The credit tags that moved the score most, largest first.
    public var topCredits: [TagWeight]
    /// The debit tags that moved the score most, largest (most negative) first.
    public var topDebits: [TagWeight]
    /// Open alerts about the subject.
    public var alerts: [ReportAlert]
    /// Cases about the subject not yet closed or dismissed (the staff's view only).
    public var openCases: [OpenCase]
    public var dataQuality: DataQuality
    public var provenance: ReportProvenance

    public init(subject: ReportSubject, period: String, generatedAt: String, scale: ReportScale = .standard,
                result: PortraitResult, peers: PeerMedians? = nil, previous: PreviousResult? = nil, trend: [TrendPoint] = [],
                topCredits: [TagWeight] = [], topDebits: [TagWeight] = [], alerts: [ReportAlert] = [], openCases: [OpenCase] = [],
                dataQuality: DataQuality = DataQuality(), provenance: ReportProvenance) {
        self.openCases = openCases
        self.subject = subject
        self.period = period
        self.generatedAt = generatedAt
        self.scale = scale
        self.result = result
        self.peers = peers
        self.previous = previous
        self.trend = trend
        self.topCredits = topCredits
        self.topDebits = topDebits
        self.alerts = alerts
        self.dataQuality = dataQuality
        self.provenance = provenance
    }
}

/// A subject's result in a period: scored, or no data (never read as a clean record).
public enum PortraitResult: Sendable, Hashable {
    case scored(PortraitScore)
    /// No confirmed entry counted in the period: the subject was not scored.
    case noData

    /// The score, or nil when there was no data.
    public var score: PortraitScore? {
        if case .scored(let s) = self { return s }
        return nil
    }
}

/// A scored result with everything that explains it.
public struct PortraitScore: Sendable, Hashable {
    public var total: Exact
    /// Poor whenever `redLines` is not empty.
    public var grade: Grade
    /// The names of the red-line tags that counted (一票否决); empty when not vetoed.
    public var redLines: [String]
    /// One per dimension.
    public var dimensions: [DimensionResult]
    public var withinOrganization: PeerStanding?
    public var withinCategory: PeerStanding?
    /// How the total was reached, entry by entry.
    public var breakdown: ReportBreakdown

    public init(total: Exact, grade: Grade, redLines: [String] = [], dimensions: [DimensionResult],
                withinOrganization: PeerStanding? = nil, withinCategory: PeerStanding? = nil, breakdown: ReportBreakdown) {
        self.total = total
        self.grade = grade
        self.redLines = redLines
        self.dimensions = dimensions
        self.withinOrganization = withinOrganization
        self.withinCategory = withinCategory
        self.breakdown = breakdown
    }

    public var vetoed: Bool { !redLines.isEmpty }

    public func dimension(_ d: Dimension) -> DimensionResult? { dimensions.first { $0.dimension == d } }
}

/// One dimension's score: `score = base + entries + adjustment`, `weighted = score × weight`.
public struct DimensionResult: Sendable, Hashable {
    public var dimension: Dimension
    public var base: Exact
    /// The sum of the counted entries' contributions to this dimension.
    public var entries: Exact
    /// What keeping the score inside the dimension's range added or took away.
    public var adjustment: Exact
    public var score: Exact
    public var weighted: Exact

    public init(dimension: Dimension, base: Exact, entries: Exact, adjustment: Exact, score: Exact, weighted: Exact) {
        self.dimension = dimension
        self.base = base
        self.entries = entries
        self.adjustment = adjustment
        self.score = score
        self.weighted = weighted
    }
}

/// A subject's place among a group of peers.
public struct PeerStanding: Sendable, Hashable {
    /// What the group is, e.g. "城东区供电分局" or "高压业扩报装".
    public var group: String
    /// 1 for the highest total.
    public var rank: Int
    /// Peers with a score, the subject included.
    public var peers: Int
    /// The share of the other peers with a lower total, in percent.
    public var percentile: Exact

    public init(group: String, rank: Int, peers: Int, percentile: Exact) {
        self.group = group
        self.rank = rank
        self.peers = peers
        self.percentile = percentile
    }
}

/// The median scores of the subject's peers.
public struct PeerMedians: Sendable, Hashable {
    /// Who the peers are, e.g. "同类别人员 (17 人)".
    public var group: String
    public var dimensions: [Dimension: Exact]
    public var total: Exact?

    public init(group: String, dimensions: [Dimension: Exact], total: Exact? = nil) {
        self.group = group
        self.dimensions = dimensions
        self.total = total
    }
}

/// The previous period's result.
public struct PreviousResult: Sendable, Hashable {
    public var period: String
    /// Nil when the previous period had no data.
    public var total: Exact?
    public var grade: Grade?

    public init(period: String, total: Exact?, grade: Grade?) {
        self.period = period
        self.total = total
        self.grade = grade
    }
}

/// One period on the trend chart.
public struct TrendPoint: Sendable, Hashable {
    /// E.g. "2026-Q1".
    public var period: String
    /// Nil for a period with no data (a gap in the line).
    public var total: Exact?
    /// The grade given (poor when vetoed, whatever the total); nil with no data, or to take
    /// it from the grade thresholds.
    public var grade: Grade?

    public init(period: String, total: Exact?, grade: Grade? = nil) {
        self.period = period
        self.total = total
        self.grade = grade
    }
}

/// A tag's weight in a result: how many entries counted and what they did to the total.
public struct TagWeight: Sendable, Hashable {
    public var tagName: String
    public var tagCode: String
    public var dimension: Dimension
    /// Entries that counted.
    public var count: Int
    /// Signed; their sum's part in the total (after weights).
    public var contribution: Exact

    public init(tagName: String, tagCode: String, dimension: Dimension, count: Int, contribution: Exact) {
        self.tagName = tagName
        self.tagCode = tagCode
        self.dimension = dimension
        self.count = count
        self.contribution = contribution
    }
}

/// What a reader should know about the data behind a result.
public struct DataQuality: Sendable, Hashable {
    /// Entries submitted but not yet reviewed (they do not count yet).
    public var pendingReview: Int
    /// Appeals waiting for a decision.
    public var pendingAppeals: Int
    /// Anything else worth saying, one sentence each.
    public var notes: [String]

    public init(pendingReview: Int = 0, pendingAppeals: Int = 0, notes: [String] = []) {
        self.pendingReview = pendingReview
        self.pendingAppeals = pendingAppeals
        self.notes = notes
    }
}

/// A case about the subject still being handled, as the portrait lists it.
public struct OpenCase: Sendable, Hashable {
    public var number: String
    public var state: BilingualLabel
    /// The day it is due to be closed by; empty before it is assigned.
    public var due: String
    /// Past its due date or rectification deadline.
    public var overdue: Bool
    public var summary: String

    public init(number: String, state: BilingualLabel, due: String, overdue: Bool, summary: String) {
        self.number = number
        self.state = state
        self.due = due
        self.overdue = overdue
        self.summary = summary
    }
}
