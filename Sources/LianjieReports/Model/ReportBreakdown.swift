import LianjieScoring

/// How a total was reached: `total = weightedBase + Σ entries' weighted + rangeAdjustment`.
public struct ReportBreakdown: Sendable, Hashable {
    /// The sum of each dimension's base score times its weight.
    public var weightedBase: Exact
    /// Every entry considered, in date order (those that did not count say why).
    public var entries: [BreakdownItem]
    /// The sum of each dimension's range adjustment times its weight (0 when every
    /// dimension stayed inside its range).
    public var rangeAdjustment: Exact
    /// The total the run gave; the page shows a warning if the parts do not add up to it.
    public var total: Exact

    public init(weightedBase: Exact, entries: [BreakdownItem], rangeAdjustment: Exact = .zero, total: Exact) {
        self.weightedBase = weightedBase
        self.entries = entries
        self.rangeAdjustment = rangeAdjustment
        self.total = total
    }

    /// `weightedBase + Σ weighted + rangeAdjustment`, exactly.
    public var sumOfParts: Exact {
        entries.reduce(weightedBase + rangeAdjustment) { $0 + $1.weighted }
    }
}

/// One entry's part in a score, with every factor that made it:
/// `points × quantity × tag × category × post coefficients = contribution`,
/// `contribution × weight = weighted`.
public struct BreakdownItem: Sendable, Hashable {
    public var occurredOn: Day
    public var tagName: String
    public var tagCode: String
    public var dimension: Dimension
    public var polarity: Polarity
    public var outcome: BreakdownLine.Outcome
    public var points: Exact
    public var quantity: Exact
    public var tagCoefficient: Exact
    public var categoryCoefficient: Exact
    /// 1.00 for credits: the post's risk weighs debits only.
    public var postCoefficient: Exact
    /// Signed change of the dimension score; zero unless counted.
    public var contribution: Exact
    /// The dimension's weight, e.g. 0.40.
    public var weight: Exact
    /// Signed change of the total; zero unless counted.
    public var weighted: Exact

    public init(occurredOn: Day, tagName: String, tagCode: String, dimension: Dimension, polarity: Polarity,
                outcome: BreakdownLine.Outcome, points: Exact, quantity: Exact, tagCoefficient: Exact,
                categoryCoefficient: Exact, postCoefficient: Exact, contribution: Exact, weight: Exact, weighted: Exact) {
        self.occurredOn = occurredOn
        self.tagName = tagName
        self.tagCode = tagCode
        self.dimension = dimension
        self.polarity = polarity
        self.outcome = outcome
        self.points = points
        self.quantity = quantity
        self.tagCoefficient = tagCoefficient
        self.categoryCoefficient = categoryCoefficient
        self.postCoefficient = postCoefficient
        self.contribution = contribution
        self.weight = weight
        self.weighted = weighted
    }
}
