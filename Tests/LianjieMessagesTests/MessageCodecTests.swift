@testable import LianjieMessages
import XCTest

/// The two messages these tests read off the wire by name.
protocol WireJSONReadable { static func writeJSON(wire r: inout WireScan, into out: inout JSONBuffer) -> Bool }
extension Sample: WireJSONReadable {}
extension WhoAmIResponse: WireJSONReadable {}

final class MessageCodecTests: XCTestCase {
    static func fullSample() -> Sample {
        var s = Sample()
        s.fInt32 = -42
        s.fInt64 = Int64.min
        s.fUint32 = UInt32.max
        s.fUint64 = UInt64.max
        s.fSint32 = -7
        s.fSint64 = -9_000_000_000
        s.fFixed32 = 123_456
        s.fFixed64 = 1 << 60
        s.fSfixed32 = -1
        s.fSfixed64 = -(1 << 50)
        s.fFloat = 1.5
        s.fDouble = -2.25e-10
        s.fBool = true
        s.fString = "廉洁 \"quoted\" \n tab\t"
        s.fBytes = [0, 1, 2, 255]
        s.colour = .green
        s.inner = Sample.Inner(label: "in", values: [1, -2, 3])
        s.when = Time(seconds: 1_795_600_000, nanos: 500)
        s.rInt64 = [0, -1, Int64.max]
        s.rString = ["a", "", "甲乙"]
        s.rBytes = [[], [9, 8]]
        s.rBool = [true, false, true]
        s.rDouble = [0.5, -1]
        s.rColour = [.red, .unrecognized(77)]
        s.rInner = [Sample.Inner(label: "x"), Sample.Inner()]
        s.choice = .choiceInner(Sample.Inner(label: "chosen", values: [5]))
        s.limit = 0
        return s
    }

    func testBinaryRoundTripOfEveryFieldKind() throws {
        let s = Self.fullSample()
        let decoded = try Sample(serializedBytes: s.serializedBytes())
        XCTAssertEqual(decoded, s)
    }

