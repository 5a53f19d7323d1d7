/// Writes one chart as SVG: a root element with what every chart carries (a fixed
/// `viewBox`, `width="100%"`, `role="img"`, an `aria-label`, a `<title>`, the class
/// `chart chart-KIND`), then the elements added, in order. Every attribute value and every
/// text is escaped here, so a chart never splices raw text.
struct SVGCanvas {
    typealias Attributes = [(String, String)]

    let kind: String
    let width: Double
    let height: Double
    private var body = ""

    init(kind: String, width: Double, height: Double) {
        self.kind = kind
        self.width = width
        self.height = height
    }

    /// The finished document; `label` is read by screen readers, `title` shown as a tooltip.
    func render(label: String, title: String) -> String {
        let root: Attributes = [
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("class", "chart chart-\(kind)"),
            ("viewBox", "0 0 \(Format.coordinate(width)) \(Format.coordinate(height))"),
            ("width", "100%"),
            ("role", "img"),
            ("aria-label", label),
            ("font-family", Markup.fontFamily),
            ("font-size", "12"),
        ]
        return "<svg" + Self.attributes(root) + "><title>" + Markup.escape(title) + "</title>" + body + "</svg>"
    }

    /// An element with no children.
    mutating func add(_ name: String, _ attributes: Attributes) {
        body += "<" + name + Self.attributes(attributes) + "/>"
    }

    /// An element holding only text.
    mutating func add(_ name: String, _ attributes: Attributes, text: String) {
        body += "<" + name + Self.attributes(attributes) + ">" + Markup.escape(text) + "</" + name + ">"
    }

    mutating func open(_ name: String, _ attributes: Attributes = []) {
        body += "<" + name + Self.attributes(attributes) + ">"
    }

    mutating func close(_ name: String) {
        body += "</" + name + ">"
    }

    /// A group whose tooltip is `tooltip` (the full text of anything truncated inside it).
    mutating func group(tooltip: String?, _ attributes: Attributes = [], _ content: (inout SVGCanvas) -> Void) {
        open("g", attributes)
        if let tooltip { add("title", [], text: tooltip) }
        content(&self)
        close("g")
    }

    // MARK: Shapes

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       extra: Attributes = []) {
        var a: Attributes = [("x", n(x)), ("y", n(y)), ("width", n(max(0, width))), ("height", n(max(0, height))), ("fill", fill)]
        if let stroke { a.append(("stroke", stroke)) }
        add("rect", a + extra)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                       extra: Attributes = []) {
        add("line", [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("stroke", stroke),
                     ("stroke-width", n(width))] + extra)
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil, extra: Attributes = []) {
        var a: Attributes = [("cx", n(cx)), ("cy", n(cy)), ("r", n(r)), ("fill", fill)]
        if let stroke { a.append(("stroke", stroke)) }
        add("circle", a + extra)
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, stroke: String, extra: Attributes = []) {
        add("polygon", [("points", Self.points(points)), ("fill", fill), ("stroke", stroke)] + extra)
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width: Double, extra: Attributes = []) {
        add("polyline", [("points", Self.points(points)), ("fill", "none"), ("stroke", stroke), ("stroke-width", n(width))] + extra)
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
                       weight: String? = nil, fill: String = Palette.ink, extra: Attributes = []) {
        var a: Attributes = [("x", n(x)), ("y", n(y))]
        if anchor != .start { a.append(("text-anchor", anchor.rawValue)) }
        if size != 12 { a.append(("font-size", n(size))) }
        if let weight { a.append(("font-weight", weight)) }
        a.append(("fill", fill))
        add("text", a + extra, text: text)
    }

    /// Diagonal lines filling a rectangle: the hatching of a withheld value.
    mutating func hatch(x: Double, y: Double, width: Double, height: Double, spacing: Double, stroke: String) {
        var offset = spacing / 2
        while offset < width + height {
            // The line x - x0 + (y1 - y) = offset, from the bottom-left edge to the top-right.
            let start = (min(x + offset, x + width) , y + height - max(0, offset - width))
            let end = (x + max(0, offset - height), y + height - min(offset, height))
            line(x1: start.0, y1: start.1, x2: end.0, y2: end.1, stroke: stroke, width: 1)
            offset += spacing
        }
    }

    // MARK: Writing

    private func n(_ value: Double) -> String { Format.coordinate(value) }

    private static func points(_ points: [(Double, Double)]) -> String {
        points.map { Format.coordinate($0.0) + "," + Format.coordinate($0.1) }.joined(separator: " ")
    }

    private static func attributes(_ attributes: Attributes) -> String {
        attributes.reduce(into: "") { $0 += " " + $1.0 + "=\"" + Markup.escape($1.1) + "\"" }
    }
}
