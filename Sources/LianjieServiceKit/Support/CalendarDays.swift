import Glibc
public import LianjieMessages
public import LianjieScoring
public import LianjieStore

/// Calendar days as requests carry them (`Date`) and as the store keeps them
/// (`YYYY-MM-DD`); the scoring core's `Day` knows the calendar.
public enum CalendarDays {
    /// `YYYY-MM-DD` → Date; empty or not a day → nil.
    public static func date(_ text: String) -> CalendarDate? {
        guard let c = Day(text)?.components else { return nil }
        return CalendarDate(year: Int32(c.year), month: Int32(c.month), day: Int32(c.day))
    }

    /// A valid calendar day from 1900 to 2200 as `YYYY-MM-DD`, or nil.
    public static func text(_ d: CalendarDate) -> String? {
        guard (1900...2200).contains(d.year) else { return nil }
        return Day(year: Int(d.year), month: Int(d.month), day: Int(d.day))?.description
    }

    /// The day (UTC) of Unix time `now` as `YYYY-MM-DD`.
    public static func today(_ now: Int64) -> String {
        var t = time_t(now)
        var parts = tm()
        gmtime_r(&t, &parts)
        return text(CalendarDate(year: parts.tm_year + 1900, month: parts.tm_mon + 1, day: parts.tm_mday)) ?? ""
    }

    /// A request's `Period` as the scoring core's, or nil when it is not a real period
    /// (a year's index may be 0 or 1).
    public static func period(_ p: LianjieMessages.Period) -> LianjieScoring.Period? {
        switch p.kind {
        case .month: return LianjieScoring.Period(.month, year: Int(p.year), index: Int(p.index))
        case .quarter: return LianjieScoring.Period(.quarter, year: Int(p.year), index: Int(p.index))
        case .year: return p.index <= 1 && p.index >= 0 ? LianjieScoring.Period(.year, year: Int(p.year)) : nil
        default: return nil
        }
    }

    /// A filter's period as its first and last day (`YYYY-MM-DD`); a violation of `field`
    /// when it is not a real period, nil when there is none.
    public static func days(_ p: LianjieMessages.Period?, field: String = "period", _ v: inout Violations) -> (from: String, to: String)? {
        guard let p else { return nil }
        guard let period = period(p) else {
            v.add(field, "must be a month (1-12), a quarter (1-4) or a year of 1900-9999")
            return nil
        }
        return (period.start.description, period.end.description)
    }

    /// Seconds of Unix time as a `Time`.
    /// A period as the store keys it (the proto `PeriodKind` number, year, index).
    public static func periodKey(_ p: LianjieScoring.Period) -> PeriodKey {
        let kind: Int32 = switch p.kind {
        case .month: LianjieMessages.PeriodKind.month.rawValue
        case .quarter: LianjieMessages.PeriodKind.quarter.rawValue
        case .year: LianjieMessages.PeriodKind.year.rawValue
        }
        return PeriodKey(kind: kind, year: Int32(p.year), index: Int32(p.index))
    }

    public static func time(_ seconds: Int64) -> Time? { seconds == 0 ? nil : Time(seconds: seconds, nanos: 0) }
}
