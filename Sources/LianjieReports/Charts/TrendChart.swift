import LianjieScoring

/// The total over periods: grade bands shaded behind a line, each point coloured by its
/// grade and labelled with its value, and a gap with "无数据" for a period with no data.
public struct TrendChart: Sendable, Hashable {
    /// Oldest first.
    public var points: [TrendPoint]
    public var bands: GradeBands
    /// The lowest and highest total the scheme can give; the vertical axis stays inside them.
    public var minimum: Exact
    public var maximum: Exact
    public var title: String

    public init(points: [TrendPoint], bands: GradeBands, minimum: Exact = Exact(0), maximum: Exact = Exact(100),
                title: String = "总分趋势") {
        self.points = points
        self.bands = bands
        self.minimum = minimum
        self.maximum = maximum
        self.title = title
    }

    static let width = 680.0
    static let height = 250.0
    private static let plot = (left: 44.0, right: 590.0, top: 14.0, bottom: 206.0)

    /// The chart as an SVG element.
    public func svg() -> String {
        var c = SVGCanvas(kind: "trend", width: Self.width, height: Self.height)
        let p = Self.plot
        let y = verticalScale()
        let bandStops: [(Grade, Double, Double)] = [
            (.excellent, Format.double(bands.excellent), y.upper),
            (.good, Format.double(bands.good), Format.double(bands.excellent)),
            (.fair, Format.double(bands.fair), Format.double(bands.good)),
            (.poor, y.lower, Format.double(bands.fair)),
        ]
        for (grade, lo, hi) in bandStops {
            let a = max(lo, y.lower), b = min(hi, y.upper)
            guard b > a else { continue }
            let top = y.position(b), bottom = y.position(a)
            c.rect(x: p.left, y: top, width: p.right - p.left, height: bottom - top, fill: Palette.gradeTint(grade),
                   extra: [("class", "band band-\(grade.rawValue)")])
            if bottom - top >= 12 {
                c.text(bandLabel(grade), x: p.right + 8, y: (top + bottom) / 2 + 4, size: 11, fill: Palette.grade(grade))
            }
        }
        let step = AxisScale.niceStep(span: y.upper - y.lower, count: 5)
        for t in y.ticks(step: step) {
            let ty = y.position(t)
            c.line(x1: p.left, y1: ty, x2: p.right, y2: ty, stroke: Palette.paper, width: 1, extra: [("stroke-opacity", "0.9")])
            c.text(AxisScale.label(t), x: p.left - 6, y: ty + 4, anchor: .end, size: 10, fill: Palette.muted)
        }
        c.line(x1: p.left, y1: p.bottom, x2: p.right, y2: p.bottom, stroke: Palette.faint)

        guard !points.isEmpty else {
            c.text("无数据 No data", x: (p.left + p.right) / 2, y: (p.top + p.bottom) / 2, anchor: .middle, fill: Palette.muted)
            return c.render(label: title + "：无数据", title: title)
        }
        let spacing = (p.right - p.left) / Double(points.count)
        func x(_ i: Int) -> Double { p.left + spacing * (Double(i) + 0.5) }
        let labelSize = spacing >= 56 ? 11.0 : 10.0
        let labelEvery = spacing >= 40 ? 1 : 2

        // The line, broken where a period has no data.
        var run: [(Double, Double)] = []
        func flush(_ c: inout SVGCanvas) {
            if run.count > 1 { c.polyline(run, stroke: "#3b4a5a", width: 2, extra: [("stroke-linejoin", "round")]) }
            run = []
        }
        for (i, point) in points.enumerated() {
            if let total = point.total { run.append((x(i), y.position(Format.double(total)))) } else { flush(&c) }
        }
        flush(&c)

        for (i, point) in points.enumerated() {
            let px = x(i)
            if i % labelEvery == 0 || i == points.count - 1 {
                c.text(point.period, x: px, y: p.bottom + 18, anchor: .middle, size: labelSize, fill: Palette.ink)
            }
            guard let total = point.total else {
                c.group(tooltip: point.period + "：无数据", [("class", "trend-gap")]) { c in
                    c.line(x1: px, y1: p.top + 4, x2: px, y2: p.bottom, stroke: Palette.faint, width: 1,
                           extra: [("stroke-dasharray", "3 3")])
                    c.rect(x: px - 22, y: p.bottom - 22, width: 44, height: 16, fill: Palette.paper, stroke: Palette.rule,
                           extra: [("rx", "3")])
                    c.text("无数据", x: px, y: p.bottom - 10, anchor: .middle, size: 10, fill: Palette.muted)
                }
                continue
            }
            let grade = point.grade ?? bands.grade(total)
            let py = y.position(Format.double(total))
            c.group(tooltip: point.period + "：" + Format.number(total) + " " + grade.reportLabel.zh,
                    [("class", "trend-point grade-\(grade.rawValue)")]) { c in
                c.circle(cx: px, cy: py, r: 5, fill: Palette.grade(grade), stroke: Palette.paper, extra: [("stroke-width", "1.5")])
                let above = py - p.top > 20
                c.text(Format.number(total), x: px, y: above ? py - 10 : py + 19, anchor: .middle, size: 11, weight: "600",
                       fill: Palette.grade(grade))
            }
        }
        return c.render(label: ariaLabel, title: title)
    }

    private var ariaLabel: String {
        title + "：" + points.map { $0.period + " " + ($0.total.map(Format.number) ?? "无数据") }.joined(separator: "，")
    }

    private func bandLabel(_ g: Grade) -> String {
        switch g {
        case .excellent: return g.reportLabel.zh + " ≥" + bands.excellent.description
        case .good: return g.reportLabel.zh + " ≥" + bands.good.description
        case .fair: return g.reportLabel.zh + " ≥" + bands.fair.description
        case .poor: return g.reportLabel.zh + " <" + bands.fair.description
        }
    }

    /// From a round number below the fair threshold and the lowest point, to the highest
    /// total the scheme gives (or the highest point, if the model says more).
    private func verticalScale() -> AxisScale {
        let values = points.compactMap(\.total).map(Format.double)
        let floorValue = Format.double(minimum), ceiling = Format.double(maximum)
        let fair = Format.double(bands.fair), excellent = Format.double(bands.excellent)
        var lower = ((min(fair, values.min() ?? fair) - 10) / 10).rounded(.down) * 10
        lower = max(lower, floorValue)
        var upper = max(ceiling, values.max() ?? ceiling, excellent)
        if upper <= lower { upper = lower + 10 }
        if values.contains(where: { $0 < lower }) { lower = values.min()! }
        return AxisScale(lower: lower, upper: upper, from: Self.plot.bottom, to: Self.plot.top)
    }
}
