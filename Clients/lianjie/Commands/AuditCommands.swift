import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie audit …`
enum AuditCommands {
    static let usage = """
        usage: lianjie audit list [--account ID] [--record ID] [--method NAME] [--limit N]
               lianjie audit verify [--anchor SEQ:MAC]
               lianjie audit anchor          the newest entry's SEQ:MAC, to keep outside the server
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(Array(raw.dropFirst()))
        let users = try ctx.users()
        switch raw.first {
        case "list":
            try args.only(["--account", "--record", "--method", "--limit"], positionals: 0)
            let limit = Int(args.value("--limit") ?? "1000") ?? 1000
            var method = args.value("--method") ?? ""
            if !method.isEmpty, !method.hasPrefix("/") {
                // A bare name is the method of whichever service has it (`GetDossier`).
                method = ProtoRegistry.methods.keys.sorted().first { $0.hasSuffix("/" + method) } ?? "/\(UserService.name)/\(method)"
            }
            let entries = try await Commands.allPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await users.listAuditEntries(ListAuditEntriesRequest(accountId: args.value("--account") ?? "", recordId: args.value("--record") ?? "",
                                                                             method: method, pageSize: 500, pageToken: token), options: ctx.options)
                }
                return (page.entries, page.nextPageToken)
            }
            let response = ListAuditEntriesResponse(entries: Array(entries.prefix(limit)))
            ctx.output(response) {
                var t = Table("SEQ", "TIME", "ACCOUNT", "METHOD", "RECORD", "PEER", "OUTCOME", "REASON")
                for e in response.entries {
                    t.add(String(e.sequence), Show.time(e.time), e.accountId, String(e.method.split(separator: "/").last ?? ""),
                          e.recordType.isEmpty ? "" : "\(e.recordType) \(e.recordId)", e.peer, e.outcome, e.reason)
                }
                t.print()
            }
        case "anchor":
            try args.only([], positionals: 0)
            let r = try await Commands.rpc { try await users.getAuditAnchor(options: ctx.options) }
            ctx.output(r) {
                print("\(r.sequence):\(r.mac)")
                FileHandle.standardError.write(Data("keep this anchor outside the server (entry \(r.sequence), \(Show.time(r.time))); check it later with: lianjie audit verify --anchor \(r.sequence):\(r.mac)\n".utf8))
            }
        case "verify":
            try args.only(["--anchor"], positionals: 0)
            var request = VerifyAuditLogRequest()
            if let anchor = args.value("--anchor") {
                let parts = anchor.split(separator: ":")
                guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, parts[1].utf8.count == 64 else {
                    throw CLIError.usage("--anchor takes SEQ:MAC as `lianjie audit anchor` printed it")
                }
                request = VerifyAuditLogRequest(anchorSequence: sequence, anchorMac: String(parts[1]))
            }
            let r = try await Commands.rpc { try await users.verifyAuditLog(request, options: ctx.options) }
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
