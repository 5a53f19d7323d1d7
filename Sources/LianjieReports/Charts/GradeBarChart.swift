import LianjieScoring

/// How many subjects earned each grade: four bars in the grades' colours with their
/// counts. A suppressed count is drawn as a short grey hatched block marked "<5", never as
/// a bar of any height.
public struct GradeBarChart: Sendable, Hashable {
    public var counts: GradeCounts
    public var title: String

    public init(counts: GradeCounts, title: String = "等级分布") {
        self.counts = counts
        self.title = title
    }

    static let width = 680.0
    static let height = 236.0
    private static let plot = (left: 48.0, right: 664.0, top: 22.0, bottom: 184.0)

    /// The chart as an SVG element.
    public func svg() -> String {
        var c = SVGCanvas(kind: "grades", width: Self.width, height: Self.height)
        let p = Self.plot
        let known = Grade.allCases.compactMap { counts[$0].value }
        let most = Double(max(known.max() ?? 0, 1))
        let step = max(1, AxisScale.niceStep(span: most, count: 5).rounded(.up))
        let top = (most / step).rounded(.up) * step
        let y = AxisScale(lower: 0, upper: top, from: p.bottom, to: p.top)
        for t in y.ticks(step: step) {
            let ty = y.position(t)
            c.line(x1: p.left, y1: ty, x2: p.right, y2: ty, stroke: t == 0 ? Palette.faint : Palette.grid)
            c.text(AxisScale.label(t), x: p.left - 8, y: ty + 4, anchor: .end, size: 10, fill: Palette.muted)
        }
        let slot = (p.right - p.left) / Double(Grade.allCases.count)
        let barWidth = min(96, slot * 0.55)
        for (i, grade) in Grade.allCases.enumerated() {
            let cx = p.left + slot * (Double(i) + 0.5)
            let label = grade.reportLabel
            switch counts[grade] {
            case .value(let n):
                let by = y.position(Double(n))
                c.group(tooltip: label.zh + "：\(n) 人", [("class", "bar grade-\(grade.rawValue)"), ("data-count", String(n))]) { c in
                    c.rect(x: cx - barWidth / 2, y: by, width: barWidth, height: p.bottom - by, fill: Palette.grade(grade),
                           extra: [("rx", "2")])
                    c.text(String(n), x: cx, y: by - 6, anchor: .middle, size: 13, weight: "700", fill: Palette.ink)
                }
            case .suppressed:
                let h = 30.0
                c.group(tooltip: label.zh + "：少于 5 人，不显示", [("class", "bar suppressed grade-\(grade.rawValue)")]) { c in
                    c.rect(x: cx - barWidth / 2, y: p.bottom - h, width: barWidth, height: h, fill: Palette.neutralTint)
                    c.hatch(x: cx - barWidth / 2, y: p.bottom - h, width: barWidth, height: h, spacing: 7, stroke: Palette.neutral)
                    c.rect(x: cx - barWidth / 2, y: p.bottom - h, width: barWidth, height: h, fill: "none", stroke: Palette.neutral,
                           extra: [("stroke-dasharray", "3 2")])
                    c.text("<5", x: cx, y: p.bottom - h - 6, anchor: .middle, size: 13, weight: "700", fill: Palette.muted)
                }
            }
            // A swatch and the Chinese name, centred together under the bar; the English below.
            let left = cx - (14 + TextMetrics.width(label.zh, fontSize: 12.5)) / 2
            c.rect(x: left, y: p.bottom + 14, width: 10, height: 10, fill: Palette.grade(grade), extra: [("rx", "2")])
            c.text(label.zh, x: left + 14, y: p.bottom + 23, size: 12.5, weight: "600", fill: Palette.ink)
            c.text(label.en, x: cx, y: p.bottom + 40, anchor: .middle, size: 10.5, fill: Palette.muted)
        }
        return c.render(label: ariaLabel, title: title)
    }

    private var ariaLabel: String {
        title + "：" + Grade.allCases.map { g in
            g.reportLabel.zh + " " + (counts[g].value.map { String($0) + " 人" } ?? "少于 5 人")
        }.joined(separator: "，")
    }
}
