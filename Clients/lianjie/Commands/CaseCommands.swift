import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie case …` and `lianjie talks …`: cases in the closed loop under the four forms,
/// and the talks and notices employees acknowledge.
enum CaseCommands {
    static let usage = """
        usage: lianjie case list [--org ORG] [--subject SUBJECT] [--state STATE] [--overdue] [--mine] [--limit N]
               lianjie case show ID|NUMBER
               lianjie case open SUBJECT --source report|inspection|audit|referral|other --summary TEXT [--entry ID …] [--evidence FILE …]
               lianjie case open --alert ALERT_ID --summary TEXT [--evidence FILE …]
               lianjie case assign ID --handler ACCOUNT_ID|me --due YYYY-MM-DD [--note TEXT]
               lianjie case dispose ID --form 1 --measure talk-reminder|criticism|self-examination|admonishment
                                       --date YYYY-MM-DD --talked-by NAMES --notes TEXT
               lianjie case dispose ID --form 2|3|4 --document NUMBER --date YYYY-MM-DD [--notes TEXT]
               lianjie case rectify ID --deadline YYYY-MM-DD --requirements TEXT
               lianjie case report ID --report TEXT                 (the subject's manager)
               lianjie case verify ID --note TEXT                   (not the handler)
               lianjie case close ID --conclusion TEXT --evidence FILE [--evidence FILE …]
               lianjie case dismiss ID --reason TEXT
               lianjie case reopen ID --reason TEXT
               lianjie case talk ID --kind talk|notice --held-on YYYY-MM-DD --held-by NAMES --content TEXT
        states: open assigned disposed rectifying verified closed dismissed
        A step takes --etag E to refuse it when the case changed since it was read.
        """

    static let talksUsage = """
        usage: lianjie talks [list] [--subject SUBJECT] [--unacknowledged] [--limit N]   (an employee: their own)
               lianjie talks ack ID                                                     (the employee)
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--overdue", "--mine"])
        let rs = try ctx.resultUse()
        let stepOptions = ["--etag"]
        func one(_ c: Case) { ctx.output(c) { show(c) } }
        switch sub {
        case "list":
            try args.only(["--org", "--subject", "--state", "--overdue", "--mine", "--limit"], positionals: 0)
            var request = ListCasesRequest(organizationId: args.value("--org") ?? "", subject: args.value("--subject") ?? "",
                                           overdueOnly: args.flag("--overdue"))
            if let v = args.value("--state") { request.state = try Show.parse(v, prefix: "CASE_STATE_", CaseState.self, field: "--state") }
            if args.flag("--mine") { request.handlerId = try await me(ctx) }
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await rs.listCases({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.cases, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListCasesResponse(cases: shown, totalSize: total)) {
                var t = Table("NUMBER", "SUBJECT", "STATE", "SOURCE", "HANDLER", "DUE", "OVERDUE", "FORM", "SUMMARY")
                for c in shown {
                    t.add(c.number, c.subjectName, Show.name(c.state, prefix: "CASE_STATE_"), Show.name(c.source, prefix: "CASE_SOURCE_"),
                          c.handlerId, Show.date(c.dueDate), c.overdue ? "OVERDUE (\(c.escalations)×)" : "",
                          c.disposition.map { form($0.form) } ?? "", c.summary)
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "show":
            try args.only([], positionals: 1)
            one(try await Commands.rpc { try await rs.getCase(GetCaseRequest(id: try args.positional(0, "ID")), options: ctx.options) })
        case "open":
            try args.only(["--alert", "--source", "--summary", "--entry", "--evidence"], positionals: 1)
            var request = CreateCaseRequest(requestId: Show.requestID(), subject: args.positionals.first ?? "", summary: try args.required("--summary"),
                                            alertId: args.value("--alert") ?? "", entryIds: args.values("--entry"))
            if request.alertId.isEmpty {
                guard !request.subject.isEmpty else { throw CLIError.usage("SUBJECT (or --alert) is required") }
                request.source = try Show.parse(try args.required("--source"), prefix: "CASE_SOURCE_", CaseSource.self, field: "--source")
            } else {
                request.source = .alert
            }
            request.evidenceIds = try await uploads(ctx, args.values("--evidence"))
            let c = try await Commands.rpc { try await rs.createCase(request, options: ctx.options) }
            one(c)
        case "assign":
            try args.only(Set(["--handler", "--due", "--note"] + stepOptions), positionals: 1)
            var handler = try args.required("--handler")
            if handler == "me" { handler = try await me(ctx) }
            let request = AssignCaseRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), handlerId: handler,
                                            dueDate: try Show.parseDate(try args.required("--due"), field: "--due"),
                                            note: args.value("--note") ?? "", etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.assignCase(request, options: ctx.options) })
        case "dispose":
            try args.only(Set(["--form", "--measure", "--date", "--talked-by", "--document", "--notes"] + stepOptions), positionals: 1)
            guard let n = Int32(try args.required("--form")), (1...4).contains(n) else { throw CLIError.usage("--form is 1, 2, 3 or 4") }
            var d = Disposition(form: DispositionForm(rawValue: n), date: try Show.parseDate(try args.required("--date"), field: "--date"),
                                talkedBy: args.value("--talked-by") ?? "", documentNumber: args.value("--document") ?? "",
                                notes: args.value("--notes") ?? "")
            if let m = args.value("--measure") { d.measure = try Show.parse(m, prefix: "FIRST_FORM_MEASURE_", FirstFormMeasure.self, field: "--measure") }
            let request = DisposeCaseRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), disposition: d, etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.disposeCase(request, options: ctx.options) })
        case "rectify":
            try args.only(Set(["--deadline", "--requirements"] + stepOptions), positionals: 1)
            let request = StartRectificationRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"),
                                                    deadline: try Show.parseDate(try args.required("--deadline"), field: "--deadline"),
                                                    requirements: try args.required("--requirements"), etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.startRectification(request, options: ctx.options) })
        case "report":
            try args.only(Set(["--report"] + stepOptions), positionals: 1)
            let request = ReportRectificationRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), report: try args.required("--report"),
                                                     etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.reportRectification(request, options: ctx.options) })
        case "verify":
            try args.only(Set(["--note"] + stepOptions), positionals: 1)
            let request = VerifyCaseRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), note: try args.required("--note"),
                                            etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.verifyCase(request, options: ctx.options) })
        case "close":
            try args.only(Set(["--conclusion", "--evidence"] + stepOptions), positionals: 1)
            let id = try args.positional(0, "ID"), conclusion = try args.required("--conclusion")
            guard !args.values("--evidence").isEmpty else { throw CLIError.usage("at least one --evidence FILE is required") }
            let request = CloseCaseRequest(requestId: Show.requestID(), id: id, conclusion: conclusion,
                                           evidenceIds: try await uploads(ctx, args.values("--evidence")), etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.closeCase(request, options: ctx.options) })
        case "dismiss", "reopen":
            try args.only(Set(["--reason"] + stepOptions), positionals: 1)
            let id = try args.positional(0, "ID"), reason = try args.required("--reason"), etag = args.value("--etag") ?? ""
            let c: Case = try await Commands.rpc {
                sub == "dismiss"
                    ? try await rs.dismissCase(DismissCaseRequest(requestId: Show.requestID(), id: id, reason: reason, etag: etag), options: ctx.options)
                    : try await rs.reopenCase(ReopenCaseRequest(requestId: Show.requestID(), id: id, reason: reason, etag: etag), options: ctx.options)
            }
            one(c)
        case "talk":
            try args.only(["--kind", "--held-on", "--held-by", "--content"], positionals: 1)
            let request = RecordTalkRequest(requestId: Show.requestID(), caseId: try args.positional(0, "ID"),
                                            kind: try Show.parse(try args.required("--kind"), prefix: "TALK_KIND_", TalkKind.self, field: "--kind"),
                                            heldOn: try Show.parseDate(try args.required("--held-on"), field: "--held-on"),
                                            heldBy: try args.required("--held-by"), content: try args.required("--content"))
            let t = try await Commands.rpc { try await rs.recordTalk(request, options: ctx.options) }
            ctx.output(t) { showTalk(t) }
        default:
            throw CLIError.usage(usage)
        }
    }

    static func talks(_ ctx: CLIContext, _ raw: [String]) async throws {
        let named = raw.first.map { !$0.hasPrefix("--") } ?? false
        let sub = named ? raw[0] : "list"
        let args = try Args(named ? Array(raw.dropFirst()) : raw, flags: ["--unacknowledged"])
        let rs = try ctx.resultUse()
        switch sub {
        case "list":
            try args.only(["--subject", "--unacknowledged", "--limit"], positionals: 0)
            let request = ListTalksRequest(subject: args.value("--subject") ?? "", unacknowledgedOnly: args.flag("--unacknowledged"))
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await rs.listTalks({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.talks, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListTalksResponse(talks: shown, totalSize: total)) {
                for t in shown { showTalk(t) }
                if shown.isEmpty { print("no talks or notices") }
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "ack":
            try args.only([], positionals: 1)
            let t = try await Commands.rpc {
                try await rs.acknowledgeTalk(AcknowledgeTalkRequest(requestId: Show.requestID(), id: try args.positional(0, "ID")), options: ctx.options)
            }
            ctx.output(t) { showTalk(t) }
        default:
            throw CLIError.usage(talksUsage)
        }
    }

    // MARK: Helpers

    /// The caller's own account id.
    static func me(_ ctx: CLIContext) async throws -> String {
        let users = try ctx.users()
        return try await Commands.rpc { try await users.whoAmI(options: ctx.options) }.account?.id ?? ""
    }

    /// Uploads each file as evidence (with progress) and returns their ids.
    static func uploads(_ ctx: CLIContext, _ paths: [String]) async throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let entries = try ctx.entries()
        var ids: [String] = []
        for path in paths { ids.append(try await EntryCommands.upload(ctx, entries, path: path).id) }
        return ids
    }

    static func form(_ f: DispositionForm) -> String {
        switch f {
        case .first: "1st form"
        case .second: "2nd form"
        case .third: "3rd form"
        case .fourth: "4th form"
        default: ""
        }
    }

    static func show(_ c: Case) {
        print("case \(c.number) (\(c.id)) — \(c.subjectName) — \(Show.name(c.state, prefix: "CASE_STATE_"))\(c.overdue ? " — OVERDUE, escalated \(c.escalations)×" : "")")
        print("  source \(Show.name(c.source, prefix: "CASE_SOURCE_"))\(c.alertId.isEmpty ? "" : " (alert \(c.alertId))"): \(c.summary)")
        if !c.handlerId.isEmpty { print("  handler \(c.handlerId), due \(Show.date(c.dueDate))") }
        if let d = c.disposition {
            let record = d.form == .first
                ? "\(Show.name(d.measure, prefix: "FIRST_FORM_MEASURE_")) on \(Show.date(d.date)) by \(d.talkedBy)"
                : "decision \(d.documentNumber) of \(Show.date(d.date))"
            print("  disposed: \(form(d.form)), \(record)\(d.notes.isEmpty ? "" : ": \(d.notes)")")
        }
        if let r = c.rectification {
            print("  rectification by \(Show.date(r.deadline)): \(r.requirements)")
            if !r.report.isEmpty { print("    reported \(Show.time(r.reportTime)) by \(r.reportedBy): \(r.report)") }
        }
        if !c.verifiedBy.isEmpty { print("  verified \(Show.time(c.verifyTime)) by \(c.verifiedBy): \(c.verificationNote)") }
        if !c.conclusion.isEmpty { print("  conclusion: \(c.conclusion) (evidence \(c.closingEvidenceIds.joined(separator: ", ")))") }
        if !c.dismissalReason.isEmpty { print("  dismissed: \(c.dismissalReason)") }
        if !c.entryIds.isEmpty { print("  entries: \(c.entryIds.joined(separator: ", "))") }
        if !c.evidenceIds.isEmpty { print("  evidence: \(c.evidenceIds.joined(separator: ", "))") }
        for t in c.talks { print("  " + talkLine(t)) }
        for e in c.events {
            print("  \(Show.time(e.time)) \(e.action) by \(e.accountId.isEmpty ? "the server" : e.accountId)\(e.note.isEmpty ? "" : ": \(e.note)")")
        }
        if !c.etag.isEmpty { print("  etag \(c.etag)") }
    }

    static func talkLine(_ t: Talk) -> String {
        let ack = t.acknowledgeTime.map { "acknowledged \(Show.time($0))" } ?? "not yet acknowledged"
        return "\(Show.name(t.kind, prefix: "TALK_KIND_")) \(t.id) on \(Show.date(t.heldOn)) by \(t.heldBy) (case \(t.caseNumber)), \(ack)"
    }

    static func showTalk(_ t: Talk) {
        print(talkLine(t))
        print("  \(t.content)")
    }
}

/// `lianjie dossier SUBJECT`: the integrity dossier (廉洁档案) on the terminal.
enum DossierCommands {
    static let usage = """
        usage: lianjie dossier SUBJECT --reason TEXT       (the reason is kept in the audit log)
               lianjie dossier me                          (an employee: their own)
        lianjie report dossier SUBJECT --reason TEXT --out FILE.html writes the printable page.
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(raw, flags: [])
        try args.only(["--reason"], positionals: 1)
        var subject = try args.positional(0, "SUBJECT")
        if subject == "me" {
            let users = try ctx.users()
            subject = try await Commands.rpc { try await users.whoAmI(options: ctx.options) }.subjectId
            guard !subject.isEmpty else { throw CLIError.usage("this account is not an evaluated employee: name a SUBJECT") }
        }
        let rs = try ctx.resultUse()
        let d = try await Commands.rpc {
            try await rs.getDossier(GetDossierRequest(subject: subject, reason: args.value("--reason") ?? ""), options: ctx.options)
        }
        ctx.output(d) {
            let s = d.subject ?? Subject()
            print("dossier of \(s.name) (\(s.employeeNumber)) — \(d.organizationName), \(d.categoryName), \(d.postName)\(d.selfView ? " — own view" : "")")
            for (i, p) in d.placements.enumerated() {
                print("  placed in \(i < d.placementNames.count ? d.placementNames[i] : p.organizationId) from \(Show.date(p.fromDate))"
                      + (p.toDate == nil ? "" : " to \(Show.date(p.toDate))"))
            }
            var t = Table("PERIOD", "TOTAL", "GRADE", "RANK", "VETO")
            for e in d.evaluations {
                t.add(EvaluationCommands.period(e.period), e.noData ? "no data" : e.total, e.noData ? "" : Show.name(e.grade, prefix: "GRADE_"),
                      e.organizationPeers > 0 ? "\(e.organizationRank)/\(e.organizationPeers)" : "", e.veto ? "yes" : "")
            }
            t.print()
            let revoked = d.entries.filter { $0.status == .revoked }.count
            print("entries: \(d.entries.count - revoked) counted, \(revoked) revoked\(d.entriesTruncated ? " (only the newest listed)" : "")")
            if !d.selfView { print("alerts: \(d.alerts.count), \(d.alerts.filter { $0.state == .open || $0.state == .acknowledged }.count) open") }
            for c in d.cases {
                print("case \(c.number) \(Show.name(c.state, prefix: "CASE_STATE_"))"
                      + (c.disposition.map { ", \(CaseCommands.form($0.form)) of \(Show.date($0.date))" } ?? "") + (c.summary.isEmpty ? "" : ": \(c.summary)"))
            }
            for talk in d.talks { print(CaseCommands.talkLine(talk)) }
            print("content sha256 \(d.sha256)")
        }
    }
}
