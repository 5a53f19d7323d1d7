import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieSecurity
import LianjieServiceKit
import LianjieStore
import LianjieWire

/// Login, logout, who am I, passwords and the caller's own sessions.
struct SessionHandlers: Sendable {
    let kit: ServiceKit
    let throttle: LoginThrottle

    init(kit: ServiceKit) {
        self.kit = kit
        self.throttle = LoginThrottle(settings: kit.settings)
    }

    var store: any Store { kit.store }
    var settings: ServiceSettings { kit.settings }
    var logger: Logger { kit.logger }

    func register(on router: inout Router) {
        let s = self
        // Open to anyone and ~18 ms of hashing each: its own small pool, a small body.
        router.register(UserService.login, execution: .isolated, authentication: .none) { request, context in
            try s.login(request, context)
        }
        kit.register(UserService.openPlatformSession, audit: .change, on: &router) { request, call in try s.openPlatformSession(request, call) }
        kit.register(UserService.logout, audit: .change, on: &router) { _, call in try s.logout(call) }
        // Answered from the resolved caller alone, on the connection's thread.
        kit.register(UserService.whoAmI, audit: .none, execution: .inline, on: &router) { _, call in s.whoAmI(call) }
        kit.register(UserService.changePassword, audit: .change, on: &router) { request, call in try s.changePassword(request, call) }
        kit.register(UserService.listSessions, audit: .none, on: &router) { _, call in try s.listSessions(call) }
        kit.register(UserService.revokeSession, audit: .change, on: &router) { request, call in try s.revokeSession(request, call) }
    }

    private func storeCall<T>(_ context: CallContext, _ body: () throws -> T) throws -> T {
        try StoreErrors.call(logger: logger, method: context.method, body)
    }

    static let refusal = RPCError(.unauthenticated, "unknown username or wrong password")

    func login(_ request: LoginRequest, _ context: CallContext) throws -> LoginResponse {
        var v = Violations()
        if request.username.isEmpty { v.add("username", "is required") }
        if request.password.isEmpty { v.add("password", "is required") }
        if request.username.utf8.count > 256 { v.add("username", "is longer than 256 bytes") }
        if request.password.utf8.count > PasswordPolicy.maximumBytes {
            v.add("password", "is longer than \(PasswordPolicy.maximumBytes) bytes")
        }
        try v.check()

        let now = settings.clock.now()
        if throttle.peerIsBlocked(context.peer, now: now) {
            logger.info("login refused", ["reason": "too many failures from this address", "peer": .text(context.peer)])
            audit(accountID: "", context: context, outcome: Status.resourceExhausted.name)
            throw RPCError(.resourceExhausted, "too many failed logins from your address; try again later")
        }
        guard let account = try storeCall(context, { try store.read { try $0.account(username: request.username) } }),
              account.kind == "person" else {
            // Unknown: the same hashing work, the same answer, and the same slowing down as
            // a known account — but nothing to lock.
            _ = PasswordHasher.verify(request.password, against: PasswordHasher.decoyHash)
            let failures = throttle.failed(username: request.username, peer: context.peer, now: now)
            logger.info("login refused", ["reason": "unknown user", "peer": .text(context.peer)])
            audit(accountID: "", context: context, outcome: Self.refusal.status.name)
            try answerFailure(failures: failures)
        }
        if account.lockedUntil > now {
            // Answered exactly like a wrong password, after the same hashing work, so a lock
            // tells a guesser nothing about which usernames exist.
            _ = PasswordHasher.verify(request.password, against: account.passwordHash)
            _ = throttle.failed(username: request.username, peer: context.peer, now: now)
            logger.info("login refused", ["reason": "locked", "account": .text(account.id), "peer": .text(context.peer)])
            audit(accountID: account.id, context: context, outcome: Self.refusal.status.name)
            throw Self.refusal
        }
        guard PasswordHasher.verify(request.password, against: account.passwordHash), !account.disabled else {
            _ = throttle.failed(username: request.username, peer: context.peer, now: now)
            try failedAttempt(account, now: now, context: context, reason: account.disabled ? "disabled" : "wrong password",
                              refusal: Self.refusal)
        }
        throttle.succeeded(username: request.username)
        let (token, session) = newSession(account.id, peer: context.peer, now: now)
        try storeCall(context) {
            try store.write { tx in
                if account.failedLogins > 0 || account.lockedUntil > 0 { try tx.resetLoginFailures(accountID: account.id) }
                try tx.createSession(session)
                try kit.audit.append(tx, time: settings.clock.nowNanos(), accountID: account.id, method: context.method,
                                     target: AuditLog.Target(type: "session", id: SessionHandlers.sessionID(session.tokenHash)),
                                     peer: context.peer, outcome: "OK")
            }
        }
        logger.info("login", ["account": .text(account.id), "peer": .text(context.peer)])
        return LoginResponse(token: token, expiresAtUnix: session.expireTime, account: Convert.account(account))
    }

