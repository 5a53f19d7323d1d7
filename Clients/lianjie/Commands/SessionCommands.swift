import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie health`, `login`, `logout`, `whoami`.
enum Commands {
    static func health(_ ctx: CLIContext, args: [String]) async throws {
        guard args.count <= 1 else { throw CLIError.usage("usage: lianjie health [SERVICE]") }
        let client = ctx.client(token: nil)
        defer { client.close() }
        let response = try await rpc { try await client.health.check(HealthCheckRequest(service: args.first ?? ""), options: CallOptions(timeout: ctx.timeout)) }
        ctx.output(response) {
            print(response.status == .serving ? "SERVING \(ctx.server)" : "\(response.status.protoValueName ?? "UNKNOWN") \(ctx.server)")
        }
        if response.status != .serving { throw CLIError(message: "the server is not serving", exitCode: CLIError.Code.unavailable) }
    }

    static func login(_ ctx: CLIContext, args: [String]) async throws {
        var username: String?
        var passwordFromStdin = false
        var i = 0
        while i < args.count {
            switch args[i] {
            case "--password-stdin": passwordFromStdin = true
            case "--username", "-u":
                i += 1
                guard i < args.count else { throw CLIError.usage("--username needs a value") }
                username = args[i]
            default:
                guard username == nil, !args[i].hasPrefix("-") else { throw CLIError.usage("usage: lianjie login [USERNAME] [--password-stdin]") }
                username = args[i]
            }
            i += 1
        }
        if username == nil { username = Terminal.prompt("Username: ") }
        guard let username, !username.isEmpty else { throw CLIError.usage("a username is required") }
        let password: String
        if passwordFromStdin {
            password = readLine(strippingNewline: true) ?? ""
        } else if let env = ProcessInfo.processInfo.environment["LIANJIE_PASSWORD"] {
            password = env
        } else {
            guard let p = Terminal.secret("Password for \(username): ") else { throw CLIError.usage("no password given (use a terminal, --password-stdin or LIANJIE_PASSWORD)") }
            password = p
        }
        let client = ctx.client(token: nil)
        defer { client.close() }
        let response = try await rpc {
            try await client.userService.login(LoginRequest(username: username, password: password), options: CallOptions(timeout: ctx.timeout))
        }
        try ctx.credentials.save(.init(server: ctx.server.description, token: response.token, username: username,
                                       expiresAtUnix: response.expiresAtUnix))
        var shown = response
        shown.token = ""
        ctx.output(shown) {
            let expiry = Date(timeIntervalSince1970: TimeInterval(response.expiresAtUnix))
            print("Logged in to \(ctx.server) as \(response.account?.username ?? username); the session lasts until \(expiry).")
        }
    }

    static func logout(_ ctx: CLIContext, args: [String]) async throws {
        guard args.isEmpty else { throw CLIError.usage("usage: lianjie logout") }
        let users = try ctx.users()
        defer { users.client.close() }
        do {
            _ = try await users.logout(options: ctx.options)
        } catch where error.status == .unauthenticated {
            // Already expired or revoked on the server: forgetting it locally is all that is left.
        } catch {
            throw CLIError(error)
        }
        ctx.credentials.remove()
        ctx.output(LogoutResponse()) { print("Logged out.") }
    }

    static func whoami(_ ctx: CLIContext, args: [String]) async throws {
        guard args.isEmpty else { throw CLIError.usage("usage: lianjie whoami") }
        let users = try ctx.users()
        defer { users.client.close() }
        let response = try await rpc { try await users.whoAmI(options: ctx.options) }
        ctx.output(response) {
            let a = response.account ?? Account()
            print("\(a.username) (\(a.displayName)) id \(a.id)")
            for g in a.grants {
                let role = g.role.protoValueName?.replacingOccurrences(of: "ROLE_", with: "").lowercased() ?? "unknown"
                print("  \(role) on \(g.organizationId.isEmpty ? "the whole deployment" : g.organizationId)")
            }
            if let t = response.sessionExpireTime {
                print("session expires \(Date(timeIntervalSince1970: TimeInterval(t.seconds)))")
            }
        }
    }

    /// Every item of a paged listing (up to `limit`), fetching page after page.
    static func allPages<Item>(limit: Int = .max, _ fetch: (String) async throws -> ([Item], String)) async throws -> [Item] {
        var items: [Item] = []
        var token = ""
        repeat {
            let (page, next) = try await fetch(token)
            items += page
            token = next
        } while !token.isEmpty && items.count < limit
        return items
    }

    /// Runs one call and turns its error into the CLI's.
    /// Pages of 500 until `limit` items, with the listing's exact total.
    static func firstPages<Item>(limit: Int, _ fetch: (_ pageToken: String) async throws -> (items: [Item], next: String, total: Int32))
        async throws -> (items: [Item], total: Int32) {
        var total: Int32 = 0
        let all = try await allPages(limit: limit) { token in
            let page = try await fetch(token)
            total = page.total
            return (page.items, page.next)
        }
        return (Array(all.prefix(limit)), total)
    }

    static func rpc<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as RPCError { throw CLIError(error) }
    }
}

/// Reading from the terminal without echoing secrets.
enum Terminal {
    static func prompt(_ text: String) -> String? {
        FileHandle.standardError.write(Data(text.utf8))
        return readLine(strippingNewline: true)
    }

    /// Reads a line with echo off; nil when standard input is not a terminal.
    static func secret(_ text: String) -> String? {
        guard isatty(0) == 1 else { return nil }
        var old = termios()
        tcgetattr(0, &old)
        var silent = old
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &silent)
        defer {
            tcsetattr(0, TCSAFLUSH, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        FileHandle.standardError.write(Data(text.utf8))
        return readLine(strippingNewline: true)
    }
}
