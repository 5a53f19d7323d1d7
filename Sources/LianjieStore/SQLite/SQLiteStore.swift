import Foundation
import Synchronization

/// The embedded store: one SQLite database in WAL mode inside the data directory.
///
/// Reads: a small pool of reader connections serves them concurrently from WAL snapshots.
/// Writes: one writer connection, `synchronous = FULL` (an acknowledged write survives a
/// power cut), and group commit (`GroupCommit`): callers that arrive while a transaction
/// is being committed are carried out together in the next one, so they share its fsync.
/// Checkpoints (copying the WAL into the database) run on a connection of their own in the
/// background (`checkpointIfDue`). Each connection sits behind its own mutex, so no
/// connection is ever used by two threads.
public final class SQLiteStore: Store {
    /// A connection behind its own lock (Mutex cannot sit in an array by itself).
    private final class Slot: Sendable {
        let connection: Mutex<SQLiteConnection>
        init(_ c: sending SQLiteConnection) { connection = Mutex(c) }
    }

    private let writer: Slot
    /// The WAL's size after the writer's last commit, and the connection that copies it
    /// into the database in the background.
    private let walFrames = WALFrames()
    private let checkpointer: Slot
    private let checkpoints = StoreThread(name: "lianjie-checkpoint")
    private let checkpointPending = Atomic<Bool>(false)
    private let checkpointPages: Int
    private let readers: [Slot]
    private let nextReader = Atomic<Int>(0)
    private let commits = GroupCommit()
    /// Even while no change authentication reads is being committed, odd while one is (a
    /// seqlock, like `subjectsGeneration`).
    private let generation = Atomic<UInt64>(0)
    /// Even while no change to subjects or organisations is being committed, odd while one
    /// is (a seqlock: a cache neither uses nor keeps an entry read at an odd value).
    private let subjectsGeneration = Atomic<UInt64>(0)
    /// What `subjectGeneration` follows, as the writer changes it.
    private let subjectTables = TableWatch(["subjects", "organizations"])
    /// `data-dir/lianjie.db`
    public let databasePath: String
    /// `data-dir/blobs/`: evidence files.
    public let blobs: any BlobStore

