import Foundation
import Synchronization

/// The embedded store: one SQLite database in WAL mode inside the data directory.
///
/// One writer connection serializes every write in explicit IMMEDIATE transactions; a
/// small pool of reader connections serves reads concurrently from WAL snapshots. Each
/// connection sits behind its own mutex, so no connection is ever used by two threads.
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

    /// Opens (creating if needed) the database in `directory` and migrates it. A write
    /// that finds the database locked by another process for `busyTimeoutMs` fails `.busy`.
    /// - Throws: `.unavailable` if the directory cannot be used, `.tooNew` if a newer
    ///   Lianjie wrote the database.
    public init(directory: String, readers: Int = 4, busyTimeoutMs: Int32 = 5000) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.unavailable, "cannot create the data directory", detail: "\(directory): \(error)")
        }
        databasePath = (directory as NSString).appendingPathComponent("lianjie.db")
        let w = try SQLiteConnection(path: databasePath, readOnly: false, busyTimeoutMs: busyTimeoutMs)
        try w.exec("PRAGMA journal_mode = WAL")
        try w.exec("PRAGMA synchronous = FULL")
        try w.exec("PRAGMA foreign_keys = ON")
        try Self.migrate(w)
        writer = Slot(w)
        var pool: [Slot] = []
        for _ in 0..<max(1, readers) {
            let r = try SQLiteConnection(path: databasePath, readOnly: true, busyTimeoutMs: busyTimeoutMs)
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
        for version in (current + 1)..<(Migrations.steps.count + 1) {
            try db.transaction { () throws(StoreError) in
                try db.exec(Migrations.steps[version - 1])
                try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                             [.int(Int64(version)), .int(Int64(Date().timeIntervalSince1970))])
            }
        }
    }

    public func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T {
        let i = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        return try readers[i].connection.withLock { c in
            // A read transaction gives the body one consistent snapshot. (Prepared and
            // reused like every other statement: no SQL is parsed per call.)
            try c.query("BEGIN")
            defer { _ = try? c.query("COMMIT") }
            return try body(SQLiteAccess(c))
        }
    }

    public func write<T: Sendable>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try writer.connection.withLock { c in
            try c.query("BEGIN IMMEDIATE")
            do {
                let result = try body(SQLiteAccess(c))
                try c.query("COMMIT")
                return result
            } catch {
                _ = try? c.query("ROLLBACK")
                throw error
            }
        }
    }
}
