public import LianjieMessages
public import LianjieScoring

// The scoring core's enums and their wire forms, one way and the other: the one place that
// says which is which (the services and the reports share it).

extension LianjieMessages.Grade {
    /// The wire form of a grade; unspecified for none (no data).
    public init(_ g: LianjieScoring.Grade?) {
        switch g {
        case .excellent: self = .excellent
        case .good: self = .good
        case .fair: self = .fair
        case .poor: self = .poor
        case nil: self = .unspecified
        }
    }

    /// The scoring core's grade; nil for unspecified or an unknown number.
    public var core: LianjieScoring.Grade? {
        switch self {
        case .excellent: .excellent
        case .good: .good
        case .fair: .fair
        case .poor: .poor
        default: nil
        }
    }
}

extension LianjieMessages.Dimension {
    public init(_ d: LianjieScoring.Dimension) {
        switch d {
        case .behaviour: self = .behaviour
        case .awareness: self = .awareness
        case .problems: self = .problems
        }
    }

    /// The scoring core's dimension; nil for unspecified or an unknown number.
    public var core: LianjieScoring.Dimension? {
        switch self {
        case .behaviour: .behaviour
        case .awareness: .awareness
        case .problems: .problems
        default: nil
        }
    }
}

extension LianjieMessages.Polarity {
    /// The wire form of a polarity; unspecified for none.
    public init(_ p: LianjieScoring.Polarity?) {
        switch p {
        case .credit: self = .credit
        case .debit: self = .debit
        case nil: self = .unspecified
        }
    }

    /// The scoring core's polarity; nil for unspecified or an unknown number.
    public var core: LianjieScoring.Polarity? {
        switch self {
        case .credit: .credit
        case .debit: .debit
        default: nil
        }
    }
}
