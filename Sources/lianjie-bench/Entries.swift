import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieStore

/// `lianjie-bench entries`: acknowledged, durable SubmitEntry calls per second over real
/// authenticated connections, beside the rate of plain SQLite inserts of the same rows (the
/// entry, its first event, its audit entry, its idempotency record) in one transaction on
/// the same disk, and the ratio of the two.
struct EntriesResult {
    var rpc: RPCResult
    var rawRows: Int
    var rawPerSecond: Double
    var ratio: Double { rpc.callsPerSecond / rawPerSecond }

    var json: JSONValue {
        .object([("rpc", rpc.json), ("rawRows", .number(String(rawRows))), ("rawPerSecond", JSONValue(floating: rawPerSecond.rounded())),
                 ("ratio", JSONValue(floating: (ratio * 1000).rounded() / 1000)), ("targetMet", .bool(ratio >= 0.30))])
    }

    var line: String {
        "entries \(rpc.connections)x\(rpc.inflight): \(fmt(rpc.callsPerSecond, 0)) acknowledged submits/s  p50 \(fmt(rpc.latency.p50 / 1000, 2)) ms"
            + "  p90 \(fmt(rpc.latency.p90 / 1000, 2)) ms  p99 \(fmt(rpc.latency.p99 / 1000, 2)) ms  max \(fmt(rpc.latency.max / 1000, 2)) ms"
            + "  errors \(rpc.errors)" + (rpc.serverCPUMicrosPerCall.map { "  server CPU \(fmt($0, 1)) µs/submit" } ?? "") + "\nraw SQLite inserts of the same rows in one transaction: \(fmt(rawPerSecond, 0)) entries/s (median of three runs of \(rawRows))"
            + "\nratio \(fmt(ratio, 3)) (goal ≥ 0.30 at 4x64) [\(ratio >= 0.30 ? "met" : "MISSED")]"
    }
}

/// Yesterday, as a `Date` the server accepts for `occurred_on`.
func yesterday() -> CalendarDate {
    var t = time_t(Int(Date().timeIntervalSince1970) - 86_400)
    var parts = tm()
    gmtime_r(&t, &parts)
    return CalendarDate(year: parts.tm_year + 1900, month: parts.tm_mon + 1, day: parts.tm_mday)
}

func runEntries(_ o: Options) throws -> EntriesResult {
    progress("starting a demo server…")
    let server: ServerUnderTest
    if let (host, port) = o.server { server = ServerUnderTest(host: host, port: port, pid: o.serverPID) } else { server = try ServerUnderTest(arguments: ["--demo"]) }
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    let token = try blockingLogin(client, username: "inspector", password: "Jiancha-2026-Demo")
    client.close()
    let numbers = (2...17).map { "HV" + String(format: "%04d", $0) }
    let day = yesterday()
    let run = UInt64.random(in: 0...UInt64.max)
    var shape = ConnectionDriver.CallShape(method: EntryService.submitEntry.path, body: [],
                                           metadata: [Metadata(key: "authorization", value: "Bearer \(token)")])
    shape.makeBody = { (connection: Int, call: UInt64) -> [UInt8] in
        SubmitEntryRequest(requestId: "bench-\(run)-\(connection)-\(call)", subjectId: numbers[Int(call % UInt64(numbers.count))],
                           tag: "ON_TIME_HANDLING", occurredOn: day, description: "按时限办结业务（基准测试）", source: .api).serializedBytes()
    }
    progress("submitting entries: \(o.connections)x\(o.inflight) for \(fmt(o.seconds)) s…")
    let rpc = try runRPC(server: server, connections: o.connections, inflight: o.inflight, seconds: o.seconds, shape: shape)
    server.stop()
    progress("raw SQLite inserts (three runs, the median counts)…")
    let rows = max(50_000, Int(rpc.callsPerSecond * 4))
    let rates = try (0..<3).map { _ in try rawInserts(rows: rows).1 }.sorted()
    return EntriesResult(rpc: rpc, rawRows: rows, rawPerSecond: rates[1])
}

/// Inserts `rows` entries with the rows a submit writes beside them, in one transaction of
/// a fresh store in the temporary directory, and times it.
func rawInserts(rows: Int) throws -> (Int, Double) {
    let dir = NSTemporaryDirectory() + "lianjie-bench-raw-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try SQLiteStore(directory: dir)
    let org = OrganizationRecord(id: "org_bench", name: "bench", kind: 1, parentID: "", path: "/org_bench/", createTime: 0, updateTime: 0)
    let subject = SubjectRecord(id: "sub_bench", employeeNumber: "B0001", name: "bench", organizationID: org.id, categoryID: "cat_bench",
                                postID: "post_bench", positionLevel: 1, status: 1, accountID: "", postEntryDate: "2020-01-01", createTime: 0, updateTime: 0)
    try store.write { tx in
        try tx.createOrganization(org)
        try tx.createCategory(CategoryRecord(id: "cat_bench", code: "BENCH", name: "bench"))
        try tx.createPost(PostRecord(id: "post_bench", code: "BENCH", name: "bench", categoryID: "cat_bench", riskCoefficient: "1.00"))
        try tx.createSubject(subject, placement: PlacementRecord(subjectID: subject.id, organizationID: org.id, fromDate: "2020-01-01",
                                                                 reason: "bench", changedBy: "bench"))
    }
    let response = Array(repeating: UInt8(7), count: 300)
    let hash = String(repeating: "a", count: 64)
    let start = monotonicNanos()
    try store.write { tx in
        for i in 0..<rows {
            let id = "ent_bench\(i)"
            let e = EntryRecord(id: id, subjectID: subject.id, tagLibrary: "COMMON", tagVersion: 1, tagCode: "ON_TIME_HANDLING", tagName: "按时限办结业务",
                                dimension: "behaviour", polarity: "credit", occurredOn: "2026-11-30", quantity: 100, description: "按时限办结业务（基准测试）",
                                source: 5, status: 1, recordedBy: "acc_bench", recordTime: 1_796_000_000, schemeVersion: 1)
            try tx.createEntry(e, event: EntryEventRecord(entryID: id, time: 1_796_000_000, accountID: "acc_bench", action: "submitted", status: 1))
            try tx.appendAudit(AuditRecord(sequence: Int64(i + 1), time: 1_796_000_000_000_000_000, accountID: "acc_bench",
                                           method: "/lianjie.v1.EntryService/SubmitEntry", recordType: "entry", recordID: id,
                                           organizationID: org.id, organizationPath: org.path, peer: "127.0.0.1", outcome: "OK",
                                           previousHash: hash, hash: hash))
            try tx.saveIdempotencyRecord(IdempotencyRecord(accountID: "acc_bench", method: "/lianjie.v1.EntryService/SubmitEntry",
                                                           requestID: "raw-\(i)", response: response, fingerprint: Array(repeating: 1, count: 32),
                                                           targetType: "entry", targetID: id, organizationPath: org.path, createTime: 1_796_000_000))
        }
    }
    let seconds = Double(monotonicNanos() - start) / 1e9
    return (rows, Double(rows) / seconds)
}
