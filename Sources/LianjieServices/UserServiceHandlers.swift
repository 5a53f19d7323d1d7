import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieStore

/// `lianjie.v1.UserService`: login, logout, who am I.
struct UserServiceHandlers: Sendable {
    let store: any Store
    let auth: Authenticator
    let settings: ServiceSettings
    let logger: Logger

    func register(on router: inout Router) {
        let s = self
        router.register(UserService.login, execution: .pool) { request, context in try s.login(request, context) }
        router.register(UserService.logout, execution: .pool) { _, context in try s.logout(context) }
        router.register(UserService.whoAmI, execution: .pool) { _, context in try s.whoAmI(context) }
    }

    @discardableResult
    private func storeCall<T>(_ context: CallContext, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError {
            throw Services.rpcError(e, logger: logger, method: context.method)
        }
    }

    func login(_ request: LoginRequest, _ context: CallContext) throws -> LoginResponse {
        var violations: [FieldViolation] = []
        if request.username.isEmpty { violations.append(FieldViolation(field: "username", description: "is required")) }
        if request.password.isEmpty { violations.append(FieldViolation(field: "password", description: "is required")) }
        if request.username.utf8.count > 256 { violations.append(FieldViolation(field: "username", description: "is longer than 256 bytes")) }
        if request.password.utf8.count > 1024 { violations.append(FieldViolation(field: "password", description: "is longer than 1024 bytes")) }
        if let error = RPCError.invalidArguments(violations) { throw error }

        let refusal = RPCError(.unauthenticated, "unknown username or wrong password")
        let now = Services.now()
        guard let account = try storeCall(context, { try store.account(username: request.username) }) else {
            _ = PasswordHasher.verify(request.password, against: PasswordHasher.decoyHash)
            logger.info("login refused", ["reason": "unknown user", "peer": .text(context.peer)])
            throw refusal
        }
        if account.lockedUntil > now {
            logger.info("login refused", ["reason": "locked", "account": .text(account.id), "peer": .text(context.peer)])
            throw RPCError(.resourceExhausted, "too many failed logins; this account is locked for a while, try again later")
        }
        guard PasswordHasher.verify(request.password, against: account.passwordHash), !account.disabled else {
            let failures = try storeCall(context) {
                try store.recordFailedLogin(accountID: account.id, now: now, lockAfter: settings.lockAfterFailures,
                                            lockUntil: now + settings.lockSeconds)
            }
            logger.info("login refused", ["reason": account.disabled ? "disabled" : "wrong password",
                                          "account": .text(account.id), "failures": .int(Int64(failures)), "peer": .text(context.peer)])
            if failures >= settings.lockAfterFailures {
                logger.notice("account locked", ["account": .text(account.id), "seconds": .int(settings.lockSeconds)])
            } else if failures > settings.slowDownAfterFailures {
                // Answer later without holding a worker: guessing gets slower, the pool stays free.
                let delay = min(settings.maxFailureDelaySeconds, 0.25 * Double(failures - settings.slowDownAfterFailures))
                throw DelayedFailure(refusal, delaySeconds: delay)
            }
            throw refusal
        }
        if account.failedLogins > 0 || account.lockedUntil > 0 {
            try storeCall(context, { try store.resetLoginFailures(accountID: account.id) })
        }
        let token = Token.generate()
        let session = SessionRecord(tokenHash: Token.storageHash(token), accountID: account.id, createTime: now,
                                    expireTime: now + settings.sessionSeconds, peer: context.peer)
        try storeCall(context, { try store.createSession(session) })
        logger.info("login", ["account": .text(account.id), "peer": .text(context.peer)])
        return LoginResponse(token: token, expiresAtUnix: session.expireTime, account: Self.account(account))
    }

    func logout(_ context: CallContext) throws -> LogoutResponse {
        let principal = try auth.authenticate(context)
        try storeCall(context, { try store.revokeSession(tokenHash: principal.session.tokenHash, at: Services.now()) })
        logger.info("logout", ["account": .text(principal.account.id)])
        return LogoutResponse()
    }

    func whoAmI(_ context: CallContext) throws -> WhoAmIResponse {
        let principal = try auth.authenticate(context)
        return WhoAmIResponse(account: Self.account(principal.account),
                              sessionExpireTime: Time(seconds: principal.session.expireTime))
    }

    static func account(_ a: AccountRecord) -> Account {
        Account(id: a.id, username: a.username, displayName: a.displayName,
                grants: a.grants.map { RoleGrant(role: RoleNames.role(a: $0.role), organizationId: $0.organizationID) },
                createTime: Time(seconds: a.createTime), disabled: a.disabled)
    }
}

/// Stored role names ↔ the proto enum.
enum RoleNames {
    static let byName: [String: Role] = [
        "admin": .admin, "inspector": .inspector, "manager": .manager, "hr": .hr,
        "employee": .employee, "service": .service, "auditor": .auditor,
    ]

    static func role(a name: String) -> Role { byName[name] ?? .unspecified }
}
