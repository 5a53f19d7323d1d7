/// A linear mapping from values to drawing coordinates, with round tick values.
struct AxisScale {
    let lower: Double
    let upper: Double
    /// Where `lower` and `upper` are drawn.
    let from: Double
    let to: Double

    func position(_ value: Double) -> Double {
        guard upper != lower else { return from }
        return from + (value - lower) / (upper - lower) * (to - from)
    }

    /// Multiples of `step` from `lower` to `upper` inclusive.
    func ticks(step: Double) -> [Double] {
        guard step > 0 else { return [] }
        var out: [Double] = []
        var k = (lower / step).rounded(.up)
        while k * step <= upper + step * 1e-9 {
            out.append(k * step)
            k += 1
        }
        return out
    }

    /// A step of 1, 2 or 5 times a power of ten giving about `count` intervals over `span`.
    static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, count > 0 else { return 1 }
        let raw = span / Double(count)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// A tick value as text: whole numbers without decimals, others with as few as needed (up to two).
    static func label(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        if hundredths == 0 { return "0" }
        let negative = hundredths < 0
        let magnitude = Int(abs(hundredths))
        var text = String(magnitude / 100)
        let frac = magnitude % 100
        if frac != 0 { text += frac % 10 == 0 ? "." + String(frac / 10) : "." + (frac < 10 ? "0" : "") + String(frac) }
        return (negative ? Format.minus : "") + text
    }
}
