import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieStore

/// Turns `authorization: Bearer <token>` — a session token or an API token — into a
/// `Caller`, or UNAUTHENTICATED.
struct Authenticator: Sendable {
    let store: any Store
    let logger: Logger

    /// The caller. A missing, malformed, unknown, expired or revoked token, or a disabled
    /// account, all give the same UNAUTHENTICATED answer.
    func authenticate(_ context: CallContext) throws -> Caller {
        let refusal = RPCError(.unauthenticated, "missing, expired or revoked token; log in again")
        guard let token = context.bearerToken, Token.isWellFormed(token) else { throw refusal }
        let hash = Token.storageHash(token)
        let now = Services.now()
        let caller = try Services.storeCall(logger: logger, method: context.method) {
            try store.read { r -> Caller? in
                var sessionHash: [UInt8]?
                let accountID: String
                let expires: Int64
                if let s = try r.session(tokenHash: hash) {
                    guard s.revokeTime == 0, s.expireTime > now else { return nil }
                    sessionHash = hash
                    accountID = s.accountID
                    expires = s.expireTime
                } else if let t = try r.apiToken(tokenHash: hash) {
                    guard t.revokeTime == 0, t.expireTime > now else { return nil }
                    accountID = t.accountID
                    expires = t.expireTime
                } else {
                    return nil
                }
                guard let account = try r.account(id: accountID), !account.disabled else { return nil }
                var grants: [Caller.Grant] = []
                for g in account.grants {
                    let role = RoleNames.role(g.role)
                    if g.organizationID.isEmpty {
                        grants.append(.init(role: role, path: nil))
                    } else if let org = try r.organization(id: g.organizationID) {
                        grants.append(.init(role: role, path: org.path))
                    }
                }
                return Caller(account: account, sessionHash: sessionHash, sessionExpireTime: expires, grants: grants)
            }
        }
        guard let caller else { throw refusal }
        return caller
    }
}
