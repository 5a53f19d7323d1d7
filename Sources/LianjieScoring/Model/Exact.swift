/// An exact decimal number: an integer count of 10⁻¹² units in 128 bits.
///
/// Every score, contribution and coefficient is one of these, so the parts of a
/// breakdown add up to its total with no rounding anywhere, and the same inputs give
/// the same digits on every machine. Inputs carry at most two decimals; a product of
/// five of them has at most ten, and a weighted total at most twelve, so nothing is ever
/// cut off.
public struct Exact: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 10¹²: units per 1.
    public static let scale: Int128 = 1_000_000_000_000
    public static let zero = Exact(units: 0)

    public var units: Int128

    public init(units: Int128) { self.units = units }

    /// A whole number.
    public init(_ whole: Int) { units = Int128(whole) * Self.scale }

    /// A value given in hundredths (`120` is 1.20).
    public init(hundredths: Int64) { units = Int128(hundredths) * 10_000_000_000 }

    /// Parses `-12.5`, `3`, `0.125`: an optional sign, digits, and at most twelve decimals.
    public init?(_ text: String) {
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 20, whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var value = Int128(whole)! * Self.scale
        if parts.count == 2 {
            let frac = parts[1]
            guard !frac.isEmpty, frac.count <= 12, frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            value += Int128(frac + String(repeating: "0", count: 12 - frac.count))!
        }
        units = negative ? -value : value
    }

    /// The value in hundredths, when it has at most two decimals.
    public var hundredths: Int64? {
        guard units % 10_000_000_000 == 0 else { return nil }
        return Int64(exactly: units / 10_000_000_000)
    }

    /// Plain decimal text with no trailing zeros: `87.5`, `-3.125`, `90`.
    public var description: String {
        let negative = units < 0
        let magnitude = negative ? -units : units
        // Every score and weight fits 64 bits, whose division is many times cheaper than
        // 128-bit division (a run describes millions of these).
        if let small = UInt64(exactly: magnitude) { return Self.describe(negative: negative, small) }
        return Self.describe(negative: negative, magnitude)
    }

    /// `±magnitude / 10¹²` as text, written digit by digit (at most 41 bytes: a sign, 27 whole
    /// digits, a point, 12 decimals); up to 15 bytes, the string needs no storage.
    private static func describe<T: BinaryInteger>(negative: Bool, _ magnitude: T) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { out in
            var n = 0
            if negative {
                out[n] = UInt8(ascii: "-")
                n += 1
            }
            var whole = magnitude / 1_000_000_000_000, frac = magnitude % 1_000_000_000_000
            var digits = 1
            var rest = whole / 10
            while rest > 0 { digits += 1; rest /= 10 }
            for i in stride(from: n + digits - 1, through: n, by: -1) {
                out[i] = UInt8(ascii: "0") + UInt8(whole % 10)
                whole /= 10
            }
            n += digits
            if frac != 0 {
                // The fraction's digits without its trailing zeros, left-padded to its place.
                var places = 12
                while frac % 10 == 0 {
                    frac /= 10
                    places -= 1
                }
                out[n] = UInt8(ascii: ".")
                for i in stride(from: n + places, through: n + 1, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(frac % 10)
                    frac /= 10
                }
                n += 1 + places
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[0..<n]), as: UTF8.self)
        }
    }

    /// Rounded to `places` decimals, halves away from zero (for display only).
    public func rounded(places: Int) -> Exact {
        precondition((0...12).contains(places))
        var step: Int128 = 1
        for _ in 0..<(12 - places) { step *= 10 }
        let half = step / 2
        let r = units >= 0 ? (units + half) / step : (units - half) / step
        return Exact(units: r * step)
    }

    /// Fixed decimals, e.g. `87.50` (for tables; the value itself stays exact).
    public func formatted(places: Int) -> String {
        let text = rounded(places: places).description
        guard places > 0 else { return text }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let frac = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + frac + String(repeating: "0", count: places - frac.count)
    }

    public static func + (a: Exact, b: Exact) -> Exact { Exact(units: a.units + b.units) }
    public static func - (a: Exact, b: Exact) -> Exact { Exact(units: a.units - b.units) }
    public static prefix func - (a: Exact) -> Exact { Exact(units: -a.units) }
    public static func += (a: inout Exact, b: Exact) { a.units += b.units }
    public static func < (a: Exact, b: Exact) -> Bool { a.units < b.units }

    /// `self × factor` where `factor` is in hundredths: exact while `self` has at most ten decimals.
    public func times(hundredths factor: Int64) -> Exact {
        let p = units * Int128(factor)
        precondition(p % 100 == 0, "an exact product would need more than twelve decimals")
        return Exact(units: p / 100)
    }
}
