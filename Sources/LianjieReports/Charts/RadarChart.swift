import LianjieScoring

/// A radar chart of a subject's scores on several axes (the three dimensions) against a
/// reference such as the peers' median, drawn dashed. Each axis runs from its own minimum
/// at the centre to its maximum at the tip.
public struct RadarChart: Sendable, Hashable {
    /// One spoke.
    public struct Axis: Sendable, Hashable {
        public var label: BilingualLabel
        public var minimum: Exact
        public var maximum: Exact
        /// The subject's value; nil when there is none (no data): no polygon is drawn then.
        public var value: Exact?
        /// The reference's value; nil when there is none.
        public var reference: Exact?

        public init(label: BilingualLabel, minimum: Exact, maximum: Exact, value: Exact?, reference: Exact?) {
            self.label = label
            self.minimum = minimum
            self.maximum = maximum
            self.value = value
            self.reference = reference
        }
    }

    /// Three or more spokes, drawn clockwise from the top.
    public var axes: [Axis]
    /// The chart's title, also its tooltip.
    public var title: String
    /// The subject's name in the legend and before each value.
    public var valueLegend: String
    /// The reference's name in the legend, e.g. "中位数 · 同类别 58 人".
    public var referenceLegend: String
    /// The reference's short name before each value at the tips, e.g. "中位".
    public var referenceShort: String

    public init(axes: [Axis], title: String = "廉洁维度雷达图", valueLegend: String = "本人", referenceLegend: String = "同类中位数",
                referenceShort: String = "中位") {
        self.axes = axes
        self.title = title
        self.valueLegend = valueLegend
        self.referenceLegend = referenceLegend
        self.referenceShort = referenceShort
    }

    static let width = 360.0
    static let height = 296.0
    private static let centre = (x: 180.0, y: 156.0)
    private static let radius = 108.0

    /// The chart as an SVG element.
    public func svg() -> String {
        var c = SVGCanvas(kind: "radar", width: Self.width, height: Self.height)
        let n = axes.count
        guard n >= 3 else {
            c.text("—", x: Self.width / 2, y: Self.height / 2, anchor: .middle, fill: Palette.muted)
            return c.render(label: title, title: title)
        }
        let sharedScale = axes.allSatisfy { $0.minimum == axes[0].minimum && $0.maximum == axes[0].maximum }

        // Rings at a quarter, half, three quarters and all of each axis.
        for ring in 1...4 {
            let f = Double(ring) / 4
            c.polygon((0..<n).map { point($0, fraction: f) }, fill: ring == 4 ? "#fafbfc" : "none",
                      stroke: ring == 4 ? Palette.rule : Palette.grid)
        }
        for i in 0..<n {
            let tip = point(i, fraction: 1)
            c.line(x1: Self.centre.x, y1: Self.centre.y, x2: tip.0, y2: tip.1, stroke: Palette.rule)
        }

        // The reference dashed under the subject's filled polygon.
        if axes.allSatisfy({ $0.reference != nil }) {
            let pts = (0..<n).map { point($0, value: axes[$0].reference!) }
            c.polygon(pts, fill: "none", stroke: Palette.peer,
                      extra: [("stroke-width", "1.5"), ("stroke-dasharray", "5 4"), ("class", "radar-reference")])
        }
        if axes.allSatisfy({ $0.value != nil }) {
            let pts = (0..<n).map { point($0, value: axes[$0].value!) }
            c.polygon(pts, fill: Palette.subject, stroke: Palette.subject,
                      extra: [("fill-opacity", "0.16"), ("stroke-width", "2"), ("class", "radar-value")])
            for p in pts { c.circle(cx: p.0, cy: p.1, r: 3.5, fill: Palette.subject, stroke: Palette.paper) }
        }

        // Ring values along the first spoke, over the polygons so they stay legible.
        if sharedScale {
            let lo = Format.double(axes[0].minimum), hi = Format.double(axes[0].maximum)
            for ring in 1...4 {
                let p = point(0, fraction: Double(ring) / 4)
                c.text(AxisScale.label(lo + (hi - lo) * Double(ring) / 4), x: p.0 + 4, y: p.1 + 11, size: 9,
                       fill: Palette.muted, extra: Self.halo)
            }
        }

        for i in 0..<n { axisLabel(&c, i, showRange: !sharedScale) }
        legend(&c)
        return c.render(label: ariaLabel, title: title)
    }

