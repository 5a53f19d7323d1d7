import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// The scoring core's types beside the wire's of the same names.
typealias CoreGrade = LianjieScoring.Grade
typealias CorePeriod = LianjieScoring.Period
typealias CoreDimension = LianjieScoring.Dimension
typealias CoreScheme = LianjieScoring.Scheme

/// Between the scoring core, the store and the wire.
enum Convert {
    static func periodKey(_ p: CorePeriod) -> PeriodKey { CalendarDays.periodKey(p) }

    static func corePeriod(_ k: PeriodKey) -> CorePeriod? {
        CalendarDays.period(period(k))
    }

    static func period(_ k: PeriodKey) -> LianjieMessages.Period {
        LianjieMessages.Period(kind: LianjieMessages.PeriodKind(rawValue: k.kind), year: k.year, index: k.index)
    }

    static func period(_ p: CorePeriod) -> LianjieMessages.Period { period(periodKey(p)) }

    static func date(_ text: String) -> CalendarDate? { CalendarDays.date(text) }

    static func hundredths(_ text: String) -> Int64? { Exact(text)?.hundredths }

    static func decimal(_ hundredths: Int64) -> String { Exact(hundredths: hundredths).description }

    static func percentile(_ hundredths: Int64) -> String { Exact(hundredths: hundredths).description }

    /// An enum value's proto name for people: `RUN_STATE_DRAFT` → `draft`.
    static func name<E: ProtoEnum>(_ value: E, prefix: String) -> String {
        String((value.protoValueName ?? prefix + "UNKNOWN").dropFirst(prefix.count)).lowercased()
    }

    static func severity(_ s: AlertRule.Severity) -> AlertSeverity {
        switch s {
        case .low: .low
        case .medium: .medium
        case .high: .high
        }
    }

    static func outcome(_ o: LianjieScoring.BreakdownLine.Outcome) -> BreakdownOutcome? {
        switch o {
        case .counted: .counted
        case .outsideWindow: .outsideWindow
        case .afterEvaluation: .afterEvaluation
        case .overCountLimit: .overCountLimit
        case .notApplicable: .notApplicable
        case .unknownTag: .unknownTag
        case .notConfirmed: nil
        }
    }
}
