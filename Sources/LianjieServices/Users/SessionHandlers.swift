import Glibc
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieStore
import LianjieWire

/// Login, logout, who am I, passwords and the caller's own sessions.
struct SessionHandlers: Sendable {
    let store: any Store
    let auth: Authenticator
    let settings: ServiceSettings
    let logger: Logger

    func register(on router: inout Router, _ registry: HandlerRegistry) {
        let s = self
        router.register(UserService.login, execution: .pool) { request, context in try s.login(request, context) }
        registry.register(UserService.logout, audit: .none, on: &router) { _, call in try s.logout(call) }
        registry.register(UserService.whoAmI, audit: .none, on: &router) { _, call in try s.whoAmI(call) }
        registry.register(UserService.changePassword, audit: .change, on: &router) { request, call in try s.changePassword(request, call) }
        registry.register(UserService.listSessions, audit: .none, on: &router) { _, call in try s.listSessions(call) }
        registry.register(UserService.revokeSession, audit: .none, on: &router) { request, call in try s.revokeSession(request, call) }
    }

    private func storeCall<T>(_ context: CallContext, _ body: () throws -> T) throws -> T {
        try Services.storeCall(logger: logger, method: context.method, body)
    }

    func login(_ request: LoginRequest, _ context: CallContext) throws -> LoginResponse {
        var v = Violations()
        if request.username.isEmpty { v.add("username", "is required") }
        if request.password.isEmpty { v.add("password", "is required") }
        if request.username.utf8.count > 256 { v.add("username", "is longer than 256 bytes") }
        if request.password.utf8.count > PasswordPolicy.maximumBytes {
            v.add("password", "is longer than \(PasswordPolicy.maximumBytes) bytes")
        }
        try v.check()

        let refusal = RPCError(.unauthenticated, "unknown username or wrong password")
        let now = Services.now()
        guard let account = try storeCall(context, { try store.read { try $0.account(username: request.username) } }),
              account.kind == "person" else {
            _ = PasswordHasher.verify(request.password, against: PasswordHasher.decoyHash)
            logger.info("login refused", ["reason": "unknown user", "peer": .text(context.peer)])
            audit(accountID: "", context: context, outcome: refusal.status.name)
            throw refusal
        }
        if account.lockedUntil > now {
            // Answered exactly like a wrong password, after the same hashing work, so a lock
            // tells a guesser nothing about which usernames exist.
            _ = PasswordHasher.verify(request.password, against: account.passwordHash)
            logger.info("login refused", ["reason": "locked", "account": .text(account.id), "peer": .text(context.peer)])
            audit(accountID: account.id, context: context, outcome: refusal.status.name)
            throw refusal
        }
        guard PasswordHasher.verify(request.password, against: account.passwordHash), !account.disabled else {
            try failedAttempt(account, now: now, context: context, reason: account.disabled ? "disabled" : "wrong password",
                              refusal: refusal)
        }
        let token = Token.generate()
        let session = SessionRecord(tokenHash: Token.storageHash(token), accountID: account.id, createTime: now,
                                    expireTime: now + settings.sessionSeconds, peer: context.peer)
        try storeCall(context) {
            try store.write { tx in
                if account.failedLogins > 0 || account.lockedUntil > 0 { try tx.resetLoginFailures(accountID: account.id) }
                try tx.createSession(session)
                try AuditLog.append(tx, accountID: account.id, method: context.method,
                                    target: AuditLog.Target(type: "session", id: SessionHandlers.sessionID(session.tokenHash)),
                                    peer: context.peer, outcome: "OK")
            }
        }
        logger.info("login", ["account": .text(account.id), "peer": .text(context.peer)])
        return LoginResponse(token: token, expiresAtUnix: session.expireTime, account: Convert.account(account))
    }

    /// A login attempt for the audit log (who tried, from where, how it ended).
    private func audit(accountID: String, context: CallContext, outcome: String) {
        do {
            try store.write { tx in
                try AuditLog.append(tx, accountID: accountID, method: context.method, target: nil, peer: context.peer, outcome: outcome)
            }
        } catch {
            logger.error("cannot write the audit log", ["method": .text(context.method), "error": .text(String(describing: error))])
        }
    }

