import LianjieWire
import XCTest

final class FrameDecoderTests: XCTestCase {
    private func header(kind: UInt8, meta: UInt32, body: UInt32, magic: [UInt8] = FrameHeader.magic,
                        version: UInt8 = 1, flags: [UInt8] = [0, 0]) -> [UInt8] {
        var h = magic + [version, kind] + flags
        for v in [meta, body] { h += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return h
    }

    private func drain(_ d: inout FrameDecoder) -> [FrameDecoder.Event] {
        var out: [FrameDecoder.Event] = []
        while let e = d.next() { out.append(e) }
        return out
    }

    func testEncodedFrameHasTheWireLayout() {
        let bytes = FrameEncoder.encode(kind: .call, meta: [1, 2, 3], body: [9, 9])
        XCTAssertEqual(bytes, [0x4C, 0x4A, 0x52, 0x50, 1, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 1, 2, 3, 9, 9])
    }

    func testDecodesFramesFedOneByteAtATime() {
        var stream: [UInt8] = []
        FrameEncoder.append(kind: .call, meta: [1, 2, 3], body: Array(repeating: 7, count: 300), to: &stream)
        FrameEncoder.append(kind: .ping, meta: [8, 42], to: &stream)
        FrameEncoder.append(kind: .reply, meta: [], body: [], to: &stream)
        var d = FrameDecoder()
        var events: [FrameDecoder.Event] = []
        for b in stream {
            d.feed([b])
            events += drain(&d)
        }
        XCTAssertEqual(events, [
            .frame(Frame(kind: .call, meta: [1, 2, 3], body: Array(repeating: 7, count: 300))),
            .frame(Frame(kind: .ping, meta: [8, 42])),
            .frame(Frame(kind: .reply, meta: [])),
        ])
        XCTAssertFalse(d.isMidFrame)
        XCTAssertEqual(d.bufferedByteCount, 0)
    }

    func testPartialFrameWaitsForMoreBytes() {
        let bytes = FrameEncoder.encode(kind: .call, meta: [1], body: [2, 3])
        var d = FrameDecoder()
        d.feed(Array(bytes.dropLast()))
        XCTAssertNil(d.next())
        XCTAssertTrue(d.isMidFrame)
        d.feed([bytes.last!])
        XCTAssertEqual(d.next(), .frame(Frame(kind: .call, meta: [1], body: [2, 3])))
    }

    func testEveryHeaderViolationIsAProtocolError() {
        let cases: [([UInt8], WireError.Code)] = [
            (header(kind: 1, meta: 0, body: 0, magic: Array("LJRQ".utf8)), .badMagic),
            (header(kind: 1, meta: 0, body: 0, version: 2), .badVersion),
            (header(kind: 0, meta: 0, body: 0), .badKind),
            (header(kind: 7, meta: 0, body: 0), .badKind),
            (header(kind: 1, meta: 0, body: 0, flags: [0, 1]), .badFlags),
            (header(kind: 1, meta: 64 * 1024 + 1, body: 0), .metaTooLarge),
            (header(kind: 4, meta: 0, body: 1), .unexpectedBody),
            (header(kind: 3, meta: 0, body: 5), .unexpectedBody),
        ]
        for (bytes, code) in cases {
            var d = FrameDecoder()
            d.feed(bytes + Array(repeating: 0, count: 8))
            guard case .protocolError(let e)? = d.next() else { return XCTFail("expected \(code) for \(bytes)") }
            XCTAssertEqual(e.code, code)
            XCTAssertFalse(e.message.isEmpty)
            d.feed(FrameEncoder.encode(kind: .ping, meta: []))
            XCTAssertNil(d.next(), "nothing is decoded after a protocol error")
        }
    }

    func testHugeMetaLengthIsRefusedFromTheHeaderAlone() {
        var d = FrameDecoder()
        d.feed(header(kind: 1, meta: UInt32.max, body: 0))
        guard case .protocolError(let e)? = d.next() else { return XCTFail("expected a protocol error") }
        XCTAssertEqual(e.code, .metaTooLarge)
    }

    func testOversizedBodyIsSkippedAndTheNextFrameStillDecodes() {
        let limits = WireLimits(maxMetaBytes: 1024, maxBodyBytes: 100)
        var stream = FrameEncoder.encode(kind: .call, meta: [5], body: Array(repeating: 1, count: 5000))
        FrameEncoder.append(kind: .call, meta: [6], body: [1, 2], to: &stream)
        for chunk in [1, 7, 100, stream.count] {
            var d = FrameDecoder(limits: limits)
            var events: [FrameDecoder.Event] = []
            var i = 0
            while i < stream.count {
                d.feed(Array(stream[i..<min(i + chunk, stream.count)]))
                i += chunk
                events += drain(&d)
                XCTAssertLessThanOrEqual(d.bufferedByteCount, 100 + 1024 + 16 + chunk, "the oversized body must not be buffered")
            }
            XCTAssertEqual(events, [
                .oversized(kind: .call, meta: [5], bodyLength: 5000),
                .frame(Frame(kind: .call, meta: [6], body: [1, 2])),
            ], "chunk \(chunk)")
        }
    }

    func testBodyAtExactlyTheLimitIsAccepted() {
        var d = FrameDecoder(limits: WireLimits(maxMetaBytes: 10, maxBodyBytes: 4))
        d.feed(FrameEncoder.encode(kind: .reply, meta: Array(repeating: 0, count: 10), body: [1, 2, 3, 4]))
        XCTAssertEqual(d.next(), .frame(Frame(kind: .reply, meta: Array(repeating: 0, count: 10), body: [1, 2, 3, 4])))
    }

    func testStatusNamesAndUnknownCodes() {
        XCTAssertEqual(Status.invalidArgument.rawValue, 3)
        XCTAssertEqual(Status.unauthenticated.rawValue, 16)
        XCTAssertEqual(Status(code: 99), .unknown)
        XCTAssertEqual(Status.resourceExhausted.name, "RESOURCE_EXHAUSTED")
    }
}
