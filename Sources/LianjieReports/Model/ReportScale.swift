import LianjieScoring

/// What the scheme says about the numbers a report shows: each dimension's range and
/// weight, the total's range and the grade thresholds.
public struct ReportScale: Sendable, Hashable {
    /// One per dimension, in the order the charts show them.
    public var dimensions: [DimensionScale]
    /// The lowest and highest total the scheme can give (0 and 100 by default).
    public var totalMinimum: Exact
    public var totalMaximum: Exact
    public var grades: GradeBands

    public init(dimensions: [DimensionScale], totalMinimum: Exact, totalMaximum: Exact, grades: GradeBands) {
        self.dimensions = dimensions
        self.totalMinimum = totalMinimum
        self.totalMaximum = totalMaximum
        self.grades = grades
    }

    /// The default scheme's scale: every dimension 0..100, weights 0.40 / 0.20 / 0.40,
    /// grades at 90 / 80 / 70.
    public static let standard = ReportScale(
        dimensions: [
            DimensionScale(dimension: .behaviour, minimum: Exact(0), maximum: Exact(100), weight: Exact(hundredths: 40)),
            DimensionScale(dimension: .awareness, minimum: Exact(0), maximum: Exact(100), weight: Exact(hundredths: 20)),
            DimensionScale(dimension: .problems, minimum: Exact(0), maximum: Exact(100), weight: Exact(hundredths: 40)),
        ],
        totalMinimum: Exact(0), totalMaximum: Exact(100),
        grades: GradeBands(excellent: Exact(90), good: Exact(80), fair: Exact(70)))
}

/// One dimension's range and weight.
public struct DimensionScale: Sendable, Hashable {
    public var dimension: Dimension
    public var minimum: Exact
    public var maximum: Exact
    /// The share of the total, e.g. 0.40.
    public var weight: Exact

    public init(dimension: Dimension, minimum: Exact, maximum: Exact, weight: Exact) {
        self.dimension = dimension
        self.minimum = minimum
        self.maximum = maximum
        self.weight = weight
    }
}