    /// Counts a failed password check and answers it: later, once guessing has gone on.
    private func failedAttempt(_ account: AccountRecord, now: Int64, context: CallContext, reason: String, refusal: RPCError) throws -> Never {
        let failures = try storeCall(context) {
            try store.write { tx in
                let failures = try tx.recordFailedLogin(accountID: account.id, now: now, lockAfter: settings.lockAfterFailures,
                                                        lockUntil: now + settings.lockSeconds)
                if context.method == UserService.login.path {
                    try AuditLog.append(tx, accountID: account.id, method: context.method, target: nil, peer: context.peer,
                                        outcome: refusal.status.name)
                }
                return failures
            }
        }
        logger.info("login refused", ["reason": .text(reason), "account": .text(account.id),
                                      "failures": .int(Int64(failures)), "peer": .text(context.peer)])
        if failures >= settings.lockAfterFailures {
            logger.notice("account locked", ["account": .text(account.id), "seconds": .int(settings.lockSeconds)])
        } else if failures > settings.slowDownAfterFailures {
            // Answer later without holding a worker: guessing gets slower, the pool stays free.
            let delay = min(settings.maxFailureDelaySeconds, 0.25 * Double(failures - settings.slowDownAfterFailures))
            throw DelayedFailure(refusal, delaySeconds: delay)
        }
        throw refusal
    }

    func logout(_ call: Call) throws -> LogoutResponse {
        guard let hash = call.caller.sessionHash else {
            throw RPCError(.failedPrecondition, "an API token is not a session; an administrator revokes it")
        }
        try Services.storeCall(logger: logger, method: call.method) {
            try store.write { try $0.revokeSession(tokenHash: hash, at: Services.now()) }
        }
        logger.info("logout", ["account": .text(call.caller.id)])
        return LogoutResponse()
    }

    func whoAmI(_ call: Call) throws -> WhoAmIResponse {
        let subject = try call.read { try $0.subject(accountID: call.caller.id) }
        return WhoAmIResponse(account: Convert.account(call.caller.account),
                              sessionExpireTime: Time(seconds: call.caller.sessionExpireTime), subjectId: subject?.id ?? "")
    }

    func changePassword(_ request: ChangePasswordRequest, _ call: Call) throws -> ChangePasswordResponse {
        let account = call.caller.account
        call.target = AuditLog.Target(type: "account", id: account.id)
        guard account.kind == "person" else {
            throw RPCError(.failedPrecondition, "a service account has no password; it uses API tokens")
        }
        var v = Violations()
        if request.oldPassword.isEmpty { v.add("old_password", "is required") }
        if request.oldPassword.utf8.count > PasswordPolicy.maximumBytes {
            v.add("old_password", "is longer than \(PasswordPolicy.maximumBytes) bytes")
        }
        if let weakness = PasswordPolicy.weakness(of: request.newPassword, username: account.username) {
            v.add("new_password", weakness)
        }
        try v.check()
        guard PasswordHasher.verify(request.oldPassword, against: account.passwordHash) else {
            // A wrong old password counts like a failed login, so a stolen session cannot guess it freely.
            try failedAttempt(account, now: Services.now(), context: call.context, reason: "wrong old password",
                              refusal: RPCError.invalidArgument(field: "old_password", "is not the current password"))
        }
        let hash = try PasswordHasher.hash(request.newPassword)
        return try call.write { tx in
            // Only the hash changes, and only if nobody (an administrator disabling the account
            // or changing its grants) changed the account since this call authenticated.
            guard try tx.setPasswordHash(accountID: account.id, hash: hash, ifVersion: account.version) else {
                throw RPCError(.aborted, "your account changed while the password was being changed; try again")
            }
            try tx.revokeSessions(accountID: account.id, except: call.caller.sessionHash, at: Services.now())
            return ChangePasswordResponse()
        }
    }

    /// A session's public id: the first 16 hex digits of its token's hash (the hash is
    /// not the token, and these digits are not enough to find the row without the list).
    static func sessionID(_ hash: [UInt8]) -> String { Digest.hex(Array(hash.prefix(8))) }

    func listSessions(_ call: Call) throws -> ListSessionsResponse {
        let sessions = try call.read { try $0.sessions(accountID: call.caller.id, now: Services.now()) }
        return ListSessionsResponse(sessions: sessions.map { s in
            Session(id: Self.sessionID(s.tokenHash), createTime: Time(seconds: s.createTime), expireTime: Time(seconds: s.expireTime),
                    peer: s.peer, current: s.tokenHash == call.caller.sessionHash)
        })
    }

    func revokeSession(_ request: RevokeSessionRequest, _ call: Call) throws -> RevokeSessionResponse {
        let sessions = try call.read { try $0.sessions(accountID: call.caller.id, now: Services.now()) }
        guard let match = sessions.first(where: { Self.sessionID($0.tokenHash) == request.id }) else {
            throw RPCError(.notFound, "no such session")
        }
        try Services.storeCall(logger: logger, method: call.method) {
            try store.write { try $0.revokeSession(tokenHash: match.tokenHash, at: Services.now()) }
        }
        return RevokeSessionResponse()
    }
}