    /// Opens (creating if needed) the database in `directory` and migrates it. A write
    /// that finds the database locked by another process for `busyTimeoutMs` fails `.busy`.
    /// - Throws: `.unavailable` if the directory cannot be used, `.tooNew` if a newer
    ///   Lianjie wrote the database.
    /// - Parameter checkpointPages: how many WAL frames wait before a checkpoint copies them.
    public init(directory: String, readers: Int = 4, busyTimeoutMs: Int32 = 5000, checkpointPages: Int = 8000) throws(StoreError) {
        self.checkpointPages = max(1, checkpointPages)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.unavailable, "cannot create the data directory", detail: "\(directory): \(error)")
        }
        databasePath = (directory as NSString).appendingPathComponent("lianjie.db")
        blobs = try FileBlobStore(directory: (directory as NSString).appendingPathComponent("blobs"))
        let w = try SQLiteConnection(path: databasePath, readOnly: false, busyTimeoutMs: busyTimeoutMs)
        try w.exec("PRAGMA journal_mode = WAL")
        try w.exec("PRAGMA synchronous = FULL")
        // Checkpoints are this store's own (`checkpointIfDue`), not SQLite's automatic one
        // inside the commit that crosses the threshold.
        try w.exec("PRAGMA wal_autocheckpoint = 0")
        w.reportWALSize(to: walFrames)
        try w.exec("PRAGMA foreign_keys = ON")
        // 64 MiB of page cache (SQLite's default is 2 MiB): a run's results or a burst of
        // entries touch index pages all over, which should be read once per transaction.
        try w.exec("PRAGMA cache_size = -65536")
        try Self.migrate(w)
        // The writes of a batch run in savepoints (`commit`), whose undo pages SQLite keeps
        // in a sub-journal: in a temporary file past 64 KiB (two pwrites a page, once a third
        // of the writer's time under load) unless temporary storage is memory. The price:
        // the writer's own sorts (ORDER BY or GROUP BY without an index inside a write) stay
        // in memory too, so it is set after the migrations, whose index builds may spill.
        try w.exec("PRAGMA temp_store = MEMORY")
        w.report(changesTo: subjectTables)
        writer = Slot(w)
        let k = try SQLiteConnection(path: databasePath, readOnly: false, busyTimeoutMs: busyTimeoutMs)
        try k.exec("PRAGMA synchronous = FULL")
        // A connection opens the WAL at its first read; until then a checkpoint on it copies
        // nothing and still reports success.
        try k.exec("SELECT 1 FROM sqlite_schema LIMIT 1")
        checkpointer = Slot(k)
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
        try db.exec("""
            CREATE TABLE IF NOT EXISTS module_migrations (module TEXT NOT NULL, version INTEGER NOT NULL,
                                                          applied_at INTEGER NOT NULL, PRIMARY KEY (module, version)) STRICT
            """)
        let now = SQLValue.int(Int64(Date().timeIntervalSince1970))
        /// Runs the steps after version `done`, each in its own transaction with the row that records it.
        func apply(_ name: String, _ steps: [String], done: Int, record: (Int) throws(StoreError) -> Void) throws(StoreError) {
            guard done <= steps.count else {
                throw StoreError(.tooNew, "the database was written by a newer version of Lianjie",
                                 detail: "\(name) schema version \(done), this build knows \(steps.count)")
            }
            for version in (done + 1)..<(steps.count + 1) {
                try db.transaction { () throws(StoreError) in
                    try db.exec(steps[version - 1])
                    try record(version)
                }
            }
        }
        let current = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.first?.int ?? 0)
        try apply("foundation", Migrations.foundation, done: current) { (version) throws(StoreError) in
            try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [.int(Int64(version)), now])
        }
        for module in Migrations.modules {
            let done = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM module_migrations WHERE module = ?",
                                        [.text(module.name)]).first?.first?.int ?? 0)
            try apply(module.name, module.steps, done: done) { (version) throws(StoreError) in
                try db.query("INSERT INTO module_migrations (module, version, applied_at) VALUES (?, ?, ?)",
                             [.text(module.name), .int(Int64(version)), now])
            }
        }
    }

    /// A pragma's value on the writer connection, if it is a number (for tests and checks).
    public func writerPragma(_ name: String) throws -> Int64? {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else { return nil }
        return try writer.connection.withLock { c in
            guard case .int(let v)? = try c.query("PRAGMA \(name)").first?.first else { return nil }
            return v
        }
    }

    public var authGeneration: UInt64 { generation.load(ordering: .acquiring) }
    public var subjectGeneration: UInt64 { subjectsGeneration.load(ordering: .acquiring) }

    public func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T {
        // The first free reader from a rotating start; only when all are busy, wait for one.
        // (A read transaction gives the body one consistent snapshot; its statements are
        // prepared once and reused, so no SQL is parsed per call.)
        let start = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        for k in 0..<readers.count {
            // Wrapped, so a body that answers nil is not taken for a busy reader.
            let answer = try readers[(start + k) % readers.count].connection.withLockIfAvailable { c -> ReadAnswer<T> in
                try c.query("BEGIN")
                defer { _ = try? c.query("COMMIT") }
                return ReadAnswer(value: try body(SQLiteAccess(c)))
            }
            if let answer { return answer.value }
        }
        return try readers[start % readers.count].connection.withLock { c -> T in
            try c.query("BEGIN")
            defer { _ = try? c.query("COMMIT") }
            return try body(SQLiteAccess(c))
        }
    }

    /// Each part on a reader connection of its own, on its own thread. Each part first takes
    /// its reader; then, while the writer connection is held (only for that moment), every
    /// part opens its transaction, so no commit falls between them: all parts see the same
    /// snapshot. A long read holding one of the readers delays the parts, never the writer.
    public func readTogether<T: Sendable>(parts requested: Int, _ body: @escaping @Sendable (Int, any StoreReader) throws -> T) throws -> [T] {
        let parts = max(1, requested)
        // Fewer reader connections than parts: every part in turn, in one read.
        guard parts > 1, parts <= readers.count else { return try read { r in try (0..<parts).map { try body($0, r) } } }
        let held = DispatchSemaphore(value: 0), begin = DispatchSemaphore(value: 0)
        let opened = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let results = Mutex<[Result<T, any Error>?]>(Array(repeating: nil, count: parts))
        let group = DispatchGroup()
        for part in 0..<parts {
            let slot = readers[part]
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                slot.connection.withLock { c in
                    held.signal()
                    begin.wait()
                    var result: Result<T, any Error>
                    do {
                        try c.query("BEGIN")
                        // The first read fixes the transaction's snapshot.
                        try c.query("SELECT 1 FROM sqlite_schema LIMIT 1")
                        opened.signal()
                        go.wait()
                        result = Result { try body(part, SQLiteAccess(c)) }
                    } catch {
                        opened.signal()
                        go.wait()
                        result = .failure(error)
                    }
                    _ = try? c.query("COMMIT")
                    results.withLock { $0[part] = result }
                }
            }
        }
        for _ in 0..<parts { held.wait() }
        writer.connection.withLock { _ in
            for _ in 0..<parts { begin.signal() }
            for _ in 0..<parts { opened.wait() }
        }
        for _ in 0..<parts { go.signal() }
        group.wait()
        return try results.withLock { $0 }.map { try $0!.get() }
    }

    public func write<T: Sendable>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try commits.perform(body) { [self] batch in
            try writer.connection.withLock { c in try commit(batch, on: c) }
        }
    }

    public func writeLater<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T,
                                        then: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let result = Mutex<T?>(nil)
        commits.performLater({ access in
            let value = try body(access)
            result.withLock { $0 = value }
        }, completion: { failure in
            if let failure { then(.failure(failure)); return }
            guard let value = result.withLock({ $0 }) else { preconditionFailure("a committed write job left no result") }
            then(.success(value))
        }, commitBatch: { [self] batch in
            try writer.connection.withLock { c in try commit(batch, on: c) }
        })
    }

    /// Runs one batch of writes in one transaction, on the thread of whichever caller leads
    /// it. A body that throws undoes only its own changes: each caller's body runs in a
    /// savepoint of its own, and each run of bodies nobody waits for in one savepoint
    /// together (`runTogether`).
    private func commit(_ batch: [GroupCommit.Job], on c: SQLiteConnection) throws {
        try c.query("BEGIN IMMEDIATE")
        let access = SQLiteAccess(c)
        do {
            var i = 0
            while i < batch.count {
                guard batch[i].rerunnable else {
                    try runAlone(batch[i], access, c)
                    i += 1
                    continue
                }
                var end = i + 1
                while end < batch.count, batch[end].rerunnable { end += 1 }
                try runTogether(batch[i..<end], access, c)
                i = end
            }
        } catch {
            // The savepoint machinery itself failed: nothing of this batch can be trusted.
            _ = try? c.query("ROLLBACK")
            throw error
        }
        // Each generation a change moves is odd from before the change is visible until after
        // it is (a change the batch undid still counts: a needless bump only empties caches).
        let subjectsChanged = subjectTables.changed.exchange(false, ordering: .relaxed)
        let authChanged = access.authChanged
        func step() {
            if subjectsChanged { subjectsGeneration.wrappingAdd(1, ordering: .sequentiallyConsistent) }
            if authChanged { generation.wrappingAdd(1, ordering: .sequentiallyConsistent) }
        }
        step()
        defer { step() }
        do {
            try c.query("COMMIT")
        } catch {
            _ = try? c.query("ROLLBACK")
            throw error
        }
        checkpointIfDue()
    }

    /// Runs `job` in a savepoint of its own; if it throws, its changes are undone and it
    /// fails alone.
    private func runAlone(_ job: GroupCommit.Job, _ access: SQLiteAccess, _ c: SQLiteConnection) throws {
        try c.query("SAVEPOINT job")
        let before = access.mark
        do {
            try job.run(access)
            try c.query("RELEASE job")
        } catch {
            job.fail(error)
            access.rollBack(to: before)
            try c.query("ROLLBACK TO job")
            try c.query("RELEASE job")
        }
    }

    /// Runs rerunnable jobs in one savepoint. A savepoint copies each page it changes into
    /// its journal first, and the writes of one batch touch much the same pages (the ends
    /// of the same tables and indexes), so one savepoint for many bodies copies each page
    /// once instead of once per body. Should one body throw, all of them are undone and run
    /// again in the same order: those before it together, it alone (its outcome is the one
    /// kept, judged on what the others really left), those after it together. So each body
    /// sees exactly what it would have seen in a savepoint of its own. A lone job runs alone.
    private func runTogether(_ jobs: ArraySlice<GroupCommit.Job>, _ access: SQLiteAccess, _ c: SQLiteConnection) throws {
        guard jobs.count > 1 else {
            if let job = jobs.first { try runAlone(job, access, c) }
            return
        }
        try c.query("SAVEPOINT jobs")
        let before = access.mark
        var failed: Int?
        for i in jobs.indices {
            do { try jobs[i].run(access) } catch {
                failed = i
                break
            }
        }
        guard let failed else {
            try c.query("RELEASE jobs")
            return
        }
        try c.query("ROLLBACK TO jobs")
        try c.query("RELEASE jobs")
        access.rollBack(to: before)
        try runTogether(jobs[jobs.startIndex..<failed], access, c)
        try runAlone(jobs[failed], access, c)
        try runTogether(jobs[(failed + 1)...], access, c)
    }

    /// After a commit: once the WAL holds `checkpointPages` frames (8,000 by default, 32 MiB,
    /// rather than SQLite's 1,000: a page written many times in between is copied once), a
    /// background thread copies them into the database, so no commit's callers wait for that
    /// copy and its fsync as they would with SQLite's automatic checkpoint. Should the WAL
    /// reach four times that while a background copy is still under way (the copies cannot
    /// keep up with the writes), the writer waits for it and copies the rest itself, which
    /// holds writes to what the disk takes. A checkpoint that cannot finish (a reader still on
    /// an old snapshot) is tried again after the next commit.
    private func checkpointIfDue() {
        let frames = walFrames.count.load(ordering: .relaxed)
        guard frames >= checkpointPages else { return }
        if checkpointPending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            checkpoints.run { [self] in
                _ = checkpointer.connection.withLock { $0.checkpoint() }
                checkpointPending.store(false, ordering: .releasing)
            }
        } else if frames / 4 >= checkpointPages {
            checkpoints.waitUntilIdle()
            _ = checkpointer.connection.withLock { $0.checkpoint() }
        }
    }

    /// Returns once the background checkpoint under way, if any, is done (for tests).
    public func settleCheckpoints() {
        checkpoints.waitUntilIdle()
    }
}

/// A read's result, told apart from a reader that was busy.
private struct ReadAnswer<T: Sendable>: Sendable {
    let value: T
}
