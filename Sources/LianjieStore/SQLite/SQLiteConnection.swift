import CSQLite
import Glibc
import Synchronization

/// The WAL's size in frames after the last commit on a connection.
final class WALFrames: Sendable {
    let count = Atomic<Int>(0)
}

/// Tables whose rows a connection reports changes to (`SQLiteConnection.report(changesTo:)`),
/// and whether any changed since `changed` was last reset.
final class TableWatch: Sendable {
    /// NUL-terminated table names, compared with `strcmp` in the hook.
    let names: [[CChar]]
    let changed = Atomic<Bool>(false)

    init(_ tables: [String]) { names = tables.map { Array($0.utf8CString) } }
}

/// A value bound to or read from a statement.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

/// One SQLite connection with a cache of prepared statements.
///
/// Not thread-safe: `SQLiteStore` keeps each connection behind its own mutex.
final class SQLiteConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Kept alive as long as the WAL hook may use it.
    private var walHookContext: WALFrames?
    /// Kept alive as long as the update hook may use it.
    private var updateHookContext: TableWatch?
    let path: String

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// SQLite's process-wide settings, made once before the first connection opens:
    /// memory statistics off (`lj_sqlite3_config_no_memstatus`; under load the writer spent
    /// 7 % of its time queueing on their mutex). If something in the process initialised
    /// SQLite first, the setting is refused and SQLite works as before.
    private static let configured: Bool = lj_sqlite3_config_no_memstatus() == SQLITE_OK

    init(path: String, readOnly: Bool, busyTimeoutMs: Int32 = 5000) throws(StoreError) {
        _ = Self.configured
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            db = nil
            throw StoreError(.unavailable, "cannot open the database", detail: "\(path): \(message)")
        }
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for s in statements.values { sqlite3_finalize(s) }
        sqlite3_close(db)
    }

    /// Runs SQL text with no parameters (schema, pragmas, transactions).
    func exec(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? ""
            sqlite3_free(message)
            throw error(rc, sql: sql, text: text)
        }
    }

    /// Runs a statement and returns every row; statements are prepared once and reused.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        do { try each(sql, arguments) { rows.append($0) } } catch let e as StoreError { throw e } catch {
            throw StoreError(.failed, "the database operation failed", detail: String(describing: error))
        }
        return rows
    }

    /// Runs a statement and hands each row to `body` as it is read (for results too large
    /// to hold at once). An error `body` throws stops the statement and is rethrown as is.
    func each(_ sql: String, _ arguments: [SQLValue], _ body: ([SQLValue]) throws -> Void) throws {
        let stmt = try prepare(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        try bind(arguments, to: stmt, sql: sql)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, sql: sql) }
            let n = sqlite3_column_count(stmt)
            var row: [SQLValue] = []
            row.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(stmt, c)))
                case SQLITE_TEXT: row.append(.text(String(cString: sqlite3_column_text(stmt, c))))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(stmt, c))
                    if let p = sqlite3_column_blob(stmt, c), count > 0 {
                        row.append(.blob(Array(UnsafeRawBufferPointer(start: p, count: count))))
                    } else {
                        row.append(.blob([]))
                    }
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(stmt, c))))
                }
            }
            try body(row)
        }
    }

    /// Runs a statement and hands `body` the statement positioned on each row, to read its
    /// columns in place (no copies: for scans of millions of rows). The column pointers are
    /// valid only inside `body`.
    func scan(_ sql: String, _ arguments: [SQLValue], _ body: (OpaquePointer) throws -> Void) throws {
        let stmt = try prepare(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        try bind(arguments, to: stmt, sql: sql)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, sql: sql) }
            try body(stmt)
        }
    }

    /// Runs one statement `times` times, `bind` giving the parameters of each in order
    /// straight from the caller's values: for inserting many rows, with no argument array
    /// per row and one statement lookup in all.
    func run(_ sql: String, times: Int, _ bind: (inout Binder, Int) -> Void) throws(StoreError) {
        let stmt = try prepare(sql)
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        let parameters = sqlite3_bind_parameter_count(stmt)
        for i in 0..<times {
            var binder = Binder(stmt: stmt)
            bind(&binder, i)
            guard binder.rc == SQLITE_OK else { throw error(binder.rc, sql: sql) }
            // Every parameter each time: one left out would keep the previous row's value.
            guard binder.next - 1 == parameters else {
                throw error(SQLITE_RANGE, sql: sql, text: "bound \(binder.next - 1) of \(parameters) parameters")
            }
            let rc = sqlite3_step(stmt)
            guard rc == SQLITE_DONE else { throw error(rc, sql: sql) }
            sqlite3_reset(stmt)
        }
    }

    /// A statement's parameters, bound one after another; the first failure is kept.
    struct Binder {
        fileprivate let stmt: OpaquePointer
        fileprivate var next: Int32 = 1
        fileprivate(set) var rc = SQLITE_OK

        fileprivate init(stmt: OpaquePointer) { self.stmt = stmt }

        /// Binds the next parameter, unless one failed already (whose error stays the
        /// connection's last, for the message).
        private mutating func record(_ bind: (Int32) -> Int32) {
            if rc == SQLITE_OK { rc = bind(next) }
            next += 1
        }

        mutating func null() {
            let stmt = stmt
            record { sqlite3_bind_null(stmt, $0) }
        }

        mutating func int(_ v: Int64) {
            let stmt = stmt
            record { sqlite3_bind_int64(stmt, $0, v) }
        }

        mutating func text(_ s: String) {
            let stmt = stmt
            record { sqlite3_bind_text(stmt, $0, s, -1, SQLiteConnection.transient) }
        }

        mutating func blob(_ b: [UInt8]) {
            let stmt = stmt
            record { index in b.withUnsafeBytes { sqlite3_bind_blob(stmt, index, $0.baseAddress, Int32($0.count), SQLiteConnection.transient) } }
        }

        mutating func value(_ v: SQLValue) {
            switch v {
            case .null: null()
            case .int(let i): int(i)
            case .text(let t): text(t)
            case .blob(let b): blob(b)
            }
        }
    }

    private func bind(_ arguments: [SQLValue], to stmt: OpaquePointer, sql: String) throws(StoreError) {
        var binder = Binder(stmt: stmt)
        for a in arguments { binder.value(a) }
        guard binder.rc == SQLITE_OK else { throw error(binder.rc, sql: sql) }
    }

    /// After each commit, tells `frames` how many frames the WAL holds (SQLite's WAL hook,
    /// which replaces SQLite's automatic checkpoint: `SQLiteStore` checkpoints itself).
    /// `PRAGMA wal_autocheckpoint` replaces the hook in turn: set it before this, never after.
    func reportWALSize(to frames: WALFrames) {
        walHookContext = frames
        sqlite3_wal_hook(db, { context, _, _, count in
            Unmanaged<WALFrames>.fromOpaque(context!).takeUnretainedValue().count.store(Int(count), ordering: .relaxed)
            return SQLITE_OK
        }, Unmanaged.passUnretained(frames).toOpaque())
    }

    /// Has `watch` note every row this connection inserts, updates or deletes in one of its
    /// tables (SQLite's update hook: every statement and trigger, but not rows of `WITHOUT
    /// ROWID` tables, rows a `REPLACE` conflict deletes — the insert that replaces them is
    /// noted — or a `DELETE` without `WHERE`, which SQLite may do by truncating: a watched
    /// table must be a rowid table, and emptied with a `WHERE`).
    func report(changesTo watch: TableWatch) {
        updateHookContext = watch
        sqlite3_update_hook(db, { context, _, _, table, _ in
            guard let context, let table else { return }
            let watch = Unmanaged<TableWatch>.fromOpaque(context).takeUnretainedValue()
            if watch.names.contains(where: { strcmp($0, table) == 0 }) { watch.changed.store(true, ordering: .relaxed) }
        }, Unmanaged.passUnretained(watch).toOpaque())
    }

    /// Copies what it can of the WAL into the database without waiting for readers or the
    /// writer (a PASSIVE checkpoint); false when it could not start (another checkpoint
    /// under way, an error), to be tried again after a later commit.
    @discardableResult
    func checkpoint() -> Bool {
        sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil) == SQLITE_OK
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(db)) }
    /// The rowid of the last row inserted on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    /// Runs `body` in one IMMEDIATE transaction; rolls back if it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try exec("COMMIT")
            return result
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }

    private func prepare(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql: sql) }
        statements[sql] = stmt
        return stmt
    }

    private func error(_ rc: Int32, sql: String, text: String? = nil) -> StoreError {
        let message = text ?? String(cString: sqlite3_errmsg(db))
        let detail = "sqlite \(rc): \(message) in: \(sql.prefix(200))"
        switch rc & 0xFF {
        case SQLITE_CONSTRAINT:
            return StoreError(.conflict, "a record with the same key already exists", detail: detail)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.busy, "the database is busy", detail: detail)
        case SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_PERM:
            return StoreError(.unavailable, "the database cannot be written or read", detail: detail)
        default:
            return StoreError(.failed, "the database operation failed", detail: detail)
        }
    }
}

extension SQLValue {
    var int: Int64 { if case .int(let v) = self { return v } else { return 0 } }
    var text: String { if case .text(let s) = self { return s } else { return "" } }
    var blob: [UInt8] { if case .blob(let b) = self { return b } else { return [] } }
}
