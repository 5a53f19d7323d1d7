import LianjieMessages
import XCTest

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

    /// The JSON written straight off protobuf-c's struct is, byte for byte, what `jsonValue()`
    /// says of the decoded message: every kind of field, extremes, escapes, -0.0, NaN,
    /// unknown enum values, every oneof member, nested and repeated messages.
    func testJSONOffTheCStructIsJSONValuesText() throws {
        func check(_ m: Sample, _ what: String, line: UInt = #line) throws {
            let bytes = m.serializedBytes()
            XCTAssertEqual(try Sample.jsonBytes(serializedBytes: bytes), try Sample(serializedBytes: bytes).jsonValue().utf8(), what, line: line)
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
        let odd: [[UInt8]] = [Array("ascii \"q\" \\ \n\t\u{1}".utf8), Array("廉洁 ok".utf8), [0x61, 0x00, 0x62], [0x61, 0xFF, 0xC3, 0x28, 0x62],
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
            XCTAssertEqual(try M.jsonBytes(serializedBytes: m.serializedBytes()), try M(serializedBytes: m.serializedBytes()).jsonValue().utf8(),
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
