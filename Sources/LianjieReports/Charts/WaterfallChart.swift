import LianjieScoring

/// How a total was reached, one horizontal bar per row: the start (the weighted base),
/// one step per contribution (credits green to the right, debits red to the left), an
/// optional range adjustment, and the total. Beyond `maxSteps` contributions the smallest
/// are folded into one "其他 N 项" step, so the bars always add up to the total exactly.
/// Long labels are cut with "…"; each row's tooltip has the full text.
public struct WaterfallChart: Sendable, Hashable {
    /// One step of the chart.
    public struct Step: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case contribution
            /// The folded smaller contributions, with how many there were.
            case others(count: Int)
            case adjustment
        }

        public var label: String
        /// Signed.
        public var delta: Exact
        public var kind: Kind

        public init(label: String, delta: Exact, kind: Kind = .contribution) {
            self.label = label
            self.delta = delta
            self.kind = kind
        }
    }

    public var startLabel: String
    public var start: Exact
    /// The contributions, in the order to show them.
    public var contributions: [Step]
    /// The range adjustment; nil or zero to leave the row out.
    public var adjustment: Exact?
    public var adjustmentLabel: String
    public var endLabel: String
    /// How many contributions to show before folding the rest (at least 1).
    public var maxSteps: Int
    public var title: String

    public init(start: Exact, contributions: [Step], adjustment: Exact? = nil, startLabel: String = "基础分（加权）",
                adjustmentLabel: String = "区间调整 Range adjustment", endLabel: String = "总分 Total", maxSteps: Int = 8,
                title: String = "得分构成") {
        self.startLabel = startLabel
        self.start = start
        self.contributions = contributions
        self.adjustment = adjustment
        self.adjustmentLabel = adjustmentLabel
        self.endLabel = endLabel
        self.maxSteps = maxSteps
        self.title = title
    }

    /// `start` plus every contribution and the adjustment, exactly.
    public var end: Exact {
        contributions.reduce(start + (adjustment ?? .zero)) { $0 + $1.delta }
    }

    /// The steps as drawn: the `maxSteps` largest contributions (by size, in their given
    /// order), one step for all the others, then the adjustment. Their deltas add up to
    /// `end - start` exactly.
    public var displayedSteps: [Step] {
        let cap = max(1, maxSteps)
        var steps: [Step]
        if contributions.count <= cap + 1 {
            steps = contributions
        } else {
            let keep = Set(contributions.indices.sorted { a, b in
                let (x, y) = (magnitude(contributions[a].delta), magnitude(contributions[b].delta))
                return x != y ? x > y : a < b
            }.prefix(cap))
            steps = contributions.indices.filter(keep.contains).map { contributions[$0] }
            let rest = contributions.indices.filter { !keep.contains($0) }
            let sum = rest.reduce(Exact.zero) { $0 + contributions[$1].delta }
            steps.append(Step(label: "其他 \(rest.count) 项 / \(rest.count) others", delta: sum, kind: .others(count: rest.count)))
        }
        if let adjustment, adjustment != .zero {
            steps.append(Step(label: adjustmentLabel, delta: adjustment, kind: .adjustment))
        }
        return steps
    }

    static let width = 680.0
    private static let rowHeight = 26.0
    private static let barHeight = 16.0
    private static let top = 8.0
    private static let labelRight = 214.0
    private static let bars = (left: 224.0, right: 584.0)
    private static let valueRight = 674.0

    /// The chart as an SVG element.
    public func svg() -> String {
        let steps = displayedSteps
        let rows = steps.count + 2
        let height = Self.top + Double(rows) * Self.rowHeight + 34
        var c = SVGCanvas(kind: "waterfall", width: Self.width, height: height)

        // Every running total, to fit the horizontal axis around them.
        var running = [start]
        for s in steps { running.append(running.last! + s.delta) }
        let values = running.map(Format.double)
        let x = horizontalScale(values)
        let anchor = x.lower <= 0 && 0 <= x.upper ? 0 : (x.lower > 0 ? x.lower : x.upper)

        let step = AxisScale.niceStep(span: x.upper - x.lower, count: 6)
        let axisY = Self.top + Double(rows) * Self.rowHeight + 4
        for t in x.ticks(step: step) {
            let tx = x.position(t)
            c.line(x1: tx, y1: Self.top, x2: tx, y2: axisY, stroke: Palette.grid)
            c.text(AxisScale.label(t), x: tx, y: axisY + 16, anchor: .middle, size: 10, fill: Palette.muted)
        }
        c.line(x1: Self.bars.left, y1: axisY, x2: Self.bars.right, y2: axisY, stroke: Palette.faint)
        c.line(x1: x.position(anchor), y1: Self.top, x2: x.position(anchor), y2: axisY, stroke: Palette.faint)

        func rowY(_ row: Int) -> Double { Self.top + Double(row) * Self.rowHeight + (Self.rowHeight - Self.barHeight) / 2 }

        total(&c, label: startLabel, value: start, row: 0, y: rowY(0), x: x, anchor: anchor, kind: "start")
        for (i, s) in steps.enumerated() {
            let from = Format.double(running[i]), to = Format.double(running[i + 1])
            let y = rowY(i + 1)
            // The connector from the previous row's end.
            c.line(x1: x.position(from), y1: y - (Self.rowHeight - Self.barHeight), x2: x.position(from), y2: y,
                   stroke: Palette.faint, width: 1, extra: [("stroke-dasharray", "2 2")])
            let colour: String
            let kind: String
            switch s.kind {
            case .contribution:
                colour = s.delta < .zero ? Palette.debit : Palette.credit
                kind = s.delta < .zero ? "debit" : "credit"
            case .others:
                colour = Palette.neutral
                kind = "others"
            case .adjustment:
                colour = Palette.neutral
                kind = "adjustment"
            }
            let fitted = TextMetrics.fit(s.label, maxWidth: Self.labelRight - 6, fontSize: 12)
            c.group(tooltip: s.label + "：" + Format.signed(s.delta), [("class", "step step-\(kind)")]) { c in
                c.text(fitted.text, x: Self.labelRight, y: y + 12, anchor: .end, fill: Palette.ink)
                let a = x.position(min(from, to)), b = x.position(max(from, to))
                var extra: SVGCanvas.Attributes = [("rx", "1.5")]
                if case .adjustment = s.kind { extra += [("stroke", Palette.muted), ("stroke-dasharray", "3 2")] }
                c.rect(x: a, y: y, width: max(b - a, 1.5), height: Self.barHeight, fill: colour, extra: extra)
                c.text(Format.signed(s.delta), x: Self.valueRight, y: y + 12, anchor: .end, weight: "600",
                       fill: s.delta < .zero ? Palette.debit : (s.delta > .zero ? Palette.credit : Palette.muted))
            }
        }
        let lastRow = rows - 1
        let endValue = running.last!
        c.line(x1: x.position(Format.double(endValue)), y1: rowY(lastRow) - (Self.rowHeight - Self.barHeight),
               x2: x.position(Format.double(endValue)), y2: rowY(lastRow), stroke: Palette.faint, width: 1,
               extra: [("stroke-dasharray", "2 2")])
        total(&c, label: endLabel, value: endValue, row: lastRow, y: rowY(lastRow), x: x, anchor: anchor, kind: "end")
        return c.render(label: ariaLabel(steps), title: title)
    }

    private func total(_ c: inout SVGCanvas, label: String, value: Exact, row: Int, y: Double, x: AxisScale, anchor: Double,
                       kind: String) {
        let fitted = TextMetrics.fit(label, maxWidth: Self.labelRight - 6, fontSize: 12)
        let v = Format.double(value)
        c.group(tooltip: label + "：" + Format.number(value), [("class", "step step-\(kind)")]) { c in
            c.text(fitted.text, x: Self.labelRight, y: y + 12, anchor: .end, weight: "700", fill: Palette.ink)
            let a = x.position(min(anchor, v)), b = x.position(max(anchor, v))
            c.rect(x: a, y: y, width: max(b - a, 1.5), height: Self.barHeight, fill: Palette.subject, extra: [("rx", "1.5")])
            c.text(Format.number(value), x: Self.valueRight, y: y + 12, anchor: .end, weight: "700", fill: Palette.ink)
        }
    }

    private func ariaLabel(_ steps: [Step]) -> String {
        title + "：" + startLabel + " " + Format.number(start) + "，"
            + steps.map { $0.label + " " + Format.signed($0.delta) }.joined(separator: "，")
            + "，" + endLabel + " " + Format.number(end)
    }

    /// Round bounds around every running total, with room at the low end so the start and
    /// end bars are never empty.
    private func horizontalScale(_ values: [Double]) -> AxisScale {
        var lo = values.min()!, hi = values.max()!
        if hi - lo < 1e-9 { lo -= 1; hi += 1 }
        let step = AxisScale.niceStep(span: hi - lo, count: 5)
        var lower = (lo / step).rounded(.down) * step
        let upper = (hi / step).rounded(.up) * step
        if lower > 0, lo - lower < step / 2 { lower -= step }
        if lo >= 0, lower < 0 { lower = 0 }
        return AxisScale(lower: lower, upper: max(upper, lower + step), from: Self.bars.left, to: Self.bars.right)
    }

    private func magnitude(_ e: Exact) -> Exact { e < .zero ? -e : e }
}
