import LianjieScoring

/// How numbers are written in reports: scores with two decimals and a true minus sign,
/// SVG coordinates with at most one decimal (so output is the same on every machine).
public enum Format {
    /// The minus sign (U+2212), as wide as the plus sign.
    static let minus = "\u{2212}"

    /// `87.50`, `−3.00`.
    public static func number(_ value: Exact) -> String {
        let text = value.formatted(places: 2)
        return text.hasPrefix("-") ? minus + text.dropFirst() : text
    }

    /// `+1.10`, `−2.86`, `0.00`.
    public static func signed(_ value: Exact) -> String {
        let rounded = value.rounded(places: 2)
        if rounded.units > 0 { return "+" + rounded.formatted(places: 2) }
        if rounded.units < 0 { return minus + (-rounded).formatted(places: 2) }
        return Exact.zero.formatted(places: 2)
    }

    /// `87.50%`.
    static func percent(_ value: Exact) -> String { number(value) + "%" }

    /// A coordinate or length rounded to a tenth, without a trailing `.0` or a `-0`.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = (value * 10).rounded()
        if tenths == 0 { return "0" }
        if tenths.truncatingRemainder(dividingBy: 10) == 0 { return String(Int(tenths / 10)) }
        return String(tenths / 10)
    }

    /// The value as a Double, for drawing only.
    static func double(_ value: Exact) -> Double { Double(value.units) / Double(Exact.scale) }
}
