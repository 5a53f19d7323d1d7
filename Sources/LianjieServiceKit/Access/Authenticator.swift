import Dispatch
import LianjieMessages
public import LianjieRPC
public import LianjieRPCServer
import LianjieSecurity
public import LianjieStore
import Synchronization

/// Turns `authorization: Bearer <token>` — a session token or an API token — into a
/// `Caller`, or UNAUTHENTICATED, for the RPC server before it reads a call's body.
///
/// Resolved callers are kept in memory, keyed by the token's hash, so a call costs no
/// store read. An entry is used only while the store's `authGeneration` is the one read
/// before the entry was loaded — every logout, revocation, disable, password or grant
/// change, organisation move, or subject (re)linked to an account bumps it, so such a change
/// takes effect at the very next call; while it is odd (such a change is committing) the
/// cache is passed by — and for at most `callerCacheSeconds`. Losing the cache loses nothing.
/// Thread-safe; runs on the event-loop threads.
public final class Authenticator: CallAuthenticator {
    private struct Entry {
        var caller: Caller
        var generation: UInt64
        var loadedAt: Int64
        /// When the session was last used, as far as this process knows (0 for API tokens).
        var lastSeen: Int64
        var expires: Int64
    }

    /// A token's SHA-256 as four words: a cheap dictionary key.
    private struct Key: Hashable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        init(_ hash: [UInt8]) {
            func word(_ i: Int) -> UInt64 { hash[i..<i + 8].reduce(0) { $0 << 8 | UInt64($1) } }
            a = word(0); b = word(8); c = word(16); d = word(24)
        }
    }

    let store: any Store
    let settings: ServiceSettings
    let logger: Logger
    private let cache = Mutex<[Key: Entry]>([:])
    private let onRefusal: @Sendable (CallHead, RPCError) -> Void
    private let toucher = DispatchQueue(label: "lianjie.session-touch")

    /// Above this many entries the cache starts again from empty.
    static let maxEntries = 100_000
    /// A session's last use is written back at most this often.
    static let touchIntervalSeconds: Int64 = 60

    static let refusal = RPCError(.unauthenticated, "missing, expired or revoked token; log in again")

    /// - Parameter onRefusal: told of each call refused for its token (to audit it).
    public init(store: any Store, settings: ServiceSettings, logger: Logger,
                onRefusal: @escaping @Sendable (CallHead, RPCError) -> Void = { _, _ in }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.onRefusal = onRefusal
    }

    public func authenticate(_ head: CallHead) -> Result<any Sendable, RPCError> {
        do {
            return .success(try authenticate(token: head.bearerToken, method: head.method))
        } catch {
            onRefusal(head, error)
            return .failure(error)
        }
    }

    /// The caller. A missing, malformed, unknown, expired, idle or revoked token, or a
    /// disabled account, all give the same UNAUTHENTICATED answer.
    public func authenticate(token: String?, method: String) throws(RPCError) -> Caller {
        guard let token, Token.isWellFormed(token) else { throw Self.refusal }
        let hash = Token.storageHash(token)
        let key = Key(hash)
        let now = settings.clock.now()
        // Read before the store, so an entry is never labelled newer than what it holds.
        let generation = store.authGeneration
        let idle = settings.sessionIdleSeconds
        // Odd: a change authentication reads is being committed; the cache is passed by.
        let cacheable = generation & 1 == 0
        let hit = !cacheable ? nil : cache.withLock { c -> Caller? in
            guard var e = c[key], e.generation == generation, now - e.loadedAt < settings.callerCacheSeconds,
                  e.expires > now else { return nil }
            if e.caller.sessionHash != nil {
                guard idle == 0 || now - e.lastSeen < idle else { return nil }
                if now - e.lastSeen >= Self.touchIntervalSeconds {
                    e.lastSeen = now
                    c[key] = e
                    touch(hash, at: now)
                }
            }
            return e.caller
        }
        if let hit { return hit }
        let loaded: (Caller, lastSeen: Int64)?
        do {
            loaded = try store.read { r in try Self.load(hash, now: now, idleSeconds: idle, r) }
        } catch let e as StoreError {
            throw StoreErrors.rpcError(e, logger: logger, method: method)
        } catch {
            throw RPCError(.internal, "internal error; the server log has the details")
        }
        guard let (caller, lastSeen) = loaded else {
            cache.withLock { _ = $0.removeValue(forKey: key) }
            throw Self.refusal
        }
        var seen = lastSeen
        if caller.sessionHash != nil, now - lastSeen >= Self.touchIntervalSeconds {
            seen = now
            touch(hash, at: now)
        }
        if cacheable {
            cache.withLock { c in
                if c.count >= Self.maxEntries { c.removeAll() }
                c[key] = Entry(caller: caller, generation: generation, loadedAt: now, lastSeen: seen, expires: caller.sessionExpireTime)
            }
        }
        return caller
    }

    /// Waits until every session use handed to the store so far is written (tests, shutdown).
    public func flushTouches() { toucher.sync {} }

    /// Records a session's use in the store, off the caller's thread.
    private func touch(_ hash: [UInt8], at time: Int64) {
        let store = self.store, logger = self.logger
        toucher.async {
            do { try store.write { try $0.touchSession(tokenHash: hash, at: time) } } catch {
                logger.warning("cannot record a session's last use", ["error": .text(String(describing: error))])
            }
        }
    }

    /// The caller a token hash stands for, with the session's last use; nil when refused.
    static func load(_ hash: [UInt8], now: Int64, idleSeconds: Int64, _ r: any StoreReader) throws -> (Caller, lastSeen: Int64)? {
        var sessionHash: [UInt8]?
        let accountID: String
        let expires: Int64
        var lastSeen: Int64 = 0
        if let s = try r.session(tokenHash: hash) {
            guard s.revokeTime == 0, s.expireTime > now else { return nil }
            guard idleSeconds == 0 || now - s.lastSeenTime < idleSeconds else { return nil }
            sessionHash = hash
            accountID = s.accountID
            expires = s.expireTime
            lastSeen = s.lastSeenTime
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
        let subjectID = try r.subject(accountID: account.id)?.id ?? ""
        return (Caller(account: account, sessionHash: sessionHash, sessionExpireTime: expires, grants: grants, subjectID: subjectID),
                lastSeen)
    }
}
