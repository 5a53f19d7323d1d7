import CSQLite
import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieTestSupport

/// `lianjie-bench evaluate`: a full evaluation run through the server over a large store,
/// beside one SQLite `GROUP BY subject` over the same entries table.
struct EvaluateResult {
    var subjects: Int
    var entries: Int
    var loadSeconds: Double
    var runSeconds: Double
    var phases: [(String, Double)]
    var peakRSS: Int
    var groupBySeconds: Double
    var groups: Int
    var personTimes: Int

    var ratio: Double { runSeconds / groupBySeconds }

    var json: JSONValue {
        func f(_ d: Double) -> JSONValue { JSONValue(floating: (d * 1000).rounded() / 1000) }
        return .object([("subjects", .number("\(subjects)")), ("entries", .number("\(entries)")), ("loadSeconds", f(loadSeconds)),
                        ("runSeconds", f(runSeconds)), ("phases", .object(phases.map { ($0.0, f($0.1)) })),
                        ("personTimes", .number("\(personTimes)")), ("peakRSSBytes", .number("\(peakRSS)")),
                        ("groupBySeconds", f(groupBySeconds)), ("groups", .number("\(groups)"))])
    }

    var line: String {
        "evaluate: \(subjects) subjects, \(entries) entries (loaded in \(fmt(loadSeconds, 1)) s); a full run through the server in "
            + "\(fmt(runSeconds, 2)) s (\(phases.map { "\($0.0) \(fmt($0.1, 2))" }.joined(separator: ", "))), \(personTimes) person-times, "
            + "server peak RSS \(peakRSS / (1 << 20)) MiB; SELECT subject, SUM(quantity) … GROUP BY subject in \(fmt(groupBySeconds, 2)) s "
            + "(\(groups) groups); ratio run / GROUP BY \(fmt(ratio, 2))"
    }
}

/// A SQLite connection for loading and measuring, outside the server.
final class RawDatabase {
    let db: OpaquePointer

    init(_ path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let handle else {
            throw BenchError("cannot open \(path)")
        }
        db = handle
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close(db) }

    func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? ""
            sqlite3_free(message)
            throw BenchError("sqlite: \(text) in \(sql.prefix(80))")
        }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw BenchError("sqlite: \(String(cString: sqlite3_errmsg(db))) in \(sql.prefix(80))")
        }
        return stmt
    }

    func text(_ sql: String) throws -> String {
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        guard sqlite3_step(stmt) == SQLITE_ROW, let t = sqlite3_column_text(stmt, 0) else { throw BenchError("no row for \(sql.prefix(80))") }
        return String(cString: t)
    }

    /// Binds text (copied) and integers, steps once, resets.
    func run(_ stmt: OpaquePointer, _ values: [Any]) throws {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, v) in values.enumerated() {
            if let s = v as? String { sqlite3_bind_text(stmt, Int32(i + 1), s, -1, transient) } else { sqlite3_bind_int64(stmt, Int32(i + 1), Int64(v as! Int)) }
        }
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw BenchError("sqlite: \(String(cString: sqlite3_errmsg(db)))") }
        sqlite3_reset(stmt)
    }
}