    /// Decoding unpacks into an arena: its first KiB on the stack, then 16 KiB blocks, one
    /// of its own for anything larger. Messages well past each of those sizes, with many
    /// small pieces and a few large ones, decode whole, and so does their JSON.
    func testLargeMessagesDecodeWholeThroughTheArena() throws {
        for (count, length) in [(1, 10), (40, 30), (700, 3), (3, 20_000), (1, 300_000), (5_000, 0)] {
            var s = Self.fullSample()
            s.fString = String(repeating: "廉", count: length)
            s.rString = (0..<count).map { "s\($0)" + String(repeating: "x", count: length) }
            s.rInner = (0..<count).map { Sample.Inner(label: "i\($0)", values: [Int32($0), -1]) }
            s.rBytes = [Array(repeating: 7, count: length * 3)]
            let bytes = s.serializedBytes()
            XCTAssertEqual(try Sample(serializedBytes: bytes), s, "\(count) × \(length)")
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), s.jsonValue().utf8(), "\(count) × \(length)")
        }
        // A failure midway frees what was unpacked so far (the leak check runs this too).
        var big = Sample()
        big.rInner = (0..<2_000).map { Sample.Inner(label: String(repeating: "y", count: $0 % 50 + 1)) }
        big.rString = ["the last field, cut short"]
        let truncated = Array(big.serializedBytes().dropLast(3))
        XCTAssertThrowsError(try Sample(serializedBytes: truncated))
    }

    /// protobuf-c merges a singular message field sent again, copying its repeated fields
    /// into a new array each time and freeing the old one; in the arena nothing is freed
    /// until the end, so these 100 KB (25,000 times `account { grants {} }`) would keep
    /// about 2.5 GB. Past the arena's budget the unpack starts over with protobuf-c's own
    /// allocator: the message decodes, merged, in memory linear in its size.
    func testRepeatedMergesDoNotMakeTheArenaGrowWithTheSquareOfTheInput() throws {
        let bytes = Array([[UInt8]](repeating: [0x0A, 0x02, 0x22, 0x00], count: 25_000).joined())
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        let request = try UpdateAccountRequest(serializedBytes: bytes)
        let json = try UpdateAccountRequest.jsonBytes(serializedBytes: bytes)
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        XCTAssertEqual(request.account?.grants.count, 25_000)
        XCTAssertEqual(json, request.jsonValue().utf8())
        // ru_maxrss is the process's peak in KiB; the decode must not have raised it by much.
        XCTAssertLessThan(after.ru_maxrss - before.ru_maxrss, 200 * 1024, "peak resident memory grew by \(after.ru_maxrss - before.ru_maxrss) KiB")
    }

    /// An unknown field (4000, a varint) to put before an encoding: protobuf-c keeps it aside
    /// and the JSON leaves it out, but the bytes are no longer as protobuf-c writes them, so
    /// their JSON is written off the unpacked struct, not straight off the bytes.
    static let unknownField: [UInt8] = [0x80, 0xFA, 0x01, 0x01]

    /// The JSON written straight off the bytes, and off protobuf-c's struct (the bytes with
    /// an unknown field before them), is, byte for byte, what `jsonValue()` says of the
    /// decoded message: every kind of field, extremes, escapes, -0.0, NaN, unknown enum
    /// values, every oneof member, nested and repeated messages.
    func testJSONOffTheCStructIsJSONValuesText() throws {
        func check(_ m: Sample, _ what: String, line: UInt = #line) throws {
            let bytes = m.serializedBytes()
            let expected = try Sample(serializedBytes: bytes).jsonValue().utf8()
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), expected, what, line: line)
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: Self.unknownField + bytes), expected, what + ", off the struct", line: line)
        }
        var s = Self.fullSample()
        try check(s, "full")
        for f: Float in [-0.0, .nan, .infinity, -.infinity, 1e20, 0.1] {
            s.fFloat = f
            s.fDouble = Double(f)
            try check(s, "\(f)")
        }
        for c: Sample.Choice? in [nil, .choiceText(""), .choiceText("\u{1}\\"), .choiceNumber(Int64.min), .choiceColour(.unrecognized(-3)),
                                  .choiceInner(Sample.Inner())] {
            s.choice = c
            s.fInt32 = Int32.min
            s.fInt64 = Int64.max
            s.fUint64 = UInt64.max
            s.limit = c == nil ? nil : 0
            try check(s, "\(String(describing: c))")
        }
        var nested = Sample()
        nested.rInner = [Sample.Inner(), Sample.Inner(label: "a", values: [Int32.min])]
        try check(nested, "nested")
        try check(Sample(), "empty")
    }

    /// Strings read off protobuf-c's struct come out as the Swift value's do: cut at a NUL,
    /// invalid UTF-8 repaired, escapes and CJK as they are.
    func testJSONOffTheCStructTreatsOddStringsAsTheSwiftValueDoes() throws {
        let odd: [[UInt8]] = [Array("ascii \"q\" \\ \n\t\u{1}\r\u{1F}".utf8), Array("廉洁 ok".utf8), [0x61, 0x00, 0x62], [0x61, 0xFF, 0xC3, 0x28, 0x62],
                              [0xE5, 0xBB], [], Array(repeating: 0x7A, count: 5000)]
        for text in odd {
            // Field 14 (f_string) and field 21 (r_string), length-delimited.
            var bytes: [UInt8] = [0x72]
            bytes += Self.varint(UInt64(text.count)) + text
            bytes += [0xAA, 0x01] + Self.varint(UInt64(text.count)) + text
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), try Sample(serializedBytes: bytes).jsonValue().utf8(), "\(text.prefix(8))")
        }
        XCTAssertThrowsError(try Sample.jsonBytes(serializedBytes: [0x72, 0x05, 0x61]))
    }

    /// The JSON of bytes as protobuf-c writes them is read straight off the bytes, and is
    /// `jsonValue()`'s text: every kind of field, extremes, escapes, CJK, every oneof member.
    func testJSONOffTheWireIsTakenForWhatProtobufCWrites() throws {
        var samples = [Self.fullSample(), Sample(), Sample(inner: Sample.Inner()), Sample(rInner: [Sample.Inner(), Sample.Inner(values: [0])])]
        for c: Sample.Choice in [.choiceText(""), .choiceText("甲\u{7F}"), .choiceNumber(0), .choiceColour(.unrecognized(-3)), .choiceInner(Sample.Inner())] {
            var s = Self.fullSample()
            s.choice = c
            s.limit = UInt32.max
            samples.append(s)
        }
        for s in samples {
            let bytes = s.serializedBytes()
            let (direct, out) = Self.offTheWire(Sample.self, bytes)
            XCTAssertTrue(direct, "\(s)")
            XCTAssertEqual(out, s.jsonValue().utf8(), "\(s)")
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), s.jsonValue().utf8())
        }
        let who = WhoAmIResponse(account: Account(id: "acc_1", username: "zhang", displayName: "张伟", grants: [RoleGrant(role: .inspector, organizationId: "org_1")],
                                                  createTime: Time(seconds: 1_796_000_000), kind: .person, etag: "3"),
                                 sessionExpireTime: Time(seconds: 1_796_086_400, nanos: 5))
        let (direct, out) = Self.offTheWire(WhoAmIResponse.self, who.serializedBytes())
        XCTAssertTrue(direct)
        XCTAssertEqual(out, who.jsonValue().utf8())
    }

    /// Bytes protobuf-c would not write as they are — fields out of order or sent twice
    /// (a message field twice merges), a repeated field split or unpacked, two members of a
    /// oneof, unknown fields, explicit defaults, NUL and invalid UTF-8, a bool of 2,
    /// two encodings one after the other — are not read off the wire but unpacked, and
    /// come out as the decoded message's JSON; cut-short bytes, and keys or lengths in
    /// more bytes than protobuf-c reads, are an error either way.
    func testJSONOfAnyOtherEncodingIsTheDecodedMessages() throws {
        func check(_ bytes: [UInt8], direct expected: Bool?, _ what: String, line: UInt = #line) throws {
            let decoded = try Sample(serializedBytes: bytes)
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), decoded.jsonValue().utf8(), what, line: line)
            if let expected {
                XCTAssertEqual(Self.offTheWire(Sample.self, bytes).direct, expected, what, line: line)
            }
        }
        let full = Self.fullSample().serializedBytes()
        let fields = try Self.fields(full)
        XCTAssertGreaterThan(fields.count, 20)
        try check(Array(fields.reversed().joined()), direct: false, "reversed")
        try check(Array(fields.joined()) + fields[0], direct: false, "the first field again at the end")
        try check(fields[0] + Array(fields.joined()), direct: false, "the first field twice at the start")
        let inner = try XCTUnwrap(fields.firstIndex { $0.first == 0x8A && $0[1] == 0x01 })
        try check(Array(fields.joined()) + fields[inner], direct: false, "a message field twice: merged")
        try check(full + full, direct: false, "two encodings one after the other")
        try check(full + [0x98, 0x06, 0x01], direct: false, "an unknown field (99) at the end")
        try check([0xF8, 0x02, 0x05] + full, direct: false, "an unknown field (47) at the start")
        try check([0x08, 0x00, 0x10, 0x00, 0x68, 0x00, 0x72, 0x00], direct: true, "explicit defaults, left out as the struct leaves them")
        try check([0x68, 0x02], direct: false, "a bool of 2")
        try check([0x68, 0x81, 0x00], direct: false, "a bool in two bytes")
        try check([0x72, 0x03, 0x61, 0x00, 0x62], direct: false, "a NUL in a string")
        try check([0x72, 0x02, 0xC3, 0x28], direct: false, "invalid UTF-8")
        try check([0xAA, 0x01, 0x02, 0xED, 0xA0], direct: false, "a cut UTF-8 sequence in a repeated string")
        try check([0xF2, 0x01, 0x01, 0x61, 0xF8, 0x01, 0x05], direct: false, "two members of a oneof")
        try check([0xF8, 0x01, 0x05, 0xF2, 0x01, 0x01, 0x61], direct: false, "two members of a oneof, out of order")
        try check([0xA0, 0x01, 0x01, 0xA0, 0x01, 0x02, 0xA2, 0x01, 0x01, 0x03], direct: true, "a repeated number one by one, then packed")
        try check([0xA0, 0x01, 0x01, 0x08, 0x01, 0xA0, 0x01, 0x02], direct: false, "a repeated number split by another field")
        try check([0xA2, 0x01, 0x00], direct: true, "an empty packed run: no member")
        try check([0xD2, 0x01, 0x00, 0xD2, 0x01, 0x02, 0x0A, 0x00], direct: true, "repeated messages, empty and not")
        try check([0x8A, 0x01, 0x02, 0x18, 0x01], direct: false, "a nested message with a field it does not have")
        try check([0x28, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], direct: true, "a sint32 in ten bytes")
        try check([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F], direct: true, "a ten-byte varint with high bits past the 64th")
        // protobuf-c reads a key and a length in five bytes at most.
        try check([0x88, 0x80, 0x80, 0x80, 0x00, 0x05], direct: true, "a key in five bytes")
        try check([0x72, 0x80, 0x80, 0x80, 0x80, 0x00], direct: true, "a length in five bytes")
        let refused: [[UInt8]] = [[0x72, 0x05, 0x61], [0x08], [0x61, 0x00], [0x8A, 0x01, 0x05, 0x0A], [0xA2, 0x01, 0x02, 0x80],
                                  [0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x05], [0x72, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
                                  [0x72, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x61], [0x8A, 0x01, 0x06, 0x92, 0x80, 0x80, 0x80, 0x80, 0x00]]
        for bytes in refused {
            XCTAssertThrowsError(try Sample(serializedBytes: bytes), "\(bytes)")
            XCTAssertThrowsError(try Sample.jsonBytes(serializedBytes: bytes), "\(bytes)")
        }
        // Random single-byte changes of a full encoding: whatever decodes gives its JSON.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<3000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            var bytes = full
            bytes[Int(state % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: state >> 32)
            guard let decoded = try? Sample(serializedBytes: bytes) else {
                XCTAssertThrowsError(try Sample.jsonBytes(serializedBytes: bytes))
                continue
            }
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), decoded.jsonValue().utf8(), "\(bytes)")
        }
    }

    /// The UTF-8 check the wire reading makes: well-formed and without NUL, as
    /// `String(validating:)` and a search for 0 say together.
    func testPlainUTF8IsWellFormedUTF8WithoutNUL() {
        let cases: [[UInt8]] = [[], [0x61], [0x00], [0x7F], [0xC2, 0x80], [0xC1, 0xBF], [0xE0, 0x9F, 0x80], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],
                                [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
                                [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE5, 0xBB], [0xE5, 0xBB, 0x89], [0x80], [0xC3, 0x28],
                                Array("廉洁 ok".utf8), [0xFF]]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var random: [[UInt8]] = []
        for _ in 0..<20_000 {
            var b: [UInt8] = []
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            for k in 0..<Int(state % 6) { b.append(UInt8(truncatingIfNeeded: state >> (8 * UInt64(k + 1))) | (k % 2 == 0 ? 0x80 : 0)) }
            random.append(b)
        }
        for bytes in cases + random {
            let expected = String(validating: bytes, as: UTF8.self) != nil && !bytes.contains(0)
            XCTAssertEqual(bytes.withUnsafeBytes { JSONOut.isPlainUTF8($0) }, expected, "\(bytes)")
        }
    }

    /// Whether `bytes` are read straight off the wire (`writeJSON(wire:into:)`), and what
    /// that wrote.
    static func offTheWire<M: WireJSONReadable>(_ type: M.Type, _ bytes: [UInt8]) -> (direct: Bool, out: [UInt8]) {
        var out: [UInt8] = []
        var direct = false
        bytes.withUnsafeBytes { raw in
            JSONBuffer.writing(into: &out, expected: 0) { (b: inout JSONBuffer) in
                var r = WireScan(raw)
                direct = M.writeJSON(wire: &r, into: &b)
            }
        }
        return (direct, out)
    }

    /// The fields of an encoding, each with its key, in the order they come.
    static func fields(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        func varint() -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while bytes[i] >= 0x80 { v |= UInt64(bytes[i] & 0x7F) << shift; shift += 7; i += 1 }
            v |= UInt64(bytes[i]) << shift
            i += 1
            return v
        }
        while i < bytes.count {
            let start = i
            switch varint() & 7 {
            case 0: _ = varint()
            case 1: i += 8
            case 2: i += Int(varint())
            case 5: i += 4
            default: throw ProtoError(field: "", reason: "unexpected wire type")
            }
            out.append(Array(bytes[start..<i]))
        }
        return out
    }

    static func varint(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var n = v
        while n >= 0x80 { out.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        out.append(UInt8(n))
        return out
    }

    func testEveryOneofMemberRoundTrips() throws {
        let choices: [Sample.Choice?] = [nil, .choiceText(""), .choiceText("t"), .choiceNumber(-5), .choiceColour(.red),
                                         .choiceInner(Sample.Inner())]
        for c in choices {
            var s = Sample()
            s.choice = c
            XCTAssertEqual(try Sample(serializedBytes: s.serializedBytes()).choice, c)
            XCTAssertEqual(try Sample(jsonString: s.jsonString()).choice, c)
        }
    }

    func testOneMemberOneofGivesPresence() throws {
        var s = Sample()
        XCTAssertNil(try Sample(serializedBytes: s.serializedBytes()).limit)
        s.limit = 0
        XCTAssertEqual(try Sample(serializedBytes: s.serializedBytes()).limit, 0, "a set zero is not the same as absent")
    }

    func testDefaultMessageEncodesToNothing() {
        XCTAssertEqual(Sample().serializedBytes(), [])
        XCTAssertEqual(LoginRequest().jsonString(), "{}")
    }

    /// An enum value's JSON, written as it is, is its name quoted; an unknown number has none.
    func testEnumValuesCarryTheirQuotedNames() {
        func check<E: ProtoEnum>(_ type: E.Type) {
            for raw in Int32(-2)...Int32(40) {
                let v = E(rawValue: raw)
                XCTAssertEqual(v.protoValueJSON.map { "\($0)" }, v.protoValueName.map { "\"\($0)\"" }, "\(E.protoName) \(raw)")
            }
        }
        check(Colour.self)
        check(Role.self)
        check(AccountKind.self)
        check(SubjectStatus.self)
        check(ServingStatus.self)
    }

    func testUnknownEnumValuesSurviveARoundTrip() throws {
        var s = Sample()
        s.colour = .unrecognized(1234)
        XCTAssertEqual(try Sample(serializedBytes: s.serializedBytes()).colour, .unrecognized(1234))
        XCTAssertEqual(s.jsonValue()["colour"], .number("1234"))
    }

    /// Found by the message fuzzer: a NaN with a payload survives binary round trips bit
    /// for bit, and reads back from JSON as a NaN (JSON cannot carry the payload).
    func testRegressionNaNPayloadRoundTrips() throws {
        let bytes: [UInt8] = [0x61, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]
        let s = try Sample(serializedBytes: bytes)
        XCTAssertTrue(s.fDouble.isNaN)
        XCTAssertEqual(try Sample(serializedBytes: s.serializedBytes()).serializedBytes(), bytes)
        XCTAssertEqual(s.jsonString(), #"{"fDouble":"NaN"}"#)
        XCTAssertTrue(try Sample(jsonString: s.jsonString()).fDouble.isNaN)
        var negativeZero = Sample()
        negativeZero.fDouble = -0.0
        XCTAssertEqual(negativeZero.jsonString(), #"{"fDouble":-0}"#, "the sign of zero survives JSON")
        XCTAssertEqual(try Sample(jsonString: negativeZero.jsonString()).fDouble.sign, .minus)
        // protobuf-c treats -0.0 as the default and writes nothing for it, so binary reads back +0.
        XCTAssertEqual(negativeZero.serializedBytes(), [])
    }

    func testGarbageIsRejected() {
        XCTAssertThrowsError(try Sample(serializedBytes: [0xFF, 0xFF, 0xFF])) { error in
            XCTAssertEqual((error as? ProtoError)?.reason, "is not a valid lianjie.testing.v1.Sample message")
        }
        XCTAssertThrowsError(try LoginRequest(serializedBytes: [0x0A, 0x05, 0x61]), "truncated string")
    }

    func testJSONUsesProto3Conventions() throws {
        let json = Self.fullSample().jsonValue()
        XCTAssertEqual(json["fInt64"], .string("-9223372036854775808"), "int64 is a string")
        XCTAssertEqual(json["fUint64"], .string("18446744073709551615"))
        XCTAssertEqual(json["fInt32"], .number("-42"))
        XCTAssertEqual(json["fBytes"], .string("AAEC/w=="), "bytes are base64")
        XCTAssertEqual(json["colour"], .string("COLOUR_GREEN"), "enums by name")
        XCTAssertEqual(json["when"]?["seconds"], .string("1795600000"))
        XCTAssertNil(json["fBoolMissing"])
        XCTAssertEqual(json["limit"], .number("0"), "a set one-member oneof is written even at zero")
        XCTAssertEqual(try Sample(jsonString: Self.fullSample().jsonString(pretty: true)), Self.fullSample())
    }

    /// Strings are escaped as RFC 8259 asks, the same way in `JSONValue`'s text and in an
    /// answer written off the bytes: quote, backslash, the short forms, other controls as
    /// lower-case \u00XX, everything else (CJK, DEL) as it is.
    func testStringsAreEscapedOnceTheSameWayEverywhere() throws {
        let text = "a\"\\\n\r\t\u{1}\u{1F}\u{7F}廉"
        let expected = #""a\"\\\n\r\t\u0001\u001f\#u{7F}廉""#
        XCTAssertEqual(String(decoding: JSONValue.string(text).utf8(), as: UTF8.self), expected)
        let s = Sample(fString: text)
        XCTAssertEqual(String(decoding: try Sample.jsonBytes(serializedBytes: s.serializedBytes()), as: UTF8.self), "{\"fString\":\(expected)}")
        XCTAssertEqual(try JSONValue(parsing: expected), .string(text))
    }

    func testJSONAcceptsProtoNamesNumbersAndStrings() throws {
        let s = try Sample(jsonString: #"{"f_int64": 12, "fInt32": "7", "colour": 1, "fBytes": "AAEC_w", "fDouble": "NaN"}"#)
        XCTAssertEqual(s.fInt64, 12)
        XCTAssertEqual(s.fInt32, 7)
        XCTAssertEqual(s.colour, .red)
        XCTAssertEqual(s.fBytes, [0, 1, 2, 255])
        XCTAssertTrue(s.fDouble.isNaN)
    }

    func testJSONErrorsNameTheField() {
        let cases: [(String, String)] = [
            (#"{"fInt32": 4294967296}"#, "fInt32"),
            (#"{"fInt32": 1.5}"#, "fInt32"),
            (#"{"fBool": "yes"}"#, "fBool"),
            (#"{"colour": "COLOUR_PURPLE"}"#, "colour"),
            (#"{"inner": {"values": [1, "x"]}}"#, "inner.values[1]"),
            (#"{"nope": 1}"#, "nope"),
            (#"{"fBytes": "!!"}"#, "fBytes"),
        ]
        for (text, field) in cases {
            XCTAssertThrowsError(try Sample(jsonString: text), text) { error in
                XCTAssertEqual((error as? ProtoError)?.field, field, text)
            }
        }
        XCTAssertThrowsError(try Sample(jsonString: "{"))
        XCTAssertThrowsError(try Sample(jsonString: "[]"))
    }

    func testMethodDescriptorsCarryWirePaths() {
        XCTAssertEqual(UserService.login.path, "/lianjie.v1.UserService/Login")
        XCTAssertEqual(Health.check.path, "/lianjie.v1.Health/Check")
        XCTAssertEqual(Array(UserService.methodPaths.prefix(3)), ["/lianjie.v1.UserService/Login", "/lianjie.v1.UserService/OpenPlatformSession",
                                                 "/lianjie.v1.UserService/Logout"])
    }

    /// Every message type: defaults and a populated value survive binary and JSON.
    /// (Tests/leak-check.sh checks the same round trips for leaks under AddressSanitizer.)
    func testEveryMessageTypeRoundTrips() throws {
        func check<M: ProtoMessage>(_ m: M, file: StaticString = #filePath, line: UInt = #line) throws {
            XCTAssertEqual(try M(serializedBytes: m.serializedBytes()), m, file: file, line: line)
            XCTAssertEqual(try M(jsonString: m.jsonString()), m, file: file, line: line)
            XCTAssertEqual(try M(serializedBytes: M().serializedBytes()), M(), file: file, line: line)
            let expected = try M(serializedBytes: m.serializedBytes()).jsonValue().utf8()
            XCTAssertEqual(try M.jsonBytes(serializedBytes: m.serializedBytes()), expected,
                           "the JSON read off the bytes is the decoded message's", file: file, line: line)
            XCTAssertEqual(try M.jsonBytes(serializedBytes: Self.unknownField + m.serializedBytes()), expected,
                           "the JSON read off protobuf-c's struct is the decoded message's", file: file, line: line)
        }
        try check(Metadata(key: "authorization", value: "Bearer x"))
        try check(CallMeta(callId: 1, method: "/a.B/C", timeoutMs: 100, metadata: [Metadata(key: "k", value: "v")]))
        try check(ReplyMeta(callId: 9, status: 3, message: "bad", violations: [FieldViolation(field: "f", description: "d")],
                            metadata: [Metadata(key: "a", value: "b")]))
        try check(FieldViolation(field: "username", description: "is required"))
        try check(CancelMeta(callId: 3))
        try check(PingMeta(nonce: UInt64.max))
        try check(GoAwayMeta(lastCallId: 7, status: 14, message: "bye"))
        try check(Time(seconds: -1, nanos: 999_999_999))
        try check(HealthCheckRequest(service: "lianjie.v1.UserService"))
        try check(HealthCheckResponse(status: .notServing))
        try check(RoleGrant(role: .inspector, organizationId: "org_1"))
        let account = Account(id: "acc_1", username: "u", displayName: "U 用户", grants: [RoleGrant(role: .admin)],
                              createTime: Time(seconds: 5), disabled: true)
        try check(account)
        try check(LoginRequest(username: "u", password: "p"))
        try check(LoginResponse(token: "t", expiresAtUnix: 99, account: account))
        try check(LogoutRequest())
        try check(LogoutResponse())
        try check(WhoAmIRequest())
        try check(WhoAmIResponse(account: account, sessionExpireTime: Time(seconds: 1)))
        try check(Self.fullSample())
        try check(Sample.Inner(label: "l", values: [1]))
        try check(Organization(id: "org_1", name: "城东区供电局", kind: .districtBureau, parentId: "org_0", active: true,
                               createTime: Time(seconds: 1), updateTime: Time(seconds: 2), etag: "3", ancestorIds: ["org_0"]))
        try check(Subject(id: "sub_1", employeeNumber: "HV0001", name: "张伟", organizationId: "org_1", categoryId: "cat_1",
                          postId: "post_1", positionLevel: .teamLeader, status: .transferred, accountId: "acc_1",
                          postEntryDate: CalendarDate(year: 2024, month: 2, day: 29), etag: "1"))
        try check(ImportSubjectsRequest(requestId: "r", rows: [SubjectImportRow(line: 2, employeeNumber: "E", name: "N")], dryRun: true))
        try check(ImportSubjectsResponse(applied: false, created: 3, rejections: [ImportRejection(line: 4, field: "name", reason: "x")]))
        try check(AuditEntry(sequence: 9, time: Time(seconds: 5, nanos: 7), accountId: "a", method: "/m", recordType: "subject",
                             recordId: "sub_1", organizationId: "org_1", peer: "127.0.0.1:5", outcome: "OK", hash: "ab"))
        try check(ApiToken(id: "tok_1", accountId: "acc_1", description: "d", createTime: Time(seconds: 1), prefix: "abcdef"))
        try check(Placement(organizationId: "org_1", fromDate: CalendarDate(year: 2020, month: 1, day: 1), reason: "r", changedBy: "acc"))
        try check(UpdateSubjectRequest(subject: Subject(id: "sub_1", name: "x"), updateMask: ["name"], etag: "4"))
    }

    /// Every method of every service is in the run-time registry with its own types.
    func testTheMethodRegistryHasEveryMethodWithItsTypes() throws {
        let paths = UserService.methodPaths + EntryService.methodPaths + EvaluationService.methodPaths + ResultUseService.methodPaths
            + NotificationService.methodPaths + Health.methodPaths
        XCTAssertEqual(Set(ProtoRegistry.methods.keys), Set(paths))
        let dossier = try XCTUnwrap(ProtoRegistry.methods[ResultUseService.getDossier.path])
        XCTAssertTrue(dossier.request == GetDossierRequest.self && dossier.response == Dossier.self)
        XCTAssertEqual(dossier.name, "GetDossier")
        let login = try XCTUnwrap(ProtoRegistry.methods["/lianjie.v1.UserService/Login"])
        XCTAssertTrue(login.request == LoginRequest.self && login.response == LoginResponse.self)
    }

    /// Every message type the generator knows, at its default, through both encodings.
    func testEveryRegisteredTypeRoundTripsItsDefault() throws {
        func roundTrip<M: ProtoMessage>(_ type: M.Type) throws {
            XCTAssertEqual(try M(serializedBytes: M().serializedBytes()), M(), "\(M.protoName)")
            XCTAssertEqual(try M(jsonString: M().jsonString()), M(), "\(M.protoName)")
            XCTAssertEqual(try M.jsonBytes(serializedBytes: []), M().jsonValue().utf8(), "\(M.protoName)")
        }
        XCTAssertGreaterThanOrEqual(ProtoRegistry.allMessageTypes.count, 78, "every message of every proto file")
        for type in ProtoRegistry.allMessageTypes { try roundTrip(type) }
    }
}
