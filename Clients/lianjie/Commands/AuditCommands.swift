import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie audit …`
enum AuditCommands {
    static let usage = """
        usage: lianjie audit list [--account ID] [--record ID] [--method NAME] [--limit N]
               lianjie audit verify
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(Array(raw.dropFirst()))
        let users = try ctx.users()
        switch raw.first {
        case "list":
            try args.only(["--account", "--record", "--method", "--limit"], positionals: 0)
            let limit = Int(args.value("--limit") ?? "1000") ?? 1000
            var method = args.value("--method") ?? ""
            if !method.isEmpty, !method.hasPrefix("/") { method = "/\(UserService.name)/\(method)" }
            let entries = try await Commands.allPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await users.listAuditEntries(ListAuditEntriesRequest(accountId: args.value("--account") ?? "", recordId: args.value("--record") ?? "",
                                                                             method: method, pageSize: 500, pageToken: token), options: ctx.options)
                }
                return (page.entries, page.nextPageToken)
            }
            let response = ListAuditEntriesResponse(entries: Array(entries.prefix(limit)))
            ctx.output(response) {
                var t = Table("SEQ", "TIME", "ACCOUNT", "METHOD", "RECORD", "PEER", "OUTCOME")
                for e in response.entries {
                    t.add(String(e.sequence), Show.time(e.time), e.accountId, String(e.method.split(separator: "/").last ?? ""),
                          e.recordType.isEmpty ? "" : "\(e.recordType) \(e.recordId)", e.peer, e.outcome)
                }
                t.print()
            }
        case "verify":
            try args.only([], positionals: 0)
            let r = try await Commands.rpc { try await users.verifyAuditLog(options: ctx.options) }
            ctx.output(r) {
                if r.intact {
                    print("the audit log is intact: \(r.checked) entries checked")
                } else {
                    print("the audit log is BROKEN at entry \(r.firstBrokenSequence): \(r.problem) (\(r.checked) entries before it are intact)")
                }
            }
            if !r.intact {
                var e = CLIError(message: "the audit log was tampered with at entry \(r.firstBrokenSequence)", exitCode: CLIError.Code.failure)
                e.alreadyReported = true
                throw e
            }
        default:
            throw CLIError.usage(usage)
        }
    }
}
