import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie workorders …` and `lianjie rules …`: business-expansion work orders from the
/// marketing system and the rules that derive entries from them.
enum WorkOrderCommands {
    static let stages: [(column: String, stage: WorkOrderStage)] = [
        ("acceptance", .acceptance), ("site_survey", .siteSurvey), ("supply_plan", .supplyPlan), ("design_review", .designReview),
        ("mid_inspection", .midInspection), ("completion_acceptance", .completionAcceptance), ("metering_connection", .meteringConnection),
    ]

    static let usage = """
        usage: lianjie workorders import FILE.csv [--dry-run]
               lianjie workorders list [--org ID] [--handler NUMBER] [--type TYPE] [--period 2026|2026Q3|2026-09] [--limit N]
               lianjie workorders show NUMBER
        types: high-voltage-new high-voltage-increase low-voltage-new low-voltage-increase temporary
        CSV columns (with a header row): number,type,customer_ref,design_firm,construction_firm,supply_firm,
          then for each stage (acceptance, site_survey, supply_plan, design_review, mid_inspection,
          completion_acceptance, metering_connection): STAGE_handler,STAGE_start,STAGE_end,STAGE_limit_days
          (a stage whose handler is empty is left out), then suspensions and complaints:
          suspensions = START/END/REASON;…   complaints = TIME/SUMMARY;…
        Times are YYYY-MM-DD HH:MM[:SS], local time unless they end in Z or ±HH:MM.
        """

    static let rulesUsage = """
        usage: lianjie rules list
               lianjie rules run --period 2026|2026Q3|2026-09 [--dry-run]
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--dry-run"])
        let entries = try ctx.entries()
        switch sub {
        case "import":
            try args.only(["--dry-run"], positionals: 1)
            try await importFile(ctx, entries, path: try args.positional(0, "FILE.csv"), dryRun: args.flag("--dry-run"))
        case "list":
            try args.only(["--org", "--handler", "--type", "--period", "--limit"], positionals: 0)
            var request = ListWorkOrdersRequest(organizationId: args.value("--org") ?? "", handler: args.value("--handler") ?? "")
            if let v = args.value("--type") { request.type = try Show.parse(v, prefix: "WORK_ORDER_TYPE_", WorkOrderType.self, field: "--type") }
            if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await entries.listWorkOrders({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.orders, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListWorkOrdersResponse(orders: shown, totalSize: total)) {
                var t = Table("NUMBER", "TYPE", "ACCEPTED", "HANDLER", "STAGES", "DESIGN FIRM", "SUSPENDED", "COMPLAINTS")
                for o in shown {
                    t.add(o.number, Show.name(o.type, prefix: "WORK_ORDER_TYPE_"), Show.time(o.stages.first?.startTime), o.stages.first?.handler ?? "",
                          String(o.stages.count), o.designFirm, String(o.suspensions.count), String(o.complaints.count))
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "show":
            try args.only([], positionals: 1)
            let o = try await Commands.rpc { try await entries.getWorkOrder(GetWorkOrderRequest(number: try args.positional(0, "NUMBER")), options: ctx.options) }
            ctx.output(o) {
                print("\(o.number) — \(Show.name(o.type, prefix: "WORK_ORDER_TYPE_")) — customer \(o.customerRef)")
                print("firms: design \(o.designFirm.isEmpty ? "-" : o.designFirm), construction \(o.constructionFirm.isEmpty ? "-" : o.constructionFirm), "
                      + "supply \(o.supplyFirm.isEmpty ? "-" : o.supplyFirm)")
                var t = Table("STAGE", "HANDLER", "START", "END", "DAYS", "LIMIT")
                for s in o.stages {
                    let days = s.endTime.map { end in String(format: "%.1f", Double(end.seconds - (s.startTime?.seconds ?? 0)) / 86_400) } ?? "open"
                    t.add(Show.name(s.stage, prefix: "WORK_ORDER_STAGE_"), s.handler, Show.time(s.startTime), Show.time(s.endTime), days, String(s.limitDays))
                }
                t.print()
                for s in o.suspensions { print("suspended \(Show.time(s.startTime)) – \(Show.time(s.endTime)): \(s.reason)") }
                for c in o.complaints { print("complaint \(Show.time(c.time)): \(c.summary)") }
                if !o.entryIds.isEmpty { print("entries derived: \(o.entryIds.joined(separator: ", "))") }
            }
        default:
            throw CLIError.usage(usage)
        }
    }

    static func rules(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(rulesUsage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--dry-run"])
        let entries = try ctx.entries()
        switch sub {
        case "list":
            try args.only([], positionals: 0)
            let r = try await Commands.rpc { try await entries.listWorkOrderRules(options: ctx.options) }
            ctx.output(r) {
                print("scheme version \(r.schemeVersion)")
                var t = Table("RULE", "KIND", "TAG", "ENTRIES START", "ENABLED", "SETTINGS")
                for rule in r.rules {
                    let settings: String
                    switch rule.kind {
                    case "stageOverdue": settings = "grace \(rule.graceDays) days"
                    case "durationOutlier": settings = "robust z > \(rule.threshold), ≥ \(rule.minPeers) peers"
                    case "designatedFirm":
                        settings = "≥ \(rule.minOrders) orders, ≥ \(rule.minFirmOrders) to one firm, share ≥ \(rule.minShare), ≥ \(rule.minRatio)× peers, P ≤ \(rule.significance)"
                    case "repeatedSuspension": settings = "≥ \(rule.minSuspensions) suspensions"
                    default: settings = ""
                    }
                    t.add(rule.code, rule.kind, rule.tag, rule.confirmed ? "confirmed" : "submitted", rule.enabled ? "yes" : "no", settings)
                }
                t.print()
            }
        case "run":
            try args.only(["--period", "--dry-run"], positionals: 0)
            let period = try Show.parsePeriod(try args.required("--period"))
            if !ctx.json, isatty(2) == 1 { FileHandle.standardError.write(Data("running the rules over \(try args.required("--period"))…\n".utf8)) }
            let r = try await Commands.rpc {
                try await entries.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: Show.requestID(), period: period, dryRun: args.flag("--dry-run")),
                                                    options: CallOptions(timeout: .seconds(600)))
            }
            ctx.output(r) {
                print("scheme version \(r.schemeVersion), \(r.orders) work orders examined" + (args.flag("--dry-run") ? " (dry run: nothing recorded)" : ""))
                var t = Table("RULE", "FOUND", "RECORDED", "ALREADY", "SKIPPED", "NOTE")
                for rep in r.reports {
                    t.add(rep.rule, String(rep.found), String(rep.recorded), String(rep.alreadyRecorded), String(rep.skipped),
                          rep.notRun.isEmpty ? rep.skipReasons.joined(separator: "; ") : "not run: \(rep.notRun)")
                }
                t.print()
            }
        default:
            throw CLIError.usage(rulesUsage)
        }
    }

    /// `YYYY-MM-DD HH:MM[:SS]`, local unless it ends in `Z` or `±HH:MM`.
    static func parseTime(_ text: String) -> Time? {
        var s = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "T", with: " ")
        var offset: Int? = nil
        if s.hasSuffix("Z") { offset = 0; s.removeLast() }
        else if s.count > 6, let sign = s.dropLast(5).last, sign == "+" || sign == "-", s.suffix(5).dropFirst(2).first == ":" {
            let zone = s.suffix(5)
            guard let h = Int(zone.prefix(2)), let m = Int(zone.suffix(2)) else { return nil }
            offset = (sign == "+" ? 1 : -1) * (h * 3600 + m * 60)
            s.removeLast(6)
        }
        let parts = s.split(separator: " ")
        guard parts.count == 2 else { return nil }
        let d = parts[0].split(separator: "-").compactMap { Int32($0) }
        let t = parts[1].split(separator: ":").compactMap { Int32($0) }
        guard d.count == 3, t.count == 2 || t.count == 3, (1...12).contains(d[1]), (1...31).contains(d[2]), (0...23).contains(t[0]), (0...59).contains(t[1]) else {
            return nil
        }
        var parts_ = tm()
        parts_.tm_year = d[0] - 1900
        parts_.tm_mon = d[1] - 1
        parts_.tm_mday = d[2]
        parts_.tm_hour = t[0]
        parts_.tm_min = t[1]
        parts_.tm_sec = t.count == 3 ? t[2] : 0
        parts_.tm_isdst = -1
        let seconds: Int
        if let offset { seconds = timegm(&parts_) - offset } else { seconds = mktime(&parts_) }
        return seconds < 0 ? nil : Time(seconds: Int64(seconds))
    }

    /// Parses the wide CSV: one order a row. Problems found here are reported like the
    /// server's, by line and column.
    static func parse(_ records: [CSV.Record], path: String) throws -> (rows: [WorkOrderImportRow], rejections: [ImportRejection]) {
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw CLIError(message: "\(path) is empty", exitCode: CLIError.Code.invalidArgument)
        }
        let known = ["number", "type", "customer_ref", "design_firm", "construction_firm", "supply_firm", "suspensions", "complaints"]
            + stages.flatMap { s in ["handler", "start", "end", "limit_days"].map { "\(s.column)_\($0)" } }
        if let unknown = header.first(where: { !known.contains($0) }) {
            throw CLIError(message: "\(path): unknown column \(unknown); run lianjie workorders for the format", exitCode: CLIError.Code.invalidArgument)
        }
        for required in ["number", "type", "customer_ref", "acceptance_handler", "acceptance_start", "acceptance_limit_days"] where !header.contains(required) {
            throw CLIError(message: "\(path): the header lacks \(required)", exitCode: CLIError.Code.invalidArgument)
        }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [WorkOrderImportRow] = [], rejections: [ImportRejection] = []
        for r in records.dropFirst() where !r.fields.allSatisfy(\.isEmpty) {
            func f(_ c: String) -> String { index[c].flatMap { $0 < r.fields.count ? r.fields[$0].trimmingCharacters(in: .whitespaces) : nil } ?? "" }
            let line = Int32(r.line)
            func reject(_ field: String, _ reason: String) { rejections.append(ImportRejection(line: line, field: field, reason: reason)) }
            func time(_ column: String, required: Bool) -> Time? {
                let text = f(column)
                if text.isEmpty { if required { reject(column, "is required") }; return nil }
                guard let t = parseTime(text) else { reject(column, "must be YYYY-MM-DD HH:MM"); return nil }
                return t
            }
            var o = WorkOrder(number: f("number"), customerRef: f("customer_ref"), designFirm: f("design_firm"), constructionFirm: f("construction_firm"),
                              supplyFirm: f("supply_firm"))
            if let type = try? Show.parse(f("type"), prefix: "WORK_ORDER_TYPE_", WorkOrderType.self, field: "type") { o.type = type } else { reject("type", "unknown type \(f("type"))") }
            for (column, stage) in stages where !f("\(column)_handler").isEmpty {
                let limit = Int32(f("\(column)_limit_days"))
                if limit == nil { reject("\(column)_limit_days", "must be a whole number of days") }
                o.stages.append(WorkOrderStageRecord(stage: stage, handler: f("\(column)_handler"), startTime: time("\(column)_start", required: true),
                                                     endTime: time("\(column)_end", required: false), limitDays: limit ?? 0))
            }
            for item in f("suspensions").split(separator: ";") {
                let p = item.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
                guard p.count == 3, let start = parseTime(p[0]) else { reject("suspensions", "each is START/END/REASON"); continue }
                o.suspensions.append(WorkOrderSuspension(startTime: start, endTime: p[1].isEmpty ? nil : parseTime(p[1]), reason: p[2]))
            }
            for item in f("complaints").split(separator: ";") {
                let p = item.split(separator: "/", maxSplits: 1).map(String.init)
                guard p.count == 2, let t = parseTime(p[0]) else { reject("complaints", "each is TIME/SUMMARY"); continue }
                o.complaints.append(WorkOrderComplaint(time: t, summary: p[1]))
            }
            rows.append(WorkOrderImportRow(line: line, order: o))
        }
        return (rows, rejections)
    }

    static let chunk = 1000

    /// Checks every row (in chunks, with progress) and stores the file only when no row is
    /// refused. Storing goes in chunks too; an interrupted import is finished by running it
    /// again (orders are upserted by number: what is stored already is left as it is).
    static func importFile(_ ctx: CLIContext, _ entries: EntryServiceClient, path: String, dryRun: Bool) async throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError.usage("cannot read \(path) as UTF-8 text") }
        var (rows, rejections) = try parse(try CSV.parse(text), path: path)
        guard !rows.isEmpty else { throw CLIError(message: "\(path) has no rows", exitCode: CLIError.Code.invalidArgument) }
        var seen: [String: Int32] = [:]
        for row in rows {
            guard let n = row.order?.number, !n.isEmpty else { continue }
            if let first = seen[n] { rejections.append(ImportRejection(line: row.line, field: "number", reason: "repeats line \(first)")) } else { seen[n] = row.line }
        }
        var result = ImportWorkOrdersResponse()
        let checking = Progress(total: rows.count, label: "checking")
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = Array(rows[start..<min(start + chunk, rows.count)])
            let report = try await Commands.rpc { try await entries.importWorkOrders(ImportWorkOrdersRequest(rows: part, dryRun: true), options: ctx.options) }
            rejections += report.rejections
            result.created += report.created
            result.updated += report.updated
            result.unchanged += report.unchanged
            checking.update(start + part.count)
        }
        checking.finish()
        // The server names a stage by its place in the order; the file names it by its columns.
        let byLine = Dictionary(rows.map { ($0.line, $0.order?.stages ?? []) }, uniquingKeysWith: { a, _ in a })
        let suffixes = ["handler": "handler", "start_time": "start", "end_time": "end", "limit_days": "limit_days", "stage": "handler"]
        rejections = rejections.map { r in
            guard r.field.hasPrefix("stages["), let close = r.field.firstIndex(of: "]"),
                  let i = Int(r.field[r.field.index(r.field.startIndex, offsetBy: 7)..<close]), let stages = byLine[r.line], i < stages.count,
                  let column = Self.stages.first(where: { $0.stage == stages[i].stage })?.column else { return r }
            let rest = String(r.field[r.field.index(after: close)...].drop(while: { $0 == "." }))
            var mapped = r
            mapped.field = "\(column)_\(suffixes[rest] ?? rest)"
            return mapped
        }
        rejections = ImportReport.distinct(rejections)
        result.rejections = rejections
        var partlyStored = 0
        if rejections.isEmpty, !dryRun {
            let storing = Progress(total: rows.count, label: "importing")
            var stored = ImportWorkOrdersResponse(applied: true)
            for start in stride(from: 0, to: rows.count, by: chunk) {
                let part = Array(rows[start..<min(start + chunk, rows.count)])
                let report = try await Commands.rpc {
                    try await entries.importWorkOrders(ImportWorkOrdersRequest(requestId: Show.requestID(), rows: part), options: CallOptions(timeout: .seconds(300)))
                }
                guard report.applied else {
                    rejections += report.rejections
                    stored.applied = false
                    partlyStored = Int(stored.created + stored.updated + stored.unchanged)
                    break
                }
                stored.created += report.created
                stored.updated += report.updated
                stored.unchanged += report.unchanged
                storing.update(start + part.count)
            }
            storing.finish()
            stored.rejections = rejections
            result = stored
        }
        // Refused while storing (the data changed after the check): the chunks before were stored.
        let outcome = partlyStored == 0 ? "nothing was imported"
            : "the \(partlyStored) orders before were stored; fix the file and import it again (stored orders are left as they are)"
        ctx.output(result) {
            if !rejections.isEmpty {
                ImportReport.print(rejections, outcome: outcome)
            } else {
                print("\(result.applied ? "imported" : "dry run, would import"): \(result.created) new, \(result.updated) changed, \(result.unchanged) unchanged")
            }
        }
        if !rejections.isEmpty { throw ImportReport.failure(rejections, outcome: outcome) }
    }
}
