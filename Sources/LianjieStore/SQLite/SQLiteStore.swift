import Foundation
import Synchronization

/// The embedded store: one SQLite database in WAL mode inside the data directory.
///
/// One writer connection serializes every write in explicit transactions; a small pool
/// of reader connections serves reads concurrently from WAL snapshots. Each connection
/// sits behind its own mutex, so no connection is ever used by two threads at once.
public final class SQLiteStore: Store {
    /// A connection behind its own lock (Mutex cannot sit in an array by itself).
    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection>
        init(_ c: sending SQLiteConnection) { connection = Mutex(c) }
    }

    private let writer: Slot
    private let readers: [Slot]
    private let nextReader = Atomic<Int>(0)
    /// `data-dir/lianjie.db`
    public let databasePath: String

    /// Opens (creating if needed) the database in `directory` and migrates it.
    /// - Throws: `.unavailable` if the directory cannot be used, `.tooNew` if a newer
    ///   Lianjie wrote the database.
    public init(directory: String, readers: Int = 4) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.unavailable, "cannot create the data directory", detail: "\(directory): \(error)")
        }
        databasePath = (directory as NSString).appendingPathComponent("lianjie.db")
        let w = try SQLiteConnection(path: databasePath, readOnly: false)
        try w.exec("PRAGMA journal_mode = WAL")
        try w.exec("PRAGMA synchronous = NORMAL")
        try w.exec("PRAGMA foreign_keys = ON")
        try Self.migrate(w)
        writer = Slot(w)
        var pool: [Slot] = []
        for _ in 0..<max(1, readers) {
            let r = try SQLiteConnection(path: databasePath, readOnly: true)
            try r.exec("PRAGMA query_only = ON")
            pool.append(Slot(r))
        }
        self.readers = pool
        _ = chmod(databasePath, 0o600)
    }

    private static func migrate(_ db: SQLiteConnection) throws(StoreError) {
        try db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT")
        let current = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0)
        guard current <= Migrations.steps.count else {
            throw StoreError(.tooNew, "the database was written by a newer version of Lianjie",
                             detail: "schema version \(current), this build knows \(Migrations.steps.count)")
        }
        for version in (current + 1)...max(current + 1, Migrations.steps.count) where version <= Migrations.steps.count {
            try db.transaction { () throws(StoreError) in
                try db.exec(Migrations.steps[version - 1])
                try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                             [.int(Int64(version)), .int(Int64(Date().timeIntervalSince1970))])
            }
        }
    }

    private func read<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        let i = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        return try readers[i].connection.withLock { (c: inout SQLiteConnection) throws(StoreError) -> T in try body(c) }
    }

    @discardableResult
    private func write<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try writer.connection.withLock { (c: inout SQLiteConnection) throws(StoreError) -> T in
            try c.transaction { () throws(StoreError) -> T in try body(c) }
        }
    }

    public func schemaVersion() throws(StoreError) -> Int {
        try read { db throws(StoreError) in Int(try db.query("SELECT MAX(version) FROM schema_migrations").first?.first?.int ?? 0) }
    }

    // MARK: Accounts

    public func accountCount() throws(StoreError) -> Int {
        try read { db throws(StoreError) in Int(try db.query("SELECT COUNT(*) FROM accounts").first?.first?.int ?? 0) }
    }

    public func createAccount(_ a: AccountRecord) throws(StoreError) {
        try write { db throws(StoreError) in
            do throws(StoreError) {
                try db.query("""
                    INSERT INTO accounts (id, username, username_key, display_name, password_hash, disabled,
                                          failed_logins, locked_until, create_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(a.id), .text(a.username), .text(a.username.lowercased()), .text(a.displayName),
                          .text(a.passwordHash), .int(a.disabled ? 1 : 0), .int(Int64(a.failedLogins)),
                          .int(a.lockedUntil), .int(a.createTime)])
            } catch {
                if error.code == .conflict {
                    throw StoreError(.conflict, "the username \(a.username) is taken", detail: error.detail)
                }
                throw error
            }
            for g in a.grants {
                try db.query("INSERT INTO account_grants (account_id, role, organization_id) VALUES (?, ?, ?)",
                             [.text(a.id), .text(g.role), .text(g.organizationID)])
            }
        }
    }

    private static let accountColumns = """
        SELECT id, username, display_name, password_hash, create_time, disabled, failed_logins, locked_until FROM accounts
        """

    private func account(where clause: String, _ value: String) throws(StoreError) -> AccountRecord? {
        try read { db throws(StoreError) -> AccountRecord? in
            guard let r = try db.query("\(Self.accountColumns) WHERE \(clause) = ?", [.text(value)]).first else { return nil }
            let grants = try db.query("SELECT role, organization_id FROM account_grants WHERE account_id = ? ORDER BY role, organization_id",
                                      [r[0]]).map { GrantRecord(role: $0[0].text, organizationID: $0[1].text) }
            return AccountRecord(id: r[0].text, username: r[1].text, displayName: r[2].text, passwordHash: r[3].text,
                                 grants: grants, createTime: r[4].int, disabled: r[5].int != 0,
                                 failedLogins: Int(r[6].int), lockedUntil: r[7].int)
        }
    }

    public func account(id: String) throws(StoreError) -> AccountRecord? {
        try account(where: "id", id)
    }

    public func account(username: String) throws(StoreError) -> AccountRecord? {
        try account(where: "username_key", username.lowercased())
    }

    public func recordFailedLogin(accountID: String, now: Int64, lockAfter: Int, lockUntil: Int64) throws(StoreError) -> Int {
        try write { db throws(StoreError) -> Int in
            try db.query("""
                UPDATE accounts SET failed_logins = 0, locked_until = 0
                WHERE id = ? AND locked_until != 0 AND locked_until <= ?
                """, [.text(accountID), .int(now)])
            try db.query("UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ?", [.text(accountID)])
            let count = Int(try db.query("SELECT failed_logins FROM accounts WHERE id = ?", [.text(accountID)]).first?.first?.int ?? 0)
            if count >= lockAfter {
                try db.query("UPDATE accounts SET locked_until = ? WHERE id = ?", [.int(lockUntil), .text(accountID)])
            }
            return count
        }
    }

    public func resetLoginFailures(accountID: String) throws(StoreError) {
        try write { db throws(StoreError) in
            try db.query("UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = ?", [.text(accountID)])
        }
    }

    // MARK: Sessions

    public func createSession(_ s: SessionRecord) throws(StoreError) {
        try write { db throws(StoreError) in
            try db.query("INSERT INTO sessions (token_hash, account_id, create_time, expire_time, revoke_time, peer) VALUES (?, ?, ?, ?, ?, ?)",
                         [.blob(s.tokenHash), .text(s.accountID), .int(s.createTime), .int(s.expireTime), .int(s.revokeTime), .text(s.peer)])
        }
    }

    public func session(tokenHash: [UInt8]) throws(StoreError) -> SessionRecord? {
        try read { db throws(StoreError) -> SessionRecord? in
            guard let r = try db.query("SELECT account_id, create_time, expire_time, revoke_time, peer FROM sessions WHERE token_hash = ?",
                                       [.blob(tokenHash)]).first else { return nil }
            return SessionRecord(tokenHash: tokenHash, accountID: r[0].text, createTime: r[1].int, expireTime: r[2].int,
                                 revokeTime: r[3].int, peer: r[4].text)
        }
    }

    @discardableResult
    public func revokeSession(tokenHash: [UInt8], at time: Int64) throws(StoreError) -> Bool {
        try write { db throws(StoreError) -> Bool in
            try db.query("UPDATE sessions SET revoke_time = ? WHERE token_hash = ? AND revoke_time = 0", [.int(time), .blob(tokenHash)])
            return db.changes > 0
        }
    }
}