    private var ariaLabel: String {
        title + "：" + axes.map { a in
            var parts = [a.label.zh]
            parts.append(valueLegend + " " + (a.value.map(Format.number) ?? "无数据"))
            if let r = a.reference { parts.append(referenceLegend + " " + Format.number(r)) }
            return parts.joined(separator: " ")
        }.joined(separator: "；")
    }

    /// A white outline under text drawn over lines, so it stays legible.
    static let halo: SVGCanvas.Attributes = [("stroke", Palette.paper), ("stroke-width", "3"), ("paint-order", "stroke"),
                                             ("stroke-linejoin", "round")]

    private func angle(_ i: Int) -> Double { -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(axes.count) }

    private func point(_ i: Int, fraction: Double) -> (Double, Double) {
        let u = Trigonometry.cosSin(angle(i)), r = Self.radius * min(1, max(0, fraction))
        return (Self.centre.x + r * u.cos, Self.centre.y + r * u.sin)
    }

    private func point(_ i: Int, value: Exact) -> (Double, Double) {
        let lo = Format.double(axes[i].minimum), hi = Format.double(axes[i].maximum)
        return point(i, fraction: hi > lo ? (Format.double(value) - lo) / (hi - lo) : 0)
    }

    private func axisLabel(_ c: inout SVGCanvas, _ i: Int, showRange: Bool) {
        let a = axes[i]
        let tip = point(i, fraction: 1)
        let (cosA, sinA) = Trigonometry.cosSin(angle(i))
        var lines: [(String, Double, String?, String)] = [(a.label.zh + " " + a.label.en, 12.5, "600", Palette.ink)]
        var values: [String] = []
        if let v = a.value { values.append(valueLegend + " " + Format.number(v)) }
        if let r = a.reference { values.append(referenceShort + " " + Format.number(r)) }
        if a.value == nil { values.insert(valueLegend + " 无数据", at: 0) }
        lines.append((values.joined(separator: " · "), 11, nil, Palette.muted))
        if showRange { lines.append(("(" + a.minimum.description + "–" + a.maximum.description + ")", 10, nil, Palette.faint)) }

        let lineHeight = 15.0
        let anchor: SVGCanvas.Anchor
        var x = tip.0, y: Double
        if abs(sinA) > 0.3 {
            anchor = .middle
            // Keep a centred block inside the canvas.
            let widest = lines.map { TextMetrics.width($0.0, fontSize: $0.1) }.max() ?? 0
            x = min(max(x, widest / 2 + 4), Self.width - widest / 2 - 4)
            y = sinA < 0 ? tip.1 - 12 - lineHeight * Double(lines.count - 1) : tip.1 + 22
        } else {
            anchor = cosA > 0 ? .start : .end
            x += cosA > 0 ? 10 : -10
            y = tip.1 - lineHeight * Double(lines.count - 1) / 2 + 4
        }
        for (k, line) in lines.enumerated() {
            c.text(line.0, x: x, y: y + lineHeight * Double(k), anchor: anchor, size: line.1, weight: line.2, fill: line.3)
        }
    }

    private func legend(_ c: inout SVGCanvas) {
        let y = Self.height - 14
        let valueWidth = 22 + TextMetrics.width(valueLegend, fontSize: 11)
        let referenceWidth = 22 + TextMetrics.width(referenceLegend, fontSize: 11)
        var x = (Self.width - valueWidth - 18 - referenceWidth) / 2
        c.rect(x: x, y: y - 9, width: 16, height: 10, fill: Palette.subject,
               extra: [("fill-opacity", "0.16"), ("stroke", Palette.subject), ("stroke-width", "1.5")])
        c.text(valueLegend, x: x + 22, y: y, size: 11, fill: Palette.muted)
        x += valueWidth + 18
        c.line(x1: x, y1: y - 4, x2: x + 16, y2: y - 4, stroke: Palette.peer, width: 1.5, extra: [("stroke-dasharray", "5 3")])
        c.text(referenceLegend, x: x + 22, y: y, size: 11, fill: Palette.muted)
    }
}
