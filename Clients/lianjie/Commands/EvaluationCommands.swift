import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie eval …`, `lianjie portrait`, `lianjie stats` and `lianjie alerts …`: evaluation
/// runs and their results, portraits, statistics and alerts.
enum EvaluationCommands {
    static let usage = """
        usage: lianjie eval run --period P --org ORG [--category CODE]... [--scheme-version N] [--no-wait]
               lianjie eval list [--org ORG] [--period P] [--state running|draft|published|cancelled|failed] [--current]
               lianjie eval show RUN
               lianjie eval results RUN [--org ORG] [--grade excellent|good|fair|poor] [--by-total] [--limit N]
               lianjie eval result RUN SUBJECT           one result with its breakdown, entry by entry
               lianjie eval publish RUN --note TEXT [--supersede-reason TEXT]
               lianjie eval verify RUN
               lianjie eval cancel RUN [--reason TEXT]
        P is YYYY, YYYYQn or YYYY-MM. `eval run` shows progress and waits until the run is done.
        """

    static let alertsUsage = """
        usage: lianjie alerts list [--org ORG] [--subject SUBJECT] [--state open|acknowledged|dismissed|marked-for-case] [--period P] [--limit N]
               lianjie alerts show ID
               lianjie alerts ack ID [--note TEXT]
               lianjie alerts dismiss ID --reason TEXT
               lianjie alerts case ID [--note TEXT]       mark it to become a case
        """

    static func grade(_ g: Grade) -> String { g == .unspecified ? "no data" : Show.name(g, prefix: "GRADE_") }

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--no-wait", "--current", "--by-total"])
        let ev = try ctx.evaluations()
        switch sub {
        case "run":
            try args.only(["--period", "--org", "--category", "--scheme-version", "--no-wait"], positionals: 0)
            guard let p = args.value("--period"), let org = args.value("--org") else { throw CLIError.usage(usage) }
            var request = CreateEvaluationRunRequest(requestId: Show.requestID(), period: try Show.parsePeriod(p), organizationId: org,
                                                     categoryCodes: args.values("--category"))
            if let v = args.value("--scheme-version") {
                guard let n = Int32(v) else { throw CLIError.usage("--scheme-version must be a number") }
                request.schemeVersion = n
            }
            var r = try await Commands.rpc { try await ev.createEvaluationRun(request, options: ctx.options) }
            if !args.flag("--no-wait") { r = try await wait(ctx, ev, r) }
            ctx.output(r) { printRun(r) }
            if r.state == .failed || r.state == .cancelled { throw CLIError(message: "the run \(Show.name(r.state, prefix: "RUN_STATE_")): \(r.endReason)", exitCode: CLIError.Code.failure) }
        case "list":
            try args.only(["--org", "--period", "--state", "--current"], positionals: 0)
            var request = ListEvaluationRunsRequest(organizationId: args.value("--org") ?? "", currentOnly: args.flag("--current"), pageSize: 500)
            if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
            if let v = args.value("--state") { request.state = try Show.parse(v, prefix: "RUN_STATE_", RunState.self, field: "--state") }
            let page = try await Commands.rpc { try await ev.listEvaluationRuns(request, options: ctx.options) }
            ctx.output(page) {
                var t = Table("RUN", "PERIOD", "ORGANISATION", "STATE", "CURRENT", "PERSON-TIMES", "SCHEME", "CREATED")
                for r in page.runs {
                    t.add(r.id, period(r.period), r.organizationId + (r.categoryCodes.isEmpty ? "" : " [\(r.categoryCodes.joined(separator: ","))]"),
                          Show.name(r.state, prefix: "RUN_STATE_"), r.current ? "yes" : "", String(r.personTimes), "v\(r.schemeVersion)",
                          Show.time(r.createTime))
                }
                t.print()
            }
        case "show":
            try args.only([], positionals: 1)
            let r = try await Commands.rpc { try await ev.getEvaluationRun(GetEvaluationRunRequest(id: try args.positional(0, "RUN")), options: ctx.options) }
            ctx.output(r) { printRun(r) }
        case "results":
            try args.only(["--org", "--grade", "--by-total", "--limit"], positionals: 1)
            var request = ListEvaluationResultsRequest(runId: try args.positional(0, "RUN"), organizationId: args.value("--org") ?? "",
                                                       order: args.flag("--by-total") ? .total : .subject)
            if let v = args.value("--grade") { request.grade = try Show.parse(v, prefix: "GRADE_", Grade.self, field: "--grade") }
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await ev.listEvaluationResults({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.results, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListEvaluationResultsResponse(results: shown, totalSize: total)) {
                var t = Table("EMPLOYEE", "NAME", "TOTAL", "GRADE", "VETO", "ORG RANK", "CATEGORY RANK", "CHANGE", "ENTRIES")
                for r in shown {
                    t.add(r.employeeNumber, r.subjectName, r.noData ? "-" : r.total, grade(r.grade), r.vetoEntryIds.isEmpty ? "" : "red line",
                          standing(r.organizationStanding), standing(r.categoryStanding), r.totalChange, String(r.countedEntries))
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "result":
            try args.only([], positionals: 2)
            let r = try await Commands.rpc {
                try await ev.getEvaluationResult(GetEvaluationResultRequest(runId: try args.positional(0, "RUN"), subject: try args.positional(1, "SUBJECT")),
                                                 options: ctx.options)
            }
            ctx.output(r) { printResult(r) }
        case "publish":
            try args.only(["--note", "--supersede-reason"], positionals: 1)
            guard let note = args.value("--note") else { throw CLIError.usage(usage) }
            let r = try await Commands.rpc {
                try await ev.publishEvaluationRun(PublishEvaluationRunRequest(requestId: Show.requestID(), id: try args.positional(0, "RUN"), note: note,
                                                                              supersedeReason: args.value("--supersede-reason") ?? ""), options: ctx.options)
            }
            ctx.output(r) { printRun(r) }
        case "verify":
            try args.only([], positionals: 1)
            let v = try await Commands.rpc { try await ev.verifyEvaluationRun(VerifyEvaluationRunRequest(id: try args.positional(0, "RUN")), options: ctx.options) }
            ctx.output(v) {
                print(v.matches ? "verified: all \(v.resultsChecked) results recompute byte for byte" : "MISMATCH")
                print("inputs  \(v.inputsMatch ? "match" : "differ")  \(v.recomputedInputsSha256)")
                print("results \(v.resultsMatch ? "match" : "differ")  \(v.recomputedResultsSha256)")
                for m in v.mismatches { print("  \(m.subjectId): \(m.kind) stored \(m.storedSha256.prefix(12)) recomputed \(m.recomputedSha256.prefix(12))") }
            }
            if !v.matches {
                var e = CLIError(message: "the run does not verify", exitCode: CLIError.Code.failure)
                e.alreadyReported = true
                throw e
            }
        case "cancel":
            try args.only(["--reason"], positionals: 1)
            let r = try await Commands.rpc {
                try await ev.cancelEvaluationRun(CancelEvaluationRunRequest(requestId: Show.requestID(), id: try args.positional(0, "RUN"),
                                                                            reason: args.value("--reason") ?? ""), options: ctx.options)
            }
            ctx.output(r) { printRun(r) }
        default:
            throw CLIError.usage(usage)
        }
    }

    /// Polls the run, drawing its progress, until it is no longer running.
    static func wait(_ ctx: CLIContext, _ ev: EvaluationServiceClient, _ created: EvaluationRun) async throws -> EvaluationRun {
        var r = created
        var bar: Progress?
        while r.state == .running {
            try await Task.sleep(for: .milliseconds(200))
            r = try await Commands.rpc { try await ev.getEvaluationRun(GetEvaluationRunRequest(id: created.id), options: ctx.options) }
            if let p = r.progress, p.subjectsTotal > 0 {
                if bar == nil { bar = Progress(total: Int(p.subjectsTotal), label: "evaluating") }
                bar?.update(Int(p.subjectsDone))
            }
        }
        bar?.finish()
        return r
    }

    static func period(_ p: Period?) -> String {
        guard let p else { return "" }
        switch p.kind {
        case .quarter: return "\(p.year)Q\(p.index)"
        case .month: return "\(p.year)-\(p.index < 10 ? "0" : "")\(p.index)"
        default: return "\(p.year)"
        }
    }

    static func standing(_ s: Standing?) -> String {
        guard let s else { return "" }
        return "\(s.rank)/\(s.peers) (\(s.percentile)%)"
    }

    static func printRun(_ r: EvaluationRun) {
        print("run \(r.id) — \(period(r.period)) — \(r.organizationId)\(r.categoryCodes.isEmpty ? "" : " [\(r.categoryCodes.joined(separator: ","))]")")
        print("state \(Show.name(r.state, prefix: "RUN_STATE_"))\(r.current ? " (current)" : "")\(r.endReason.isEmpty ? "" : ": \(r.endReason)")")
        print("scheme v\(r.schemeVersion) \(r.schemeHash.prefix(16))…  rules \(r.rulesHash.prefix(16))…  evaluated as of \(Show.date(r.evaluationDate))")
        if let g = r.grades, r.personTimes > 0 {
            print("person-times \(r.personTimes): excellent \(g.excellent), good \(g.good), fair \(g.fair), poor \(g.poor), no data \(g.noData)")
        }
        if !r.inputsSha256.isEmpty { print("inputs \(r.inputsSha256)\nresults \(r.resultsSha256)") }
        if !r.publishedBy.isEmpty { print("published \(Show.time(r.publishTime)) by \(r.publishedBy): \(r.publishNote); alerts raised \(r.alertsRaised)") }
        if !r.supersedesRun.isEmpty { print("supersedes \(r.supersedesRun)") }
        if !r.supersededByRun.isEmpty { print("superseded by \(r.supersededByRun) \(Show.time(r.supersedeTime)): \(r.supersedeReason)") }
    }

    static func printResult(_ r: EvaluationResult) {
        print("\(r.subjectName) (\(r.employeeNumber)) — \(period(r.period)) — run \(r.runId)")
        if r.noData { print("no data: no confirmed entry counted in the period (not scored)"); return }
        print("total \(r.total) — \(grade(r.grade))\(r.vetoEntryIds.isEmpty ? "" : " (red-line veto: \(r.vetoEntryIds.joined(separator: ", ")))")")
        print("rank in organisation \(standing(r.organizationStanding)), in category \(standing(r.categoryStanding))"
              + (r.previousTotal.isEmpty ? "" : "; previous period \(r.previousTotal) (\(r.totalChange))"))
        var d = Table("DIMENSION", "BASE", "ENTRIES", "ADJUST", "SCORE", "WEIGHT", "WEIGHTED")
        for x in r.dimensions {
            d.add(Show.name(x.dimension, prefix: "DIMENSION_"), x.baseScore, x.entries, x.adjustment, x.score, x.weight, x.weighted)
        }
        d.print()
        var t = Table("DATE", "TAG", "OUTCOME", "POINTS×QTY×TAG×CAT×POST", "CONTRIBUTION")
        for l in r.breakdown {
            t.add(Show.date(l.occurredOn), "\(l.tagName) (\(l.tag))", Show.name(l.outcome, prefix: "BREAKDOWN_OUTCOME_"),
                  "\(l.points)×\(l.quantity)×\(l.tagCoefficient)×\(l.categoryCoefficient)×\(l.postCoefficient)", l.contribution)
        }
        t.print()
    }

    // MARK: Portrait and statistics

    static func portrait(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(raw, flags: [])
        try args.only(["--period", "--trend"], positionals: 1)
        var request = GetPortraitRequest(subject: try args.positional(0, "SUBJECT"))
        if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
        if let v = args.value("--trend") { request.trendPeriods = Int32(v) ?? -1 }
        let ev = try ctx.evaluations()
        let p = try await Commands.rpc { try await ev.getPortrait(request, options: ctx.options) }
        ctx.output(p) {
            print("廉洁画像 \(p.subjectName) (\(p.employeeNumber)) — \(p.organizationName) — \(p.categoryName) — \(p.postName) — \(period(p.period))")
            if let r = p.result, !r.noData { printResult(r) } else { print("no data for this period (not scored)") }
            if !p.trend.isEmpty { print("trend: " + p.trend.map { "\(period($0.period)) \($0.noData ? "-" : $0.total)" }.joined(separator: "  ")) }
            if !p.peerMedians.isEmpty {
                print("peer medians: " + p.peerMedians.map { "\(Show.name($0.dimension, prefix: "DIMENSION_")) \($0.score)" }.joined(separator: ", "))
            }
            for w in p.topCredits { print("  credit \(w.contribution) \(w.name) ×\(w.entries)") }
            for w in p.topDebits { print("  debit  \(w.contribution) \(w.name) ×\(w.entries)") }
            for a in p.openAlerts { print("alert \(a.id) [\(Show.name(a.severity, prefix: "ALERT_SEVERITY_"))] \(a.rule): \(a.summary)") }
            for c in p.openCases {
                print("case \(c.number) \(Show.name(c.state, prefix: "CASE_STATE_"))\(c.dueDate.map { ", due \(Show.date($0))" } ?? "")"
                      + (c.overdue ? " — OVERDUE, escalated \(c.escalations)×" : "") + ": \(c.summary)")
            }
            if p.entriesPendingReview > 0 { print("\(p.entriesPendingReview) entries in the period are still waiting for review") }
        }
    }

    static func stats(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(raw, flags: ["--pseudonymised"])
        try args.only(["--period", "--category", "--pseudonymised", "--ranking"], positionals: 1)
        guard let p = args.value("--period") else { throw CLIError.usage("usage: lianjie stats ORG --period P [--category CODE] [--pseudonymised] [--ranking N]") }
        let request = GetStatisticsRequest(organizationId: try args.positional(0, "ORG"), categoryCode: args.value("--category") ?? "",
                                           period: try Show.parsePeriod(p), pseudonymised: args.flag("--pseudonymised"),
                                           rankingSize: Int32(args.value("--ranking") ?? "0") ?? -1)
        let ev = try ctx.evaluations()
        let s = try await Commands.rpc { try await ev.getStatistics(request, options: ctx.options) }
        ctx.output(s) {
            func c(_ cell: Cell?) -> String { cell?.suppressed == true ? "<5" : (cell?.value ?? "") }
            print("统计 \(period(s.period))\(s.categoryCode.isEmpty ? "" : " \(s.categoryCode)")\(s.pseudonymised ? " (pseudonymised; cells under 5 people hidden)" : "")")
            var t = Table("ORGANISATION", "SUBJECTS", "MEAN", "MEDIAN", "EXCELLENT", "GOOD", "FAIR", "POOR", "NO DATA", "ALERTS", "HANDLED")
            for b in [s.total].compactMap({ $0 }) + s.children {
                t.add(b.organizationName, c(b.subjects), c(b.mean), c(b.median), c(b.grades?.excellent), c(b.grades?.good), c(b.grades?.fair),
                      c(b.grades?.poor), c(b.grades?.noData), c(b.alertsRaised), c(b.alertsHandled))
            }
            t.print()
            if !s.topDebitTags.isEmpty { print("most frequent debits: " + s.topDebitTags.map { "\($0.label) \(c($0.count))" }.joined(separator: ", ")) }
            var r = Table("RANK", "NAME", "ORGANISATION", "TOTAL", "GRADE", "CHANGE")
            for x in s.ranking { r.add(String(x.rank), x.name, x.organizationName, x.total, grade(x.grade), x.totalChange) }
            r.print()
        }
    }

    // MARK: Alerts

    static func alerts(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(alertsUsage) }
        let args = try Args(Array(raw.dropFirst()), flags: [])
        let ev = try ctx.evaluations()
        func show(_ a: Alert) {
            print("alert \(a.id) [\(Show.name(a.severity, prefix: "ALERT_SEVERITY_"))] \(a.rule) — \(a.subjectName) — \(period(a.period)) — "
                  + Show.name(a.state, prefix: "ALERT_STATE_"))
            print("  \(a.condition): \(a.summary)")
            if !a.entryIds.isEmpty { print("  entries: \(a.entryIds.joined(separator: ", "))") }
            if !a.workOrders.isEmpty { print("  work orders: \(a.workOrders.joined(separator: ", "))") }
            if !a.runId.isEmpty { print("  run: \(a.runId)") }
            for e in a.events { print("  \(Show.time(e.time)) \(e.action) by \(e.accountId)\(e.note.isEmpty ? "" : ": \(e.note)")") }
        }
        switch sub {
        case "list":
            try args.only(["--org", "--subject", "--state", "--period", "--limit"], positionals: 0)
            var request = ListAlertsRequest(organizationId: args.value("--org") ?? "", subject: args.value("--subject") ?? "")
            if let v = args.value("--state") { request.state = try Show.parse(v, prefix: "ALERT_STATE_", AlertState.self, field: "--state") }
            if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await ev.listAlerts({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.alerts, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListAlertsResponse(alerts: shown, totalSize: total)) {
                var t = Table("ALERT", "SEVERITY", "RULE", "SUBJECT", "PERIOD", "STATE", "RAISED", "SUMMARY")
                for a in shown {
                    t.add(a.id, Show.name(a.severity, prefix: "ALERT_SEVERITY_"), a.rule, a.subjectName, period(a.period),
                          Show.name(a.state, prefix: "ALERT_STATE_"), Show.time(a.raiseTime), a.summary)
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "show":
            try args.only([], positionals: 1)
            let a = try await Commands.rpc { try await ev.getAlert(GetAlertRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            ctx.output(a) { show(a) }
        case "ack", "dismiss", "case":
            try args.only(sub == "dismiss" ? ["--reason"] : ["--note"], positionals: 1)
            let id = try args.positional(0, "ID")
            let a: Alert = try await Commands.rpc {
                switch sub {
                case "ack":
                    try await ev.acknowledgeAlert(AcknowledgeAlertRequest(requestId: Show.requestID(), id: id, note: args.value("--note") ?? ""),
                                                  options: ctx.options)
                case "dismiss":
                    try await ev.dismissAlert(DismissAlertRequest(requestId: Show.requestID(), id: id, reason: args.value("--reason") ?? ""),
                                              options: ctx.options)
                default:
                    try await ev.markAlertForCase(MarkAlertForCaseRequest(requestId: Show.requestID(), id: id, note: args.value("--note") ?? ""),
                                                  options: ctx.options)
                }
            }
            ctx.output(a) { show(a) }
        default:
            throw CLIError.usage(alertsUsage)
        }
    }
}