    /// Sign-in from the messaging app: the gateway (ROLE_GATEWAY on the whole deployment) vouches that
    /// its user is this platform user; the linked person's account gets a session. The
    /// session's peer is the gateway's client (its `forwarded-for`, when lianjied trusts
    /// the gateway).
    func openPlatformSession(_ request: OpenPlatformSessionRequest, _ call: Call) throws -> LoginResponse {
        guard call.caller.coversEverything([.gateway]) else {
            throw RPCError(.permissionDenied, "only the gateway's service account, granted on the whole deployment, opens these sessions")
        }
        guard AccountHandlers.isPlatformUserID(request.platformUserId) else {
            throw RPCError.invalidArgument(field: "platform_user_id", "must be 1-128 visible characters without spaces")
        }
        guard let account = try call.read({ try $0.account(platformUserID: request.platformUserId) }) else {
            call.target = AuditLog.Target(type: "platform_user", id: request.platformUserId)
            throw RPCError(.notFound, "no account is linked to this messaging-platform user")
        }
        call.target = AuditLog.Target(type: "account", id: account.id)
        guard account.kind == "person" else { throw RPCError(.failedPrecondition, "the linked account is not a person's") }
        guard !account.disabled else { throw RPCError(.failedPrecondition, "the linked account is disabled") }
        let (token, session) = newSession(account.id, peer: call.context.peer, now: settings.clock.now())
        call.target = AuditLog.Target(type: "session", id: SessionHandlers.sessionID(session.tokenHash))
        // The stored answer (for the audit's change record) never holds the token.
        let answer = try call.write { tx -> LoginResponse in
            guard let current = try tx.account(id: account.id), !current.disabled, current.platformUserID == request.platformUserId else {
                throw RPCError(.notFound, "no account is linked to this messaging-platform user")
            }
            try tx.createSession(session)
            return LoginResponse(expiresAtUnix: session.expireTime, account: Convert.account(current))
        }
        logger.info("platform sign-in", ["account": .text(account.id), "peer": .text(call.context.peer)])
        var response = answer
        response.token = token
        return response
    }

    /// A new session's token (given once, never stored) and its record.
    private func newSession(_ accountID: String, peer: String, now: Int64) -> (String, SessionRecord) {
        let token = Token.generate()
        return (token, SessionRecord(tokenHash: Token.storageHash(token), accountID: accountID, createTime: now,
                                     expireTime: now + settings.sessionSeconds, peer: peer))
    }

    /// A refused login attempt for the audit log (who tried, from where, how it ended).
    private func audit(accountID: String, context: CallContext, outcome: String) {
        do {
            try store.write { tx in
                try kit.audit.append(tx, time: settings.clock.nowNanos(), accountID: accountID, method: context.method, target: nil,
                                     peer: context.peer, outcome: outcome)
            }
        } catch {
            logger.error("cannot write the audit log", ["method": .text(context.method), "error": .text(String(describing: error))])
        }
    }

    /// The refusal, later once guessing has gone on: without holding a worker. Past the
    /// lock threshold it comes at once again, as for a locked account, so an unknown
    /// username keeps answering exactly like a known one.
    private func answerFailure(failures: Int, refusal: RPCError = Self.refusal) throws -> Never {
        if failures > settings.slowDownAfterFailures, failures < settings.lockAfterFailures {
            let delay = min(settings.maxFailureDelaySeconds, 0.25 * Double(failures - settings.slowDownAfterFailures))
            throw DelayedFailure(refusal, delaySeconds: delay)
        }
        throw refusal
    }

