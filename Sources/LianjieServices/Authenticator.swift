import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieStore

/// Who is calling: the account and session behind a call's bearer token.
struct Principal: Sendable {
    var account: AccountRecord
    var session: SessionRecord
}

/// Turns `authorization: Bearer <token>` into a `Principal`, or UNAUTHENTICATED.
struct Authenticator: Sendable {
    let store: any Store
    let logger: Logger

    /// The caller's principal. A missing, malformed, unknown, expired or revoked token, or
    /// a disabled account, all give the same UNAUTHENTICATED answer.
    func authenticate(_ context: CallContext) throws(RPCError) -> Principal {
        let refusal = RPCError(.unauthenticated, "missing, expired or revoked token; log in again")
        guard let token = context.bearerToken, Token.isWellFormed(token) else { throw refusal }
        do {
            guard let session = try store.session(tokenHash: Token.storageHash(token)),
                  session.revokeTime == 0, session.expireTime > Services.now(),
                  let account = try store.account(id: session.accountID), !account.disabled else {
                throw refusal
            }
            return Principal(account: account, session: session)
        } catch let error as StoreError {
            throw Services.rpcError(error, logger: logger, method: context.method)
        } catch let error as RPCError {
            throw error
        } catch {
            throw refusal
        }
    }
}
