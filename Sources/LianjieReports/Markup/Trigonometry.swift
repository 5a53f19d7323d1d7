/// Sine and cosine for laying out spokes, in plain Swift: the standard library has none,
/// and this keeps the module free of Foundation and of the platform's libm (so charts
/// come out the same everywhere).
enum Trigonometry {
    /// (cos θ, sin θ), accurate to about 1e-15 for any θ.
    static func cosSin(_ theta: Double) -> (cos: Double, sin: Double) {
        // Reduce to [-π, π], then Taylor series to well past double precision.
        var x = theta.truncatingRemainder(dividingBy: 2 * Double.pi)
        if x > Double.pi { x -= 2 * Double.pi }
        if x < -Double.pi { x += 2 * Double.pi }
        var sinSum = 0.0, cosSum = 0.0
        var sinTerm = x, cosTerm = 1.0
        for k in 0..<30 {
            sinSum += sinTerm
            cosSum += cosTerm
            let a = Double(2 * k + 2), b = Double(2 * k + 3)
            sinTerm *= -x * x / (a * b)
            cosTerm *= -x * x / ((a - 1) * a)
        }
        return (cosSum, sinSum)
    }
}