    /// Counts a failed password check of a known account and answers it.
    private func failedAttempt(_ account: AccountRecord, now: Int64, context: CallContext, reason: String, refusal: RPCError) throws -> Never {
        let failures = try storeCall(context) {
            try store.write { tx in
                let failures = try tx.recordFailedLogin(accountID: account.id, now: now, lockAfter: settings.lockAfterFailures,
                                                        lockUntil: now + settings.lockSeconds)
                if context.method == UserService.login.path {
                    try kit.audit.append(tx, time: settings.clock.nowNanos(), accountID: account.id, method: context.method, target: nil,
                                         peer: context.peer, outcome: refusal.status.name)
                }
                return failures
            }
        }
        logger.info("login refused", ["reason": .text(reason), "account": .text(account.id),
                                      "failures": .int(Int64(failures)), "peer": .text(context.peer)])
        if failures >= settings.lockAfterFailures {
            logger.notice("account locked", ["account": .text(account.id), "seconds": .int(settings.lockSeconds)])
            throw refusal
        }
        try answerFailure(failures: failures, refusal: refusal)
    }

    func logout(_ call: Call) throws -> LogoutResponse {
        guard let hash = call.caller.sessionHash else {
            throw RPCError(.failedPrecondition, "an API token is not a session; an administrator revokes it")
        }
        call.target = AuditLog.Target(type: "session", id: Self.sessionID(hash))
        let response = try call.write { tx in
            try tx.revokeSession(tokenHash: hash, at: call.now)
            return LogoutResponse()
        }
        logger.info("logout", ["account": .text(call.caller.id)])
        return response
    }

    func whoAmI(_ call: Call) -> WhoAmIResponse {
        WhoAmIResponse(account: Convert.account(call.caller.account),
                       sessionExpireTime: Time(seconds: call.caller.sessionExpireTime), subjectId: call.caller.subjectID)
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
            try failedAttempt(account, now: call.now, context: call.context, reason: "wrong old password",
                              refusal: RPCError.invalidArgument(field: "old_password", "is not the current password"))
        }
        let hash = try PasswordHasher.hash(request.newPassword)
        return try call.write { tx in
            // Only the hash changes, and only if nobody (an administrator disabling the account
            // or changing its grants) changed the account since this call authenticated.
            guard try tx.setPasswordHash(accountID: account.id, hash: hash, ifVersion: account.version) else {
                throw RPCError(.aborted, "your account changed while the password was being changed; try again")
            }
            try tx.revokeSessions(accountID: account.id, except: call.caller.sessionHash, at: call.now)
            return ChangePasswordResponse()
        }
    }

    /// A session's public id: the first 16 hex digits of its token's hash (the hash is
    /// not the token, and these digits are not enough to find the row without the list).
    static func sessionID(_ hash: [UInt8]) -> String { Digest.hex(Array(hash.prefix(8))) }

    private func liveSessions(_ call: Call) throws -> [SessionRecord] {
        let now = call.now
        let idleSince = settings.sessionIdleSeconds > 0 ? now - settings.sessionIdleSeconds + 1 : 0
        return try call.read { try $0.sessions(accountID: call.caller.id, now: now, idleSince: idleSince) }
    }

    func listSessions(_ call: Call) throws -> ListSessionsResponse {
        ListSessionsResponse(sessions: try liveSessions(call).map { s in
            Session(id: Self.sessionID(s.tokenHash), createTime: Time(seconds: s.createTime), expireTime: Time(seconds: s.expireTime),
                    peer: s.peer, current: s.tokenHash == call.caller.sessionHash)
        })
    }

    func revokeSession(_ request: RevokeSessionRequest, _ call: Call) throws -> RevokeSessionResponse {
        guard let match = try liveSessions(call).first(where: { Self.sessionID($0.tokenHash) == request.id }) else {
            throw RPCError(.notFound, "no such session")
        }
        call.target = AuditLog.Target(type: "session", id: request.id)
        return try call.write { tx in
            try tx.revokeSession(tokenHash: match.tokenHash, at: call.now)
            return RevokeSessionResponse()
        }
    }
}