func runEvaluate(_ o: Options) throws -> EvaluateResult {
    let dir = o.keep ?? NSTemporaryDirectory() + "lianjie-bench-evaluate-\(getpid())"
    defer { if o.keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
    let marker = dir + "/loaded-\(o.subjects)-\(o.entries)"
    let year = Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
    var loadSeconds = 0.0
    if !FileManager.default.fileExists(atPath: marker) {
        try? FileManager.default.removeItem(atPath: dir)
        progress("creating a demo store…")
        let seeding = try ServerUnderTest(directory: dir, keep: true, arguments: ["--demo"])
        seeding.stop()
        progress("loading \(o.subjects) subjects and \(o.entries) entries…")
        let loadStart = monotonicNanos()
        try load(dir + "/data/lianjie.db", subjects: o.subjects, entries: o.entries, year: year)
        loadSeconds = Double(monotonicNanos() - loadStart) / 1e9
        _ = FileManager.default.createFile(atPath: marker, contents: Data("\(loadSeconds)".utf8))
    } else {
        loadSeconds = Double(String(decoding: FileManager.default.contents(atPath: marker) ?? Data(), as: UTF8.self)) ?? 0
        progress("reusing the store loaded in \(dir)")
    }

    let server = try ServerUnderTest(directory: dir, keep: true, arguments: [])
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    client.token = try blockingLogin(client, username: "inspector", password: "Jiancha-2026-Demo")
    let ev = client.evaluationService
    let district = try blocking {
        try await client.userService.listOrganizations(ListOrganizationsRequest(pageSize: 500)).organizations.first { $0.name == "城东区供电局" }!.id
    }
    progress("evaluating \(year) over the district through the server…")
    let began = monotonicNanos()
    var run = try blocking {
        try await ev.createEvaluationRun(CreateEvaluationRunRequest(requestId: UUID().uuidString, period: Period(kind: .year, year: Int32(year), index: 1),
                                                                     organizationId: district))
    }
    var phases: [(String, Double)] = []
    var phase = "queued", phaseStart = began
    while run.state == .running {
        // Every GetEvaluationRun is an audited read (a write of its own): polling faster
        // would load the server being measured.
        usleep(50_000)
        let id = run.id
        run = try blocking { try await ev.getEvaluationRun(GetEvaluationRunRequest(id: id)) }
        let now = monotonicNanos()
        if let p = run.progress?.phase, p != phase {
            phases.append((phase, Double(now - phaseStart) / 1e9))
            (phase, phaseStart) = (p, now)
        }
    }
    let runSeconds = Double(monotonicNanos() - began) / 1e9
    guard run.state == .draft else { throw BenchError("the run ended \(run.state): \(run.endReason)") }
    let peak = server.pid.flatMap { ProcessStats.peakResidentBytes(pid: $0) } ?? 0
    // Time for the server to log the run's own timings, when its log is kept.
    if ProcessInfo.processInfo.environment["LIANJIE_BENCH_SERVER_LOG"] != nil { sleep(3) }
    server.stop()

    progress("timing SELECT subject_id, SUM(quantity) FROM entries GROUP BY subject_id…")
    let raw = try RawDatabase(dir + "/data/lianjie.db")
    let stmt = try raw.prepare("SELECT subject_id, SUM(quantity) FROM entries WHERE status = 2 GROUP BY subject_id")
    let groupStart = monotonicNanos()
    var groups = 0
    while sqlite3_step(stmt) == SQLITE_ROW { groups += 1 }
    let groupSeconds = Double(monotonicNanos() - groupStart) / 1e9
    sqlite3_finalize(stmt)
    // A kept store's next run then writes into an empty results table, as a fresh store's
    // does (each run left 100,000 rows behind, and the next one's inserts grew slower).
    if o.keep != nil { try raw.exec("DELETE FROM evaluation_results WHERE run_id = '\(run.id)'") }
    return EvaluateResult(subjects: o.subjects, entries: o.entries, loadSeconds: loadSeconds, runSeconds: runSeconds,
                          phases: phases.filter { $0.0 != "queued" && $0.0 != "done" }, peakRSS: peak, groupBySeconds: groupSeconds,
                          groups: groups, personTimes: Int(run.personTimes))
}

/// Adds `subjects` subjects to the first district's team and `entries` confirmed entries
/// over `year`, interleaved across subjects as a real year's would be.
func load(_ path: String, subjects: Int, entries: Int, year: Int) throws {
    let db = try RawDatabase(path)
    try db.exec("PRAGMA synchronous = OFF")
    let team = try db.text("""
        SELECT o.id FROM organizations o JOIN organizations d ON d.id = (SELECT id FROM organizations WHERE name = '城东区供电局')
        WHERE o.name = '高压业扩班' AND substr(o.path, 1, length(d.path)) = d.path
        """)
    let category = try db.text("SELECT id FROM categories WHERE code = 'HV_EXPANSION'")
    let post = try db.text("SELECT id FROM posts WHERE code = 'HV_ACCOUNT_MANAGER'")
    let inspector = try db.text("SELECT id FROM accounts WHERE username = 'inspector'")
    let scheme = try CompiledScheme(try SchemeLoader.defaultScheme())
    let tags = scheme.tags.filter { $0.category == nil || $0.category == "HV_EXPANSION" }.filter { !$0.tag.redLine }
    try db.exec("BEGIN")
    let subject = try db.prepare("""
        INSERT INTO subjects (id, employee_number, name, organization_id, category_id, post_id, position_level, status, account_id,
            post_entry_date, create_time, update_time, version) VALUES (?, ?, ?, ?, ?, ?, 1, 1, '', '2020-01-01', 0, 0, 1)
        """)
    let placement = try db.prepare("""
        INSERT INTO placements (subject_id, seq, organization_id, from_date, to_date, reason, changed_by) VALUES (?, 1, ?, '2020-01-01', '', 'bench', '')
        """)
    for i in 0..<subjects {
        let id = "sub_bench\(i)"
        try db.run(subject, [id, "BENCH\(i)", "基准\(i)", team, category, post])
        try db.run(placement, [id, team])
    }
    sqlite3_finalize(subject)
    sqlite3_finalize(placement)
    try db.exec("DROP INDEX entries_by_subject")
    let entry = try db.prepare("""
        INSERT INTO entries (id, subject_id, tag_library, tag_version, tag_code, tag_name, dimension, polarity, occurred_on, quantity,
            description, source, status, recorded_by, record_time, reviewed_by, review_time, status_reason, scheme_version, rule, rule_key, version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 3, 2, ?, 0, ?, 0, '', 1, '', '', 1)
        """)
    let start = Day(year: year, month: 1, day: 1)!.ordinal
    var state: UInt64 = 0xE7A1
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    let days = (0..<366).map { Day(ordinal: start + Int32($0)).description }
    for k in 0..<entries {
        let t = tags[Int(next() % UInt64(tags.count))]
        let day = days[Int(next() % 365)]
        try db.run(entry, ["ent_bench\(k)", "sub_bench\(k % subjects)", t.ref.library, t.ref.version, t.ref.code, t.tag.name,
                           t.tag.dimension.rawValue, t.tag.polarity.rawValue, day, 100, inspector, inspector])
        if k % 1_000_000 == 999_999 { progress("  \(k + 1) / \(entries)") }
    }
    sqlite3_finalize(entry)
    try db.exec("COMMIT")
    progress("indexing…")
    try db.exec("CREATE INDEX entries_by_subject ON entries(subject_id, occurred_on)")
    // What the store's own writes keep beside each confirmed entry (SQLiteAccess.updateEntry).
    try db.exec("""
        INSERT INTO tag_refs (library, version, code)
            SELECT DISTINCT tag_library, tag_version, tag_code FROM entries WHERE status = 2 ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING;
        INSERT INTO confirmed_entries (subject_id, day, seq, tag, quantity)
            SELECT e.subject_id, CAST(julianday(e.occurred_on) - 2440587.5 AS INTEGER), e.seq, t.id, e.quantity
            FROM entries e JOIN tag_refs t ON t.library = e.tag_library AND t.version = e.tag_version AND t.code = e.tag_code
            WHERE e.status = 2 ORDER BY 1, 2, 3
            ON CONFLICT DO NOTHING;
        """)
    try db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
}

/// `lianjie-bench portrait`: GetPortrait calls/s from the demo's published runs.
func runPortraits(_ o: Options) throws -> RPCResult {
    let server = try ServerUnderTest(arguments: ["--demo"])
    defer { server.stop() }
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    let token = try blockingLogin(client, username: "inspector", password: "Jiancha-2026-Demo")
    client.close()
    let year = Calendar(identifier: .gregorian).component(.year, from: Date())
    let month = Calendar(identifier: .gregorian).component(.month, from: Date())
    let last = Period(kind: .quarter, year: Int32(month <= 3 ? year - 1 : year), index: Int32(month <= 3 ? 4 : (month - 1) / 3))
    let bodies = (1...17).map { GetPortraitRequest(subject: "HV" + String(format: "%04d", $0), period: last).serializedBytes() }
    let shape = ConnectionDriver.CallShape(method: EvaluationService.getPortrait.path, body: [],
                                           metadata: [Metadata(key: "authorization", value: "Bearer \(token)")],
                                           makeBody: { _, call in bodies[Int(call % UInt64(bodies.count))] })
    return try runRPC(server: server, connections: o.connections, inflight: o.inflight, seconds: o.seconds, shape: shape)
}
