import Foundation
import LianjieGateway
import XCTest

/// The incremental multipart reader: any split of the input gives the same parts.
final class MultipartParserTests: XCTestCase {
    struct Part: Equatable {
        var name: String
        var fileName: String?
        var type: String?
        var bytes: [UInt8]
    }

    func parse(_ body: [UInt8], boundary: String, pieces: [Int]) throws -> ([Part], complete: Bool) {
        var parser = try XCTUnwrap(MultipartParser(contentType: "multipart/form-data; boundary=\(boundary)"))
        var parts: [Part] = []
        var offset = 0
        var sizes = pieces
        while offset < body.count {
            let n = min(sizes.isEmpty ? body.count : sizes.removeFirst(), body.count - offset)
            try body[offset..<(offset + n)].withUnsafeBytes { raw in
                try parser.feed(raw) { event in
                    switch event {
                    case .partStart(let name, let file, let type): parts.append(Part(name: name, fileName: file, type: type, bytes: []))
                    case .data(let d): parts[parts.count - 1].bytes += d
                    case .partEnd: break
                    }
                }
            }
            offset += n
        }
        return (parts, parser.isComplete)
    }

    func testAnySplitGivesTheSameParts() throws {
        // Content that holds near-misses of the delimiter.
        let file = Array("start\r\n--bound\r\n-ary\r\n--boundar".utf8) + (0..<300).map { UInt8($0 % 256) } + Array("\r\n--boundar".utf8)
        let body = Multipart.body([("csrf", "abc"), ("描述", "中文 内容")], file: ("照片.jpg", "image/jpeg", file), boundary: "boundary")
        let expected = [Part(name: "csrf", fileName: nil, type: nil, bytes: Array("abc".utf8)),
                        Part(name: "描述", fileName: nil, type: nil, bytes: Array("中文 内容".utf8)),
                        Part(name: "photo", fileName: "照片.jpg", type: "image/jpeg", bytes: file)]
        for size in [1, 2, 3, 7, 13, 64, body.count] {
            let (parts, complete) = try parse(body, boundary: "boundary", pieces: Array(repeating: size, count: body.count / size + 1))
            XCTAssertEqual(parts, expected, "pieces of \(size)")
            XCTAssertTrue(complete)
        }
        // Every split into two pieces.
        for cut in 1..<body.count {
            XCTAssertEqual(try parse(body, boundary: "boundary", pieces: [cut, body.count]).0, expected, "cut at \(cut)")
        }
    }

    func testPreambleEpilogueQuotedBoundaryAndEscapes() throws {
        let raw = "ignored preamble\r\n--b1\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"x;y.png\"\r\n\r\nDATA\r\n--b1--\r\nepilogue"
        var parser = try XCTUnwrap(MultipartParser(contentType: "multipart/form-data; charset=utf-8; boundary=\"b1\""))
        var events: [MultipartParser.Event] = []
        try Array(raw.utf8).withUnsafeBytes { raw in try parser.feed(raw) { events.append($0) } }
        XCTAssertEqual(events, [.partStart(name: "a\"b", fileName: "x;y.png", contentType: nil), .data(Array("DATA".utf8)), .partEnd])
        XCTAssertTrue(parser.isComplete)
    }

    func testMalformedBodiesAreErrors() throws {
        XCTAssertNil(MultipartParser(contentType: "multipart/form-data"))
        XCTAssertNil(MultipartParser(contentType: "text/plain; boundary=x"))
        XCTAssertNil(MultipartParser(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)))
        func fails(_ text: String) -> Bool {
            var parser = MultipartParser(contentType: "multipart/form-data; boundary=b")!
            do {
                try Array(text.utf8).withUnsafeBytes { raw in try parser.feed(raw) { _ in } }
                return false
            } catch { return true }
        }
        XCTAssertTrue(fails("--b\r\nContent-Type: text/plain\r\n\r\nno name\r\n--b--"))
        XCTAssertTrue(fails("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--bZZ\r\n"))
        XCTAssertTrue(fails("--b\r\n" + String(repeating: "X-Long: header\r\n", count: 1000)))
        // A body that never closes is not complete.
        var open = MultipartParser(contentType: "multipart/form-data; boundary=b")!
        try Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue".utf8).withUnsafeBytes { raw in try open.feed(raw) { _ in } }
        XCTAssertFalse(open.isComplete)
    }
}
