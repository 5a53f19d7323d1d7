import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieSecurity
import LianjieServiceKit
import LianjieStore

/// Accounts, their grants, and service accounts' API tokens.
struct AccountHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(UserService.createAccount, audit: .change, on: &router, create)
        kit.register(UserService.getAccount, audit: .none, on: &router, get)
        kit.register(UserService.updateAccount, audit: .change, on: &router, update)
        kit.register(UserService.listAccounts, audit: .none, on: &router, list)
        kit.register(UserService.disableAccount, audit: .change, on: &router, disable)
        kit.register(UserService.enableAccount, audit: .change, on: &router, enable)
        kit.register(UserService.resetPassword, audit: .change, on: &router, resetPassword)
        kit.register(UserService.issueApiToken, audit: .change, on: &router, issueToken)
        kit.register(UserService.listApiTokens, audit: .none, on: &router, listTokens)
        kit.register(UserService.revokeApiToken, audit: .change, on: &router, revokeToken)
    }

    static let notFound = RPCError(.notFound, "no such account")

    /// Whether an admin caller reaches `account`: a whole-deployment admin reaches all; a
    /// subtree admin only an account whose every grant lies inside their subtree. (An
    /// account with one grant elsewhere, or on the whole deployment, is beyond them:
    /// resetting its password would hand them rights they do not hold.)
    /// Checked again inside every write transaction (`current`), so a grant added
    /// elsewhere meanwhile cannot slip through.
    static func reaches(_ caller: Caller, _ account: AccountRecord, roles: Set<Role> = [.admin], _ r: any StoreReader) throws -> Bool {
        if caller.coversEverything(roles) { return true }
        guard !account.grants.isEmpty else { return false }
        let paths = try grantPaths(account.grants, r)
        return account.grants.allSatisfy { covers(caller, roles, $0, paths) }
    }

    /// Whether a grant with one of `roles` covers `grant`'s organisation (a grant on the
    /// whole deployment, with no path, is covered by none but a whole-deployment grant).
    static func covers(_ caller: Caller, _ roles: Set<Role>, _ grant: GrantRecord, _ paths: [String: String]) -> Bool {
        paths[grant.organizationID].map { caller.covers(roles, path: $0) } ?? false
    }

    /// The organisation path of each grant's organisation.
    static func grantPaths(_ grants: [GrantRecord], _ r: any StoreReader) throws -> [String: String] {
        var paths: [String: String] = [:]
        for id in Set(grants.map(\.organizationID)) where !id.isEmpty {
            if let o = try r.organization(id: id) { paths[id] = o.path }
        }
        return paths
    }

    /// The account `id` inside a write transaction, if it still exists and the caller still reaches it.
    static func current(_ id: String, _ call: Call, _ tx: any StoreWriter) throws -> AccountRecord {
        guard let a = try tx.account(id: id), try reaches(call.caller, a, tx) else { throw notFound }
        return a
    }

    /// `account` as `call`'s caller may see it: a subtree admin sees only the grants inside
    /// their subtree, never where else (or that) the account holds rights.
    static func visible(_ account: AccountRecord, _ call: Call, paths: [String: String]) -> Account {
        guard !call.caller.coversEverything([.admin]) else { return Convert.account(account) }
        var shown = account
        shown.grants = account.grants.filter { covers(call.caller, [.admin], $0, paths) }
        return Convert.account(shown)
    }

    static func find(_ id: String, _ call: Call, field: String = "id") throws -> AccountRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: field, "is required") }
        guard let a = try call.read({ r in try r.account(id: id).flatMap { try reaches(call.caller, $0, r) ? $0 : nil } }) else {
            throw notFound
        }
        call.target = AuditLog.Target(type: "account", id: a.id)
        return a
    }

    /// Checks grants a caller hands out: each role known, each organisation existing and
    /// inside the caller's admin scope (a whole-deployment grant needs a whole-deployment admin).
    static func checkGrants(_ grants: [RoleGrant], field: String, _ call: Call, _ v: inout Violations) throws -> [GrantRecord] {
        var out: [GrantRecord] = []
        for (i, g) in grants.enumerated() {
            let path = "\(field)[\(i)]"
            guard let name = RoleNames.name(g.role) else { v.add("\(path).role", "must be a known role"); continue }
            if g.organizationId.isEmpty {
                guard call.caller.coversEverything([.admin]) else {
                    v.add("\(path).organization_id", "a whole-deployment grant needs a whole-deployment administrator")
                    continue
                }
            } else {
                guard let org = try call.read({ try $0.organization(id: g.organizationId) }),
                      call.caller.covers([.admin], path: org.path) else {
                    v.add("\(path).organization_id", "no such organisation")
                    continue
                }
            }
            out.append(GrantRecord(role: name, organizationID: g.organizationId))
        }
        return out
    }

    func create(_ request: CreateAccountRequest, _ call: Call) throws -> Account {
        var v = Violations()
        if !Validate.isUsername(request.username) { v.add("username", "must be 1-64 letters, digits, '.', '-' or '_'") }
        if request.displayName.count > 100 { v.add("display_name", "is longer than 100 characters") }
        let kind: String
        switch request.kind {
        case .person:
            kind = "person"
            if let weakness = PasswordPolicy.weakness(of: request.password, username: request.username) { v.add("password", weakness) }
        case .service:
            kind = "service"
            if !request.password.isEmpty { v.add("password", "must be empty for a service account (it uses API tokens)") }
        default:
            kind = ""
            v.add("kind", "must be PERSON or SERVICE")
        }
        if request.grants.isEmpty { v.add("grants", "at least one grant is required") }
        let grants = try Self.checkGrants(request.grants, field: "grants", call, &v)
        try v.check()
        let id = Identifiers.new(prefix: "acc")
        let record = AccountRecord(id: id, username: request.username,
                                   displayName: request.displayName.trimmingSpaces.isEmpty ? request.username : request.displayName.trimmingSpaces,
                                   passwordHash: kind == "person" ? try PasswordHasher.hash(request.password) : "",
                                   grants: grants, createTime: call.now, kind: kind)
        call.target = AuditLog.Target(type: "account", id: id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createAccount(record)
            return Convert.account(try tx.account(id: id) ?? record)
        }
    }

    func get(_ request: GetAccountRequest, _ call: Call) throws -> Account {
        if request.id == call.caller.id { return Convert.account(call.caller.account) }
        guard call.caller.has(anyOf: [.admin]) else { throw Self.notFound }
        return Convert.account(try Self.find(request.id, call))
    }

    func update(_ request: UpdateAccountRequest, _ call: Call) throws -> Account {
        let patch = request.account ?? Account()
        var account = try Self.find(patch.id, call, field: "account.id")
        var v = Violations()
        if request.updateMask.isEmpty { v.add("update_mask", "names no field to change") }
        for path in request.updateMask {
            switch path {
            case "display_name":
                if patch.displayName.trimmingSpaces.isEmpty || patch.displayName.count > 100 {
                    v.add("account.display_name", "must be 1-100 characters")
                }
                account.displayName = patch.displayName.trimmingSpaces
            case "grants":
                if account.id == call.caller.id { throw RPCError(.failedPrecondition, "nobody changes their own grants") }
                if patch.grants.isEmpty { v.add("account.grants", "at least one grant is required") }
                account.grants = try Self.checkGrants(patch.grants, field: "account.grants", call, &v)
            case "platform_user_id":
                if account.id == call.caller.id { throw RPCError(.failedPrecondition, "nobody links their own messaging-platform id") }
                if account.kind != "person", !patch.platformUserId.isEmpty {
                    throw RPCError(.failedPrecondition, "only a person's account signs in from the messaging app")
                }
                if !patch.platformUserId.isEmpty, !Self.isPlatformUserID(patch.platformUserId) {
                    v.add("account.platform_user_id", "must be 1-128 visible characters without spaces (empty unlinks)")
                }
                account.platformUserID = patch.platformUserId
            default: v.add("update_mask", "\(path) cannot be changed here")
            }
        }
        try v.check()
        try Validate.etag(request.etag, account.version)
        let updated = account
        return try call.write { tx in
            let current = try Self.current(updated.id, call, tx)
            try Validate.etag(request.etag, current.version)
            var next = current
            next.displayName = updated.displayName
            next.grants = updated.grants
            next.platformUserID = updated.platformUserID
            try tx.updateAccount(next)
            // A link corrected or removed: whoever signed in through the old one is out.
            if !current.platformUserID.isEmpty, current.platformUserID != next.platformUserID {
                _ = try tx.revokeSessions(accountID: current.id, except: nil, at: call.now)
            }
            return Convert.account(try tx.account(id: updated.id) ?? next)
        }
    }

    /// A messaging-platform user id as the platform writes it: 1-128 visible characters.
    static func isPlatformUserID(_ id: String) -> Bool {
        (1...128).contains(id.count) && id.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0.value >= 0x21 && $0.value != 0x7F }
    }

    func list(_ request: ListAccountsRequest, _ call: Call) throws -> ListAccountsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "acc")
        var scope = call.caller.scope([.admin])
        if !request.organizationId.isEmpty {
            scope = .subtrees([try OrganizationHandlers.find(request.organizationId, [.admin], call, field: "organization_id").path])
        }
        let filter = scope
        let (rows, total) = try call.read { r in
            (try r.accounts(scope: filter, includeDisabled: request.includeDisabled, page: Page(after: after, limit: size + 1)),
             try r.accountCount(scope: filter, includeDisabled: request.includeDisabled))
        }
        let page = Array(rows.prefix(size))
        let paths = try call.read { try Self.grantPaths(page.flatMap(\.grants), $0) }
        return ListAccountsResponse(accounts: page.map { Self.visible($0, call, paths: paths) },
                                    nextPageToken: rows.count > size ? Paging.token(page.last!.username.lowercased(), kind: "acc") : "",
                                    totalSize: Int32(total))
    }

    func disable(_ request: DisableAccountRequest, _ call: Call) throws -> Account {
        let account = try Self.find(request.id, call)
        guard account.id != call.caller.id else { throw RPCError(.failedPrecondition, "you cannot disable your own account") }
        try Validate.etag(request.etag, account.version)
        if request.reason.count > 500 { throw RPCError.invalidArgument(field: "reason", "is longer than 500 characters") }
        return try call.write(requestID: request.requestId) { tx in
            var current = try Self.current(account.id, call, tx)
            try Validate.etag(request.etag, current.version)
            current.disabled = true
            current.disabledReason = request.reason
            try tx.updateAccount(current)
            try tx.revokeSessions(accountID: current.id, except: nil, at: call.now)
            // Re-enabling must not bring old credentials back: its API tokens end here too.
            try tx.revokeApiTokens(accountID: current.id, at: call.now)
            return Convert.account(try tx.account(id: current.id) ?? current)
        }
    }

    func enable(_ request: EnableAccountRequest, _ call: Call) throws -> Account {
        let account = try Self.find(request.id, call)
        try Validate.etag(request.etag, account.version)
        return try call.write(requestID: request.requestId) { tx in
            var current = try Self.current(account.id, call, tx)
            try Validate.etag(request.etag, current.version)
            current.disabled = false
            current.disabledReason = ""
            try tx.updateAccount(current)
            try tx.resetLoginFailures(accountID: current.id)
            return Convert.account(try tx.account(id: current.id) ?? current)
        }
    }

    func resetPassword(_ request: ResetPasswordRequest, _ call: Call) throws -> ResetPasswordResponse {
        let account = try Self.find(request.id, call)
        guard account.kind == "person" else { throw RPCError(.failedPrecondition, "a service account has no password") }
        if let weakness = PasswordPolicy.weakness(of: request.newPassword, username: account.username) {
            throw RPCError.invalidArgument(field: "new_password", weakness)
        }
        let hash = try PasswordHasher.hash(request.newPassword)
        return try call.write(requestID: request.requestId) { tx in
            var current = try Self.current(account.id, call, tx)
            current.passwordHash = hash
            try tx.updateAccount(current)
            try tx.resetLoginFailures(accountID: current.id)
            try tx.revokeSessions(accountID: current.id, except: nil, at: call.now)
            return ResetPasswordResponse()
        }
    }

    func issueToken(_ request: IssueApiTokenRequest, _ call: Call) throws -> IssueApiTokenResponse {
        let account = try Self.find(request.accountId, call, field: "account_id")
        var v = Violations()
        if request.description.trimmingSpaces.isEmpty || request.description.count > 200 { v.add("description", "must be 1-200 characters") }
        if request.validDays < 0 || request.validDays > 730 { v.add("valid_days", "must be 1-730 (0 means 365)") }
        try v.check()
        guard account.kind == "service" else { throw RPCError(.failedPrecondition, "API tokens are for service accounts") }
        guard !account.disabled else { throw RPCError(.failedPrecondition, "the account is disabled") }
        let token = Token.generate()
        let now = call.now
        let record = ApiTokenRecord(id: Identifiers.new(prefix: "tok"), accountID: account.id, tokenHash: Token.storageHash(token),
                                    description: request.description.trimmingSpaces, prefix: String(token.prefix(6)),
                                    createTime: now, expireTime: now + Int64(request.validDays == 0 ? 365 : request.validDays) * 86_400)
        call.target = AuditLog.Target(type: "api_token", id: record.id)
        // The idempotency record keeps the token's metadata only: the token is never stored.
        return try call.write(requestID: request.requestId, storedAs: { IssueApiTokenResponse(apiToken: $0.apiToken) }) { tx in
            try tx.createApiToken(record)
            return IssueApiTokenResponse(token: token, apiToken: Convert.apiToken(record))
        }
    }

    func listTokens(_ request: ListApiTokensRequest, _ call: Call) throws -> ListApiTokensResponse {
        let account = try Self.find(request.accountId, call, field: "account_id")
        let tokens = try call.read { try $0.apiTokens(accountID: account.id) }
        return ListApiTokensResponse(apiTokens: tokens.filter { request.includeRevoked || $0.revokeTime == 0 }.map(Convert.apiToken))
    }

    func revokeToken(_ request: RevokeApiTokenRequest, _ call: Call) throws -> ApiToken {
        guard !request.id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let token = try call.read({ r in
            try r.apiToken(id: request.id).flatMap { t in
                try r.account(id: t.accountID).flatMap { try Self.reaches(call.caller, $0, r) } == true ? t : nil
            }
        }) else {
            throw RPCError(.notFound, "no such API token")
        }
        call.target = AuditLog.Target(type: "api_token", id: token.id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.revokeApiToken(id: token.id, at: call.now)
            return Convert.apiToken(try tx.apiToken(id: token.id) ?? token)
        }
    }
}
