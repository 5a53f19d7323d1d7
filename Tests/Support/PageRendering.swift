import Foundation
public import XCTest

extension XCTestCase {
    /// Renders `html` in headless Chromium (in `directory`) and checks it as a person would
    /// see it: the first A4 screen is not blank and shows `colours` (`#rrggbb`), a measuring
    /// copy finds exactly the `charts` (`chart-KIND`) laid out inside the page with no text
    /// overflowing or overlapping, on A4 and at 500 px, and the page prints to PDF.
    /// `thorough: false` checks A4 only (no phone-sized window, no PDF): for pages whose
    /// layout the thorough checks of the same page kinds already cover.
    public func assertRendersWell(_ name: String, _ html: String, charts: [String], colours: [String], in directory: String,
                                  thorough: Bool = true, minimumInk: Double = 0.08, file: StaticString = #filePath, line: UInt = #line) throws {
        let chromium = try Chromium.required(profile: directory + "/profile")
        let page = URL(fileURLWithPath: directory + "/\(name).html")
        try html.write(to: page, atomically: true, encoding: .utf8)

        // The first A4 screen, as pixels.
        let png = directory + "/\(name).png"
        try chromium.screenshot(page, to: png)
        let probe = try PNGProbe.probe(png, colours: colours, scratch: directory)
        XCTAssertEqual(probe.width, 794, file: file, line: line)
        XCTAssertEqual(probe.height, 1123, file: file, line: line)
        XCTAssertGreaterThan(probe.inkedShare, minimumInk, "the screenshot is nearly blank", file: file, line: line)
        XCTAssertGreaterThan(probe.distinctColours, 100, "no anti-aliased text or charts drawn", file: file, line: line)
        for colour in colours {
            XCTAssertGreaterThan(probe.matches[colour] ?? 0, 40, "\(colour) is not on the first screen", file: file, line: line)
        }

        // The layout, measured by a script in a copy of the page.
        let measuring = URL(fileURLWithPath: directory + "/\(name)-measure.html")
        try html.replacingOccurrences(of: "</body>", with: "<script>" + PageVerdict.measure + "</script>\n</body>")
            .write(to: measuring, atomically: true, encoding: .utf8)
        let verdict = try PageVerdict.parse(chromium.dumpDOM(measuring))
        XCTAssertEqual(verdict.width, 794, file: file, line: line)
        XCTAssertLessThanOrEqual(verdict.scrollWidth, verdict.width, file: file, line: line)
        XCTAssertEqual(verdict.charts, charts.map { "chart chart-\($0)" }, file: file, line: line)
        XCTAssertEqual(verdict.problems, [], file: file, line: line)
        XCTAssertTrue(verdict.ok, file: file, line: line)
        XCTAssertGreaterThan(verdict.cjkWidth, 0, file: file, line: line)

        guard thorough else { return }

        // The same page in a phone-sized window (the mobile gateway shows these pages too;
        // headless Chromium's narrowest window is 500 px).
        let narrow = try PageVerdict.parse(chromium.dumpDOM(measuring, width: 500, height: 900))
        XCTAssertLessThanOrEqual(narrow.scrollWidth, narrow.width, "at 500 px", file: file, line: line)
        XCTAssertEqual(narrow.problems, [], "at 500 px", file: file, line: line)

        // And it prints.
        let pdf = directory + "/\(name).pdf"
        try chromium.printToPDF(page, to: pdf)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
        XCTAssertEqual(bytes.prefix(5), Data("%PDF-".utf8), file: file, line: line)
        XCTAssertGreaterThan(bytes.count, 20_000, file: file, line: line)
    }
}

/// What the measuring script found in a laid-out page.
struct PageVerdict: Decodable {
    var ok: Bool
    var width: Double
    var scrollWidth: Double
    var charts: [String]
    var problems: [String]
    var cjkWidth: Double

    /// The verdict the measuring script left in the DOM (base64 JSON, so no escaping matters).
    static func parse(_ dom: String) throws -> PageVerdict {
        let open = "<pre id=\"lianjie-verdict\">"
        guard let start = dom.range(of: open), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex),
              let json = Data(base64Encoded: String(dom[start.upperBound..<end.lowerBound])) else {
            XCTFail("no verdict in the DOM (\(dom.count) characters)")
            throw ChromiumVerdictMissing()
        }
        return try JSONDecoder().decode(PageVerdict.self, from: json)
    }

    struct ChromiumVerdictMissing: Error {}

    /// Measures the laid-out page and appends its verdict as `<pre id="lianjie-verdict">`.
    static let measure = #"""
    (function () {
      var W = window.innerWidth, problems = [], charts = [];
      var root = document.documentElement;
      if (root.scrollWidth > W) problems.push("page is " + root.scrollWidth + "px wide in a " + W + "px window");
      function rect(el) { return el.getBoundingClientRect(); }
      function overlap(a, b) {
        // Glyph boxes include the font's leading: compare their inner 60% vertically.
        var ah = a.height * 0.2, bh = b.height * 0.2;
        var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        var h = Math.min(a.bottom - ah, b.bottom - bh) - Math.max(a.top + ah, b.top + bh);
        return w > 1 && h > 1;
      }
      document.querySelectorAll(".chart").forEach(function (chart) {
        var cls = chart.getAttribute("class"), r = rect(chart);
        charts.push(cls);
        if (!(r.width > 0 && r.height > 0)) problems.push(cls + " has no size");
        if (r.left < -0.5 || r.right > W + 0.5) problems.push(cls + " spans " + r.left + ".." + r.right + " of " + W);
        if (chart.tagName.toLowerCase() !== "svg") return;
        var texts = Array.prototype.slice.call(chart.querySelectorAll("text"));
        texts.forEach(function (t, i) {
          var a = rect(t);
          if (a.left < r.left - 1 || a.right > r.right + 1 || a.top < r.top - 1 || a.bottom > r.bottom + 1)
            problems.push(cls + ": text cut off: " + t.textContent);
          for (var j = i + 1; j < texts.length; j++) {
            if (overlap(a, rect(texts[j]))) problems.push(cls + ": texts overlap: " + t.textContent + " / " + texts[j].textContent);
          }
        });
      });
      document.querySelectorAll("table, section, header, footer, figure").forEach(function (el) {
        var r = rect(el);
        if (r.left < -0.5 || r.right > W + 0.5) problems.push(el.tagName + " spans " + r.left + ".." + r.right);
      });
      document.querySelectorAll("td, th, dt, dd, h1, h2, h3, .fact, .notice, figcaption, li").forEach(function (el) {
        if (el.scrollWidth > el.clientWidth + 1) problems.push("text overflows its " + el.tagName + ": " + el.textContent.trim().slice(0, 40));
      });
      // Some CJK text is laid out with a real width (not collapsed to nothing).
      var probe = document.createElement("span");
      probe.textContent = "廉洁画像";
      document.body.appendChild(probe);
      var cjkWidth = rect(probe).width;
      probe.remove();
      var verdict = JSON.stringify({ ok: problems.length === 0, width: W, scrollWidth: root.scrollWidth, charts: charts,
                                     problems: problems, cjkWidth: cjkWidth });
      var pre = document.createElement("pre");
      pre.id = "lianjie-verdict";
      pre.textContent = btoa(unescape(encodeURIComponent(verdict)));
      document.body.appendChild(pre);
    })();
    """#
}
