import Foundation
import FoundationXML
import XCTest
@testable import LianjieReports
import LianjieScoring

/// Text that breaks markup wherever it is not escaped.
let hostile = "<script>alert(\"x\")&'</script>"
/// `hostile` as it must appear in markup.
let hostileEscaped = "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;"

/// Every `<svg …>…</svg>` in `html`, in order.
func svgElements(in html: String) -> [String] {
    var out: [String] = []
    var rest = html[...]
    while let start = rest.range(of: "<svg"), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
        out.append(String(rest[start.lowerBound..<end.upperBound]))
        rest = rest[end.upperBound...]
    }
    return out
}

/// How many times `needle` occurs in `haystack`.
func occurrences(of needle: String, in haystack: String) -> Int {
    haystack.components(separatedBy: needle).count - 1
}

/// Fails unless `svg` is well-formed XML whose root is an accessible chart of `kind`.
func assertAccessibleChart(_ svg: String, kind: String, file: StaticString = #filePath, line: UInt = #line) {
    let parser = XMLParser(data: Data(svg.utf8))
    let delegate = RootRecorder()
    parser.delegate = delegate
    XCTAssertTrue(parser.parse(), "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
    XCTAssertEqual(delegate.root, "svg", file: file, line: line)
    let a = delegate.attributes
    XCTAssertEqual(a["class"], "chart chart-\(kind)", file: file, line: line)
    XCTAssertEqual(a["role"], "img", file: file, line: line)
    XCTAssertEqual(a["width"], "100%", file: file, line: line)
    XCTAssertFalse((a["aria-label"] ?? "").isEmpty, "aria-label", file: file, line: line)
    XCTAssertNotNil(a["viewBox"], file: file, line: line)
    XCTAssertEqual(delegate.firstChild, "title", "the first child is a <title>", file: file, line: line)
    XCTAssertFalse(svg.contains("NaN") || svg.contains("inf"), "a coordinate is not a number", file: file, line: line)
}

private final class RootRecorder: NSObject, XMLParserDelegate {
    var root: String?
    var attributes: [String: String] = [:]
    var firstChild: String?
    private var depth = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        if depth == 0 { root = name; self.attributes = attributes }
        if depth == 1, firstChild == nil { firstChild = name }
        depth += 1
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
    }
}
