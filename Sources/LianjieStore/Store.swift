/// The storage seam: everything the services keep goes through this protocol, so a
/// PostgreSQL store can replace the embedded SQLite one without touching them.
///
/// Implementations are thread-safe. Methods throw `StoreError`; its `message` is safe to
/// show a person, its `detail` (SQL, codes) is for the server log only.
public protocol Store: Sendable {
    /// The schema version now in force.
    func schemaVersion() throws(StoreError) -> Int

    // MARK: Accounts
    func accountCount() throws(StoreError) -> Int
    /// Creates an account; ALREADY_EXISTS-style `.conflict` when the username is taken.
    func createAccount(_ account: AccountRecord) throws(StoreError)
    func account(id: String) throws(StoreError) -> AccountRecord?
    /// Looks up by username, case-insensitively.
    func account(username: String) throws(StoreError) -> AccountRecord?
    /// Counts one more failed login, atomically: if an earlier lock has run out (it ended
    /// at or before `now`), the count starts again from zero; when the count reaches
    /// `lockAfter`, the account is locked until `lockUntil`. Returns the failures in a row,
    /// this one included.
    func recordFailedLogin(accountID: String, now: Int64, lockAfter: Int, lockUntil: Int64) throws(StoreError) -> Int
    /// Clears the failure count and any lock (after a successful login).
    func resetLoginFailures(accountID: String) throws(StoreError)

    // MARK: Sessions
    func createSession(_ session: SessionRecord) throws(StoreError)
    /// The session whose token hashes to `tokenHash`, revoked or not.
    func session(tokenHash: [UInt8]) throws(StoreError) -> SessionRecord?
    /// Marks a session revoked; false when there was none.
    @discardableResult
    func revokeSession(tokenHash: [UInt8], at time: Int64) throws(StoreError) -> Bool
}

/// A role held on an organisation subtree, as stored.
public struct GrantRecord: Sendable, Equatable, Hashable {
    /// `admin`, `inspector`, `manager`, `hr`, `employee`, `service`, `auditor`.
    public var role: String
    /// Root of the subtree; empty for the whole deployment.
    public var organizationID: String

    public init(role: String, organizationID: String) {
        self.role = role
        self.organizationID = organizationID
    }
}

public struct AccountRecord: Sendable, Equatable {
    public var id: String
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var grants: [GrantRecord]
    /// Unix seconds.
    public var createTime: Int64
    public var disabled: Bool
    public var failedLogins: Int
    /// Unix seconds until which logins are refused; 0 when not locked.
    public var lockedUntil: Int64

    public init(id: String, username: String, displayName: String, passwordHash: String, grants: [GrantRecord],
                createTime: Int64, disabled: Bool = false, failedLogins: Int = 0, lockedUntil: Int64 = 0) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.grants = grants
        self.createTime = createTime
        self.disabled = disabled
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
    }
}

public struct SessionRecord: Sendable, Equatable {
    /// SHA-256 of the bearer token; the token itself is never stored.
    public var tokenHash: [UInt8]
    public var accountID: String
    public var createTime: Int64
    public var expireTime: Int64
    /// Unix seconds of revocation; 0 while valid.
    public var revokeTime: Int64
    /// The address the session was created from.
    public var peer: String

    public init(tokenHash: [UInt8], accountID: String, createTime: Int64, expireTime: Int64,
                revokeTime: Int64 = 0, peer: String) {
        self.tokenHash = tokenHash
        self.accountID = accountID
        self.createTime = createTime
        self.expireTime = expireTime
        self.revokeTime = revokeTime
        self.peer = peer
    }
}

/// A store operation failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A uniqueness rule was broken (a duplicate natural key).
        case conflict
        /// The data directory or database cannot be used (permissions, corruption, disk full).
        case unavailable
        /// The database was written by a newer version of Lianjie.
        case tooNew
        /// Anything else.
        case failed
    }

    public var code: Code
    /// Safe to show a person.
    public var message: String
    /// For the server log: SQL, result codes, paths.
    public var detail: String

    public init(_ code: Code, _ message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? message : "\(message) (\(detail))" }
}
