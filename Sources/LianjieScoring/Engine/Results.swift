/// One entry's part in a score, with every factor that made it.
public struct BreakdownLine: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable {
        /// It moved the score by `contribution`.
        case counted
        /// Confirmed, but the period ends after its window (or before it happened).
        case outsideWindow
        /// It happened inside the period but after the evaluation date.
        case afterEvaluation
        /// Its tag already counted `maxPerPeriod` times in this period.
        case overCountLimit
        /// Submitted, rejected or revoked: only confirmed entries count.
        case notConfirmed
        /// Its tag belongs to another category's library.
        case notApplicable
        /// The scheme has no such tag.
        case unknownTag
    }

    public var entryID: UInt64
    public var tag: TagRef?
    public var dimension: Dimension?
    public var polarity: Polarity?
    public var occurredOn: Day
    public var outcome: Outcome
    /// The factors, in hundredths: points × quantity × tag × category × post coefficients.
    public var points: Int64
    public var quantity: Int64
    public var tagCoefficient: Int64
    public var categoryCoefficient: Int64
    /// 100 (1.00) for credits: the post's risk weighs debits only.
    public var postCoefficient: Int64
    /// Signed; zero unless `outcome` is `counted`.
    public var contribution: Exact
}

/// One dimension's score and how it was reached:
/// `score = base + entries + adjustment`, `weighted = score × weight`.
public struct DimensionScore: Sendable, Hashable {
    public var dimension: Dimension
    public var base: Exact
    /// The sum of the counted entries' contributions.
    public var entries: Exact
    /// What keeping the score inside the dimension's range took away or added (0 inside it).
    public var adjustment: Exact
    public var score: Exact
    /// In hundredths.
    public var weight: Int64
    public var weighted: Exact
}

/// A subject's evaluation for one period under one scheme.
public struct SubjectResult: Sendable, Hashable {
    public var subjectID: String
    public var period: Period
    public var schemeVersion: String
    public var schemeHash: String
    /// No confirmed entry counts in the period: the subject is not scored (never "perfect").
    public var noData: Bool
    /// Empty when `noData`.
    public var dimensions: [DimensionScore]
    /// The sum of the weighted dimension scores; nil when `noData`.
    public var total: Exact?
    /// Nil when `noData`; poor when vetoed.
    public var grade: Grade?
    /// Red-line entries that counted; any one makes the grade poor.
    public var vetoEntries: [UInt64]
    /// Entries that moved the score.
    public var countedEntries: Int
    /// Every entry considered, in date order (empty unless asked for).
    public var breakdown: [BreakdownLine]

    public var vetoed: Bool { !vetoEntries.isEmpty }

    public func dimension(_ d: Dimension) -> DimensionScore? { dimensions.first { $0.dimension == d } }
}
