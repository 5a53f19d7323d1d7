import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie opinion …` and `lianjie conflict …`: integrity opinions through their two
/// signatures, and declared conflicts of interest (回避).
enum OpinionCommands {
    static let usage = """
        usage: lianjie opinion request SUBJECT… --purpose promotion|award|appraisal|other --note TEXT --due YYYY-MM-DD [--valid DAYS]   (HR)
               lianjie opinion list [--org ORG] [--subject SUBJECT] [--state proposed|reviewed|signed] [--batch ID] [--limit N]
               lianjie opinion show ID
               lianjie opinion review ID [--conclusion no-objection|deferred|objection --reason TEXT] [--note TEXT]   (first signature)
               lianjie opinion sign ID                                                      (discipline head, second signature)
        lianjie report opinion ID --out FILE.html writes the signed opinion as a printable page.
        """

    static let conflictUsage = """
        usage: lianjie conflict declare SUBJECT --relation relative|former_team|business|other [--note TEXT]
               lianjie conflict list [--subject SUBJECT] [--all]
               lianjie conflict withdraw ID
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: [])
        let rs = try ctx.resultUse()
        func one(_ o: Opinion) { ctx.output(o) { show(o) } }
        switch sub {
        case "request":
            try args.only(["--purpose", "--note", "--due", "--valid"], positionals: 100)
            guard !args.positionals.isEmpty else { throw CLIError.usage("name at least one SUBJECT") }
            let request = RequestOpinionsRequest(
                requestId: Show.requestID(), purpose: try Show.parse(try args.required("--purpose"), prefix: "OPINION_PURPOSE_", OpinionPurpose.self, field: "--purpose"),
                purposeNote: try args.required("--note"), subjects: args.positionals, dueDate: try Show.parseDate(try args.required("--due"), field: "--due"),
                validityDays: Int32(args.value("--valid") ?? "0") ?? -1)
            let answer = try await Commands.rpc { try await rs.requestOpinions(request, options: ctx.options) }
            ctx.output(answer) {
                print("requested \(answer.opinions.count) opinions (batch \(answer.batchId)); HR sees each once it is signed twice")
                for o in answer.opinions { print("  \(o.id) \(o.employeeNumber) \(o.subjectName)") }
            }
        case "list":
            try args.only(["--org", "--subject", "--state", "--batch", "--limit"], positionals: 0)
            var request = ListOpinionsRequest(organizationId: args.value("--org") ?? "", subject: args.value("--subject") ?? "",
                                              batchId: args.value("--batch") ?? "")
            if let v = args.value("--state") { request.state = try Show.parse(v, prefix: "OPINION_STATE_", OpinionState.self, field: "--state") }
            let limit = Int(args.value("--limit") ?? "") ?? 1000
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await rs.listOpinions({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.opinions, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListOpinionsResponse(opinions: shown, totalSize: total)) {
                var t = Table("OPINION", "SUBJECT", "PURPOSE", "STATE", "PROPOSED", "CONCLUSION", "VALID UNTIL", "DUE")
                for o in shown {
                    t.add(o.id, "\(o.employeeNumber) \(o.subjectName)", Show.name(o.purpose, prefix: "OPINION_PURPOSE_"),
                          Show.name(o.state, prefix: "OPINION_STATE_") + (o.expired ? " (expired)" : ""), conclusion(o.proposed), conclusion(o.conclusion),
                          Show.date(o.validUntil), Show.date(o.dueDate))
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "show":
            try args.only([], positionals: 1)
            one(try await Commands.rpc { try await rs.getOpinion(GetOpinionRequest(id: try args.positional(0, "ID")), options: ctx.options) })
        case "review":
            try args.only(["--conclusion", "--reason", "--note", "--etag"], positionals: 1)
            var request = ReviewOpinionRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), changeReason: args.value("--reason") ?? "",
                                               note: args.value("--note") ?? "", etag: args.value("--etag") ?? "")
            if let v = args.value("--conclusion") {
                request.conclusion = try Show.parse(v, prefix: "OPINION_CONCLUSION_", OpinionConclusion.self, field: "--conclusion")
            }
            one(try await Commands.rpc { try await rs.reviewOpinion(request, options: ctx.options) })
        case "sign":
            try args.only(["--etag"], positionals: 1)
            let request = SignOpinionRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), etag: args.value("--etag") ?? "")
            one(try await Commands.rpc { try await rs.signOpinion(request, options: ctx.options) })
        default:
            throw CLIError.usage(usage)
        }
    }

    static func conflicts(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(conflictUsage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--all"])
        let rs = try ctx.resultUse()
        switch sub {
        case "declare":
            try args.only(["--relation", "--note"], positionals: 1)
            let c = try await Commands.rpc {
                try await rs.declareConflict(DeclareConflictRequest(requestId: Show.requestID(), subject: try args.positional(0, "SUBJECT"),
                                                                    relation: try args.required("--relation"), note: args.value("--note") ?? ""),
                                             options: ctx.options)
            }
            ctx.output(c) { print("declared \(c.id): a conflict of interest (\(c.relation)) with \(c.subjectName); you are recused from their cases, appeals and opinions") }
        case "list":
            try args.only(["--subject", "--all"], positionals: 0)
            let answer = try await Commands.rpc {
                try await rs.listConflicts(ListConflictsRequest(subject: args.value("--subject") ?? "", includeWithdrawn: args.flag("--all"), pageSize: 500),
                                           options: ctx.options)
            }
            ctx.output(answer) {
                var t = Table("DECLARATION", "ACCOUNT", "SUBJECT", "RELATION", "DECLARED", "WITHDRAWN", "NOTE")
                for c in answer.conflicts {
                    t.add(c.id, c.accountId, c.subjectName, c.relation, Show.time(c.declareTime), Show.time(c.withdrawTime), c.note)
                }
                t.print()
            }
        case "withdraw":
            try args.only([], positionals: 1)
            let c = try await Commands.rpc {
                try await rs.withdrawConflict(WithdrawConflictRequest(requestId: Show.requestID(), id: try args.positional(0, "ID")), options: ctx.options)
            }
            ctx.output(c) { print("withdrew \(c.id) (\(c.subjectName))") }
        default:
            throw CLIError.usage(conflictUsage)
        }
    }

    static func conclusion(_ c: OpinionConclusion) -> String {
        c == .unspecified ? "" : Show.name(c, prefix: "OPINION_CONCLUSION_")
    }

    static func show(_ o: Opinion) {
        print("opinion \(o.id) — \(o.subjectName) (\(o.employeeNumber)) — \(Show.name(o.purpose, prefix: "OPINION_PURPOSE_")): \(o.purposeNote)")
        print("  state \(Show.name(o.state, prefix: "OPINION_STATE_"))\(o.expired ? " — EXPIRED, request it again" : ""), due \(Show.date(o.dueDate))")
        if o.proposed != .unspecified { print("  proposed: \(conclusion(o.proposed)) (scheme v\(o.schemeVersion), dossier \(o.dossierSha256.prefix(16))…)") }
        for r in o.reasons { print("    \(r.rule) → \(conclusion(r.conclusion)): \(r.fact)") }
        if o.conclusion != .unspecified { print("  conclusion: \(conclusion(o.conclusion))\(o.changeReason.isEmpty ? "" : " (changed: \(o.changeReason))")") }
        if !o.reviewedBy.isEmpty { print("  reviewed \(Show.time(o.reviewTime)) by \(o.reviewedBy)\(o.reviewNote.isEmpty ? "" : ": \(o.reviewNote)")") }
        if !o.signedBy.isEmpty { print("  signed \(Show.time(o.signTime)) by \(o.signedBy), valid until \(Show.date(o.validUntil))") }
    }
}
