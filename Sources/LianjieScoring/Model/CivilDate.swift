/// A calendar day as a count of days since 1970-01-01 (proleptic Gregorian, no time zone).
public struct Day: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ordinal: Int32

    public init(ordinal: Int32) { self.ordinal = ordinal }

    /// The day for a valid date; nil for a date that does not exist (2025-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(year: year, month: month) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        ordinal = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(ordinal) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var description: String {
        let c = components
        func pad(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// The same day of the month `months` later, or the month's last day when it is shorter.
    public func addingMonths(_ months: Int) -> Day {
        let c = components
        let total = c.year * 12 + (c.month - 1) + months
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return Day(year: y, month: m, day: min(c.day, Day.daysIn(year: y, month: m)))!
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }
}

/// An evaluation period: a month, a quarter or a year.
public struct Period: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case month, quarter, year
    }

    public var kind: Kind
    public var year: Int
    /// 1-12 for a month, 1-4 for a quarter, 1 for a year.
    public var index: Int

    public init?(_ kind: Kind, year: Int, index: Int = 1) {
        let count: Int
        switch kind {
        case .month: count = 12
        case .quarter: count = 4
        case .year: count = 1
        }
        guard (1...count).contains(index), (1900...9999).contains(year) else { return nil }
        self.kind = kind
        self.year = year
        self.index = index
    }

    /// The first day.
    public var start: Day {
        switch kind {
        case .month: return Day(year: year, month: index, day: 1)!
        case .quarter: return Day(year: year, month: (index - 1) * 3 + 1, day: 1)!
        case .year: return Day(year: year, month: 1, day: 1)!
        }
    }

    /// The last day, inclusive.
    public var end: Day {
        let months = kind == .month ? 1 : kind == .quarter ? 3 : 12
        return Day(ordinal: start.addingMonths(months).ordinal - 1)
    }

    /// The period before this one, of the same kind; nil before the first supported year.
    public var previous: Period? {
        switch kind {
        case .month: return index == 1 ? Period(.month, year: year - 1, index: 12) : Period(.month, year: year, index: index - 1)
        case .quarter: return index == 1 ? Period(.quarter, year: year - 1, index: 4) : Period(.quarter, year: year, index: index - 1)
        case .year: return Period(.year, year: year - 1)
        }
    }

    public func contains(_ day: Day) -> Bool { start <= day && day <= end }

    public var description: String {
        switch kind {
        case .month: return "\(year)-\(index < 10 ? "0" : "")\(index)"
        case .quarter: return "\(year)-Q\(index)"
        case .year: return "\(year)"
        }
    }
}
