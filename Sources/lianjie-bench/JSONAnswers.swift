import Foundation
import LianjieMessages

/// What writing a JSON answer costs the gateway, per answer, two ways: the protobuf
/// decoded to the Swift message, then its `JSONValue` tree, then the text (as the gateway
/// did before 2026-12-03); written straight off the protobuf bytes, no Swift message
/// (`writeJSON(serializedBytes:into:)`, what the gateway does now: off the bytes when they
/// are as protobuf-c writes them, as here, else off protobuf-c's unpacked struct). For
/// `WhoAmIResponse` and for a page of `ListSubjectsResponse` (`--subjects N`, default 100).
struct JSONAnswersResult {
    struct Case {
        var name: String
        var protobufBytes: Int
        var jsonBytes: Int
        /// ns per answer: via the Swift message and its JSON tree, straight off the bytes.
        var tree: Double, direct: Double

        var json: JSONValue {
            .object([("answer", .string(name)), ("protobufBytes", .number("\(protobufBytes)")), ("jsonBytes", .number("\(jsonBytes)")),
                     ("nsViaSwiftMessage", JSONValue(floating: tree.rounded())),
                     ("nsOffTheBytes", JSONValue(floating: direct.rounded()))])
        }

        var line: String {
            "\(name) (\(protobufBytes) B protobuf, \(jsonBytes) B JSON): via the Swift message and its JSON tree \(fmt(tree / 1000, 2)) µs, "
                + "straight off the bytes \(fmt(direct / 1000, 2)) µs per answer"
        }
    }

    var cases: [Case]
    var json: JSONValue { .array(cases.map(\.json)) }
    var line: String { "JSON answers, decoded from protobuf and written as JSON\n" + cases.map { "  " + $0.line }.joined(separator: "\n") }
}

func runJSONAnswers(_ o: Options) throws -> JSONAnswersResult {
    let account = Account(id: "acc_00000042", username: "inspector", displayName: "王纪检",
                          grants: [RoleGrant(role: .inspector, organizationId: "org_city_east")],
                          createTime: Time(seconds: 1_764_547_200), kind: AccountKind(rawValue: 0), etag: "7")
    let whoAmI = WhoAmIResponse(account: account, sessionExpireTime: Time(seconds: 1_764_633_600))
    let count = CommandLine.arguments.contains("--subjects") ? o.subjects : 100
    var page = ListSubjectsResponse()
    let names = ["张伟", "郭琳", "马超", "李娜"]
    page.subjects = (0..<count).map { i -> Subject in
        var s = Subject(id: "sub_\(100_000 + i)", employeeNumber: "HV\(1000 + i)", name: names[i % 4], organizationId: "org_city_east")
        s.categoryId = "cat_key_post"
        s.postId = "post_\(i % 7)"
        s.positionLevel = PositionLevel(rawValue: Int32(1 + i % 3))
        s.status = SubjectStatus(rawValue: 1)
        s.accountId = "acc_\(i)"
        let n = Int32(i)
        s.postEntryDate = CalendarDate(year: 2020 + n % 5, month: 1 + n % 12, day: 1 + n % 28)
        s.createTime = Time(seconds: 1_700_000_000 + Int64(i))
        s.updateTime = Time(seconds: 1_760_000_000 + Int64(i))
        s.etag = String(i)
        return s
    }
    page.nextPageToken = "p2"
    page.totalSize = Int32(count * 3)
    return JSONAnswersResult(cases: [try measure("WhoAmIResponse", whoAmI, seconds: o.seconds / 2),
                                     try measure("ListSubjectsResponse of \(count) subjects", page, seconds: o.seconds / 2)])
}

private func measure<M: ProtoMessage>(_ name: String, _ message: M, seconds: Double) throws -> JSONAnswersResult.Case {
    let bytes = message.serializedBytes()
    let expected = try M(serializedBytes: bytes).jsonValue().utf8()
    guard try M.jsonBytes(serializedBytes: bytes) == expected else { throw BenchError("the two ways wrote different JSON for \(name)") }
    /// ns per answer of `body`, run for half of `seconds`.
    func time(_ body: () throws -> [UInt8]) rethrows -> Double {
        var answers = 0, sink = 0
        let start = monotonicNanos(), until = start + UInt64(seconds / 2 * 1e9)
        var now = start
        while now < until {
            for _ in 0..<64 { sink &+= try body().count }
            answers += 64
            now = monotonicNanos()
        }
        precondition(sink > 0)
        return Double(now - start) / Double(answers)
    }
    progress("\(name): two ways for \(fmt(seconds)) s…")
    let tree = try time { try M(serializedBytes: bytes).jsonValue().utf8() }
    let direct = try time { try M.jsonBytes(serializedBytes: bytes) }
    return .init(name: name, protobufBytes: bytes.count, jsonBytes: expected.count, tree: tree, direct: direct)
}
