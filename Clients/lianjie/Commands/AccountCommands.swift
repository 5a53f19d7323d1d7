import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie account …`, `token …`, `password …`, `session …`
enum AccountCommands {
    static let usage = """
        usage: lianjie account list [--org ID] [--all]
               lianjie account get ID
               lianjie account create USERNAME --role ROLE[@ORG_ID] [--role …] [--name NAME] [--service] [--password-stdin]
               lianjie account grant ID --role ROLE[@ORG_ID] [--role …]
               lianjie account disable ID [--reason TEXT]
               lianjie account enable ID
               lianjie account reset-password ID [--password-stdin]
               lianjie account link-platform ID PLATFORM_USER_ID   (sign-in from the messaging app; "" unlinks)
        roles: admin inspector discipline_head manager hr employee service auditor gateway (no @ORG_ID: the whole deployment)
        """

    static func grants(_ specs: [String]) throws -> [RoleGrant] {
        guard !specs.isEmpty else { throw CLIError.usage("at least one --role is required") }
        return try specs.map { spec in
            let parts = spec.split(separator: "@", maxSplits: 1).map(String.init)
            let role = try Show.parse(parts[0], prefix: "ROLE_", Role.self, field: "--role")
            return RoleGrant(role: role, organizationId: parts.count > 1 ? parts[1] : "")
        }
    }

    /// A new password from standard input or, on a terminal, typed twice.
    static func newPassword(_ args: Args) throws -> String {
        if args.flag("--password-stdin") { return readLine(strippingNewline: true) ?? "" }
        guard let first = Terminal.secret("New password: "), let second = Terminal.secret("Repeat it: ") else {
            throw CLIError.usage("no password given (use a terminal or --password-stdin)")
        }
        guard first == second else { throw CLIError.usage("the two passwords differ") }
        return first
    }

    static func table(_ accounts: [Account]) -> Table {
        var t = Table("ID", "USERNAME", "NAME", "KIND", "GRANTS", "STATE")
        for a in accounts {
            t.add(a.id, a.username, a.displayName, Show.name(a.kind, prefix: "ACCOUNT_KIND_"),
                  a.grants.map { Show.name($0.role, prefix: "ROLE_") + ($0.organizationId.isEmpty ? "" : "@" + $0.organizationId) }
                    .joined(separator: ","),
                  a.disabled ? "disabled" : "active")
        }
        return t
    }

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--all", "--service", "--password-stdin"])
        let users = try ctx.users()
        switch sub {
        case "list":
            try args.only(["--org", "--all"], positionals: 0)
            let all = try await Commands.allPages { token in
                let page = try await Commands.rpc {
                    try await users.listAccounts(ListAccountsRequest(organizationId: args.value("--org") ?? "", includeDisabled: args.flag("--all"),
                                                                     pageSize: 500, pageToken: token), options: ctx.options)
                }
                return (page.accounts, page.nextPageToken)
            }
            let response = ListAccountsResponse(accounts: all, totalSize: Int32(all.count))
            ctx.output(response) { table(all).print() }
        case "get":
            try args.only([], positionals: 1)
            let a = try await Commands.rpc { try await users.getAccount(GetAccountRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            ctx.output(a) { table([a]).print() }
        case "create":
            try args.only(["--role", "--name", "--service", "--password-stdin"], positionals: 1)
            let service = args.flag("--service")
            let request = CreateAccountRequest(requestId: Show.requestID(), username: try args.positional(0, "USERNAME"),
                                               displayName: args.value("--name") ?? "", password: service ? "" : try newPassword(args),
                                               grants: try grants(args.values("--role")), kind: service ? .service : .person)
            let a = try await Commands.rpc { try await users.createAccount(request, options: ctx.options) }
            ctx.output(a) { print("created \(a.id) \(a.username)") }
        case "grant":
            try args.only(["--role"], positionals: 1)
            let id = try args.positional(0, "ID")
            let current = try await Commands.rpc { try await users.getAccount(GetAccountRequest(id: id), options: ctx.options) }
            let a = try await Commands.rpc {
                try await users.updateAccount(UpdateAccountRequest(account: Account(id: id, grants: try grants(args.values("--role"))),
                                                                   updateMask: ["grants"], etag: current.etag), options: ctx.options)
            }
            ctx.output(a) { table([a]).print() }
        case "link-platform":
            try args.only([], positionals: 2)
            let id = try args.positional(0, "ID")
            let current = try await Commands.rpc { try await users.getAccount(GetAccountRequest(id: id), options: ctx.options) }
            let a = try await Commands.rpc {
                try await users.updateAccount(UpdateAccountRequest(account: Account(id: id, platformUserId: try args.positional(1, "PLATFORM_USER_ID")),
                                                                   updateMask: ["platform_user_id"], etag: current.etag), options: ctx.options)
            }
            ctx.output(a) { print(a.platformUserId.isEmpty ? "\(a.username) is not linked to the messaging platform" : "\(a.username) signs in from the messaging app as \(a.platformUserId)") }
        case "disable", "enable":
            try args.only(["--reason"], positionals: 1)
            let id = try args.positional(0, "ID")
            let a = try await Commands.rpc {
                sub == "disable"
                    ? try await users.disableAccount(DisableAccountRequest(requestId: Show.requestID(), id: id, reason: args.value("--reason") ?? ""), options: ctx.options)
                    : try await users.enableAccount(EnableAccountRequest(requestId: Show.requestID(), id: id), options: ctx.options)
            }
            ctx.output(a) { print("\(sub)d \(a.id) \(a.username)") }
        case "reset-password":
            try args.only(["--password-stdin"], positionals: 1)
            let request = ResetPasswordRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), newPassword: try newPassword(args))
            let r = try await Commands.rpc { try await users.resetPassword(request, options: ctx.options) }
            ctx.output(r) { print("password reset; the account's sessions were ended") }
        default:
            throw CLIError.usage(usage)
        }
    }

    static let tokenUsage = """
        usage: lianjie token issue ACCOUNT_ID --description TEXT [--days N]
               lianjie token list ACCOUNT_ID [--all]
               lianjie token revoke TOKEN_ID
        """

    static func token(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(tokenUsage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--all"])
        let users = try ctx.users()
        switch sub {
        case "issue":
            try args.only(["--description", "--days"], positionals: 1)
            let days = Int32(args.value("--days") ?? "0") ?? -1
            let r = try await Commands.rpc {
                try await users.issueApiToken(IssueApiTokenRequest(requestId: Show.requestID(), accountId: try args.positional(0, "ACCOUNT_ID"),
                                                                   description: try args.required("--description"), validDays: days), options: ctx.options)
            }
            ctx.output(r) {
                print(r.token)
                FileHandle.standardError.write(Data("This token is shown once; store it now. It expires \(Show.time(r.apiToken?.expireTime)).\n".utf8))
            }
        case "list":
            try args.only(["--all"], positionals: 1)
            let r = try await Commands.rpc {
                try await users.listApiTokens(ListApiTokensRequest(accountId: try args.positional(0, "ACCOUNT_ID"), includeRevoked: args.flag("--all")),
                                              options: ctx.options)
            }
            ctx.output(r) {
                var t = Table("ID", "PREFIX", "DESCRIPTION", "CREATED", "EXPIRES", "REVOKED")
                for k in r.apiTokens {
                    t.add(k.id, k.prefix + "…", k.description, Show.time(k.createTime), Show.time(k.expireTime), Show.time(k.revokeTime))
                }
                t.print()
            }
        case "revoke":
            try args.only([], positionals: 1)
            let k = try await Commands.rpc {
                try await users.revokeApiToken(RevokeApiTokenRequest(requestId: Show.requestID(), id: try args.positional(0, "TOKEN_ID")), options: ctx.options)
            }
            ctx.output(k) { print("revoked \(k.id)") }
        default:
            throw CLIError.usage(tokenUsage)
        }
    }

    static func password(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard raw.first == "change" else { throw CLIError.usage("usage: lianjie password change [--password-stdin]   (old, then new, one per line)") }
        let args = try Args(Array(raw.dropFirst()), flags: ["--password-stdin"])
        try args.only(["--password-stdin"], positionals: 0)
        let old: String
        if args.flag("--password-stdin") {
            old = readLine(strippingNewline: true) ?? ""
        } else {
            guard let p = Terminal.secret("Current password: ") else { throw CLIError.usage("no password given (use a terminal or --password-stdin)") }
            old = p
        }
        let new = try newPassword(args)
        let users = try ctx.users()
        let r = try await Commands.rpc { try await users.changePassword(ChangePasswordRequest(oldPassword: old, newPassword: new), options: ctx.options) }
        ctx.output(r) { print("password changed; your other sessions were ended") }
    }

    static func session(_ ctx: CLIContext, _ raw: [String]) async throws {
        let users = try ctx.users()
        switch raw.first {
        case "list":
            let r = try await Commands.rpc { try await users.listSessions(options: ctx.options) }
            ctx.output(r) {
                var t = Table("ID", "FROM", "CREATED", "EXPIRES", "")
                for s in r.sessions { t.add(s.id, s.peer, Show.time(s.createTime), Show.time(s.expireTime), s.current ? "(this one)" : "") }
                t.print()
            }
        case "revoke":
            guard raw.count == 2 else { throw CLIError.usage("usage: lianjie session revoke ID") }
            let r = try await Commands.rpc { try await users.revokeSession(RevokeSessionRequest(id: raw[1]), options: ctx.options) }
            ctx.output(r) { print("revoked session \(raw[1])") }
        default:
            throw CLIError.usage("usage: lianjie session list | lianjie session revoke ID")
        }
    }
}
