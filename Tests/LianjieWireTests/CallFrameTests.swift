import LianjieMessages
import LianjieWire
import XCTest

/// `FrameEncoder.call` writes the CallMeta itself; it must be the generated encoding's bytes.
final class CallFrameTests: XCTestCase {
    private func generated(_ id: UInt64, _ method: String, _ timeout: UInt32, _ metadata: [(String, String)], _ body: [UInt8]) -> [UInt8] {
        let meta = CallMeta(callId: id, method: method, timeoutMs: timeout, metadata: metadata.map { Metadata(key: $0.0, value: $0.1) })
        return FrameEncoder.encode(kind: .call, meta: meta.serializedBytes(), body: body)
    }

    func testTheCallFrameIsTheGeneratedEncodingByteForByte() {
        let edges: [(UInt64, String, UInt32, [(String, String)], [UInt8])] = [
            (0, "", 0, [], []),
            (1, "/lianjie.v1.UserService/WhoAmI", 30_000, [("authorization", "Bearer abc"), ("forwarded-for", "127.0.0.1:5")], [1, 2, 3]),
            (127, "/a", 127, [("", "")], []),
            (128, "/a", 128, [("k", ""), ("", "v")], [0]),
            (UInt64.max, "/健康/检查", UInt32.max, [("键", "值 ✓"), ("x", String(repeating: "长", count: 300))], Array(repeating: 7, count: 5000)),
            (1 << 35, String(repeating: "m", count: 200), 1, Array(repeating: ("request-id", "r"), count: 40), []),
            // protobuf-c packs C strings: cut at a NUL, and left out when the NUL comes first.
            (9, "/a\u{0}b", 9, [("\u{0}k", "v\u{0}w"), ("k", "\u{0}")], []),
        ]
        for (id, method, timeout, metadata, body) in edges {
            XCTAssertEqual(FrameEncoder.call(callId: id, method: method, timeoutMs: timeout, metadata: metadata, body: body),
                           generated(id, method, timeout, metadata, body), "call \(id) \(method)")
        }
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("ab/.-_ 0健康✓\u{7F}\u{80}\u{0}")
        func text(_ max: Int) -> String { String((0..<Int.random(in: 0...max, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }) }
        for _ in 0..<2_000 {
            let id = Bool.random(using: &rng) ? UInt64.random(in: 0...300, using: &rng) : UInt64.random(in: 0...UInt64.max, using: &rng)
            let timeout = Bool.random(using: &rng) ? 0 : UInt32.random(in: 0...UInt32.max, using: &rng)
            let metadata = (0..<Int.random(in: 0...4, using: &rng)).map { _ in (text(12), text(80)) }
            let body = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let method = text(60)
            XCTAssertEqual(FrameEncoder.call(callId: id, method: method, timeoutMs: timeout, metadata: metadata, body: body),
                           generated(id, method, timeout, metadata, body))
        }
    }

    func testTheCallFrameDecodesToItsFields() throws {
        let bytes = FrameEncoder.call(callId: 42, method: "/p.S/M", timeoutMs: 1500, metadata: [("authorization", "Bearer t")], body: [5, 6])
        var decoder = FrameDecoder(limits: WireLimits())
        bytes.withUnsafeBytes { decoder.feed($0) }
        guard case .frame(let frame)? = decoder.next() else { return XCTFail("no frame") }
        XCTAssertEqual(frame.kind, .call)
        XCTAssertEqual(frame.body, [5, 6])
        let meta = try CallMeta(serializedBytes: frame.meta)
        XCTAssertEqual(meta.callId, 42)
        XCTAssertEqual(meta.method, "/p.S/M")
        XCTAssertEqual(meta.timeoutMs, 1500)
        XCTAssertEqual(meta.metadata.map { [$0.key, $0.value] }, [["authorization", "Bearer t"]])
    }

    /// An OK reply's meta is read off the bytes when it is the call id alone, and then says
    /// what decoding it says; any other meta (a status, a message, violations, metadata, bytes
    /// that are not a varint) is left to `ReplyMeta`.
    func testAnOKReplysCallIDIsReadOffTheBytesAsDecodingReadsIt() throws {
        for id: UInt64 in [1, 127, 128, 300, 1 << 35, UInt64.max - 1, UInt64.max] {
            XCTAssertEqual(Frame(kind: .reply, meta: ReplyMeta(callId: id).serializedBytes()).okReplyCallId, id)
            XCTAssertNil(Frame(kind: .goAway, meta: ReplyMeta(callId: id).serializedBytes()).okReplyCallId, "only a REPLY")
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            var m = ReplyMeta(callId: UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng))
            if Bool.random(using: &rng) { m.status = UInt32.random(in: 0...16, using: &rng) }
            if Int.random(in: 0..<4, using: &rng) == 0 { m.message = "m" }
            if Int.random(in: 0..<4, using: &rng) == 0 { m.violations = [FieldViolation(field: "f", description: "d")] }
            if Int.random(in: 0..<4, using: &rng) == 0 { m.metadata = [Metadata(key: "k", value: "v")] }
            var meta = m.serializedBytes()
            if Int.random(in: 0..<5, using: &rng) == 0, !meta.isEmpty {
                meta[Int.random(in: 0..<meta.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if Int.random(in: 0..<8, using: &rng) == 0 { meta += [0x80] }
            guard let id = Frame(kind: .reply, meta: meta).okReplyCallId else { continue }
            let decoded = try ReplyMeta(serializedBytes: meta)
            XCTAssertEqual(decoded, ReplyMeta(callId: id), "\(meta)")
        }
        for meta: [UInt8] in [[], [0x08], [0x08, 0x80], [0x10, 0x01], [0x08, 0x01, 0x10, 0x00], Array(repeating: 0xFF, count: 11) + [0x01],
                              [0x08] + Array(repeating: 0x80, count: 10) + [0x01]] {
            XCTAssertNil(Frame(kind: .reply, meta: meta).okReplyCallId, "\(meta)")
        }
    }
}
