import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import Synchronization

/// `lianjie-bench workorders`: importing 100,000 business-expansion orders through
/// ImportWorkOrders (in batches of the server's limit), importing them again unchanged,
/// then one full rule run over the year.
struct WorkOrdersResult {
    var orders: Int
    var importSeconds: Double
    var reimportSeconds: Double
    var ruleSeconds: Double
    var ruleEntries: Int
    var found: [String: Int]

    var json: JSONValue {
        .object([("orders", .number(String(orders))), ("importSeconds", JSONValue(floating: (importSeconds * 100).rounded() / 100)),
                 ("importOrdersPerSecond", JSONValue(floating: (Double(orders) / importSeconds).rounded())),
                 ("reimportSeconds", JSONValue(floating: (reimportSeconds * 100).rounded() / 100)),
                 ("ruleRunSeconds", JSONValue(floating: (ruleSeconds * 100).rounded() / 100)),
                 ("ruleEntries", .number(String(ruleEntries))),
                 ("found", .object(found.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) }))])
    }

    var line: String {
        "workorders: imported \(orders) in \(fmt(importSeconds, 2)) s (\(fmt(Double(orders) / importSeconds, 0)) orders/s); "
            + "again unchanged in \(fmt(reimportSeconds, 2)) s; a full rule run over the year in \(fmt(ruleSeconds, 2)) s, "
            + "recording \(ruleEntries) entries (found: \(found.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
    }
}

/// Runs an async body from the bench's synchronous code.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        do { let v = try await body(); box.withLock { $0 = .success(v) } } catch { box.withLock { $0 = .failure(error) } }
        done.signal()
    }
    done.wait()
    return try box.withLock { $0! }.get()
}

func runWorkOrders(_ o: Options, count: Int = 100_000) throws -> WorkOrdersResult {
    progress("starting a demo server…")
    let server = try ServerUnderTest(arguments: ["--demo"])
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    client.token = try blockingLogin(client, username: "inspector", password: "Jiancha-2026-Demo")
    let entries = client.entryService
    let year = Calendar(identifier: .gregorian).component(.year, from: Date()) - 1
    var t0 = tm()
    t0.tm_year = Int32(year - 1900)
    t0.tm_mon = 0
    t0.tm_mday = 1
    let yearStart = Int64(timegm(&t0))
    let handlers = (1...17).map { "HV" + String(format: "%04d", $0) }
    let firms = ["华电工程设计院", "城建电力设计所", "东方电气设计公司", "明远设计咨询", "新源电力设计", "蓝天工程设计", "博远设计院", "恒通电力设计院"]
    let limits: [(WorkOrderStage, Int32)] = [(.acceptance, 1), (.siteSurvey, 3), (.supplyPlan, 15), (.designReview, 10), (.midInspection, 5),
                                             (.completionAcceptance, 5), (.meteringConnection, 5)]
    var state: UInt64 = 0x5EED
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
    var orders: [WorkOrderImportRow] = []
    orders.reserveCapacity(count)
    for n in 0..<count {
        let handler = handlers[Int(next() % UInt64(handlers.count))]
        var t = yearStart + Int64(next() % (360 * 86_400))
        var stages: [WorkOrderStageRecord] = []
        for (stage, limit) in limits {
            let spread: Double = n % 97 == 0 ? 2.5 : 0.8
            let fraction: Double = 0.2 + Double(next() % 1000) / 1000 * spread
            let length = Int64(Double(limit) * 86_400 * fraction)
            stages.append(WorkOrderStageRecord(stage: stage, handler: stage == .siteSurvey ? handlers[Int(next() % 17)] : handler,
                                               startTime: Time(seconds: t), endTime: Time(seconds: t + length), limitDays: limit))
            t += length + 3600
        }
        var order = WorkOrder(number: "BENCH\(String(format: "%07d", n))", type: n % 4 == 0 ? .highVoltageIncrease : .highVoltageNew,
                              customerRef: "C\(n)", stages: stages, designFirm: firms[Int(next() % UInt64(firms.count))])
        if n % 211 == 0 { order.complaints = [WorkOrderComplaint(time: Time(seconds: t - 86_400), summary: "客户投诉办理拖延")] }
        if n % 509 == 0 { order.suspensions = (0..<3).map { WorkOrderSuspension(startTime: Time(seconds: t - Int64($0 + 2) * 86_400), reason: "资料不全") } }
        orders.append(WorkOrderImportRow(line: Int32(n + 2), order: order))
    }
    let batch = 5000
    func importAll() throws -> Double {
        let began = monotonicNanos()
        for startIndex in stride(from: 0, to: orders.count, by: batch) {
            let rows = Array(orders[startIndex..<min(startIndex + batch, orders.count)])
            let report = try blocking { try await entries.importWorkOrders(ImportWorkOrdersRequest(requestId: UUID().uuidString, rows: rows),
                                                                             options: CallOptions(timeout: .seconds(300))) }
            guard report.applied else { throw BenchError("the import was refused: \(report.rejections.first.map { "\($0.field) \($0.reason)" } ?? "")") }
            progress("  \(startIndex + rows.count) / \(orders.count)")
        }
        return Double(monotonicNanos() - began) / 1e9
    }
    progress("importing \(count) orders in batches of \(batch)…")
    let first = try importAll()
    progress("importing them again, unchanged…")
    let second = try importAll()
    progress("running the rules over \(year)…")
    let began = monotonicNanos()
    let run = try blocking {
        try await entries.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: UUID().uuidString, period: Period(kind: .year, year: Int32(year), index: 1)),
                                            options: CallOptions(timeout: .seconds(600)))
    }
    let ruleSeconds = Double(monotonicNanos() - began) / 1e9
    server.stop()
    return WorkOrdersResult(orders: count, importSeconds: first, reimportSeconds: second, ruleSeconds: ruleSeconds,
                            ruleEntries: run.reports.reduce(0) { $0 + Int($1.recorded) },
                            found: Dictionary(uniqueKeysWithValues: run.reports.map { ($0.rule, Int($0.found)) }))
}
