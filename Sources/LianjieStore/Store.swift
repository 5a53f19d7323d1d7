/// The storage seam: everything the services keep goes through these protocols, so a
/// PostgreSQL store can replace the embedded SQLite one without touching them.
///
/// `read` runs its body against a consistent snapshot; `write` runs it in one
/// serialized transaction that commits when the body returns and rolls back when it
/// throws, so a change, its audit entry and its idempotency record land together or
/// not at all. Implementations are thread-safe; bodies must not call back into the
/// store (no nesting). Store failures are `StoreError`: its `message` is safe to show a
/// person, its `detail` (SQL, codes) is for the server log only.
///
/// Writes are group-committed: bodies that arrive while a commit is under way run one
/// after another in the next transaction, and a body that throws undoes only itself; each
/// `write` returns once that transaction is durable. Many callers share one fsync, so
/// `synchronous = FULL` stays fast.
public protocol Store: Sendable {
    func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T
    func write<T: Sendable>(_ body: (any StoreWriter) throws -> T) throws -> T
    /// Like `write`, but the caller does not wait: `body` joins the next group commit and
    /// `then` runs (on whichever thread commits it) with its result once it is durable, or
    /// with its failure. For a server answering many writes, so that no thread sits out an
    /// fsync per caller. `body` may run more than once (its earlier runs undone, as when a
    /// body beside it in the same transaction failed): only its last run's changes and
    /// result count, so anything it changes outside the store must bear being done twice
    /// (the time of the last idempotency pruning, say, which then waits for its next turn).
    func writeLater<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T,
                                 then: @escaping @Sendable (Result<T, any Error>) -> Void)
    /// Changes whenever a write changing what authentication reads commits: sessions, API
    /// tokens, accounts, grants, organisation paths, or which subject an account is. Odd
    /// from just before such a commit until just after it, even otherwise. A cache of
    /// resolved callers keeps the value it read *before* reading the store, uses and keeps
    /// nothing while it is odd, and is stale once it differs. (An implementation shared by
    /// several processes must change it for writes made by any of them, e.g. through
    /// PostgreSQL's LISTEN/NOTIFY.)
    var authGeneration: UInt64 { get }
    /// Changes whenever a write changing a row of `subjects` or `organizations` commits
    /// (whatever the write path: the SQLite store watches the tables themselves): odd from
    /// just before such a commit until just after it, even otherwise. A cache of subjects
    /// with their organisation keeps the value it read before its read began, uses and keeps
    /// nothing while it is odd, and is stale once it differs; the same multi-process caveat
    /// as `authGeneration`.
    var subjectGeneration: UInt64 { get }
    /// Where file contents (evidence) are kept, beside the rows that describe them.
    var blobs: any BlobStore { get }
    /// Runs `body(part, reader)` for each of `parts` parts at once, on as many threads, every
    /// part reading the same snapshot (for a scan split across cores; a PostgreSQL store
    /// would share one exported snapshot). Returns the parts' results in order.
    func readTogether<T: Sendable>(parts: Int, _ body: @escaping @Sendable (Int, any StoreReader) throws -> T) throws -> [T]
}

extension Store {
    /// The parts one after another in one read (for stores without parallel snapshots).
    public func readTogether<T: Sendable>(parts: Int, _ body: @escaping @Sendable (Int, any StoreReader) throws -> T) throws -> [T] {
        try read { r in try (0..<max(1, parts)).map { try body($0, r) } }
    }

    /// Runs the write at once and then `then` (for stores without a queue of their own).
    public func writeLater<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T,
                                        then: @escaping @Sendable (Result<T, any Error>) -> Void) {
        then(Result { try write(body) })
    }
}

/// Everything the services read: each area's slice.
public protocol StoreReader: KitReader, UsersReader, EntryReader, WorkOrderReader, EvaluationReader, ResultUseReader {
    func schemaVersion() throws -> Int
}

/// Everything the services change: each area's slice.
public protocol StoreWriter: StoreReader, KitWriter, UsersWriter, EntryWriter, WorkOrderWriter, EvaluationWriter, ResultUseWriter {}

/// Which rows a listing may return: everything, or only rows whose organisation lies in
/// one of these subtrees (given by their materialized paths, `/root/…/id/`).
public enum ScopeFilter: Sendable, Equatable {
    case everything
    case subtrees([String])

    public static let nothing = ScopeFilter.subtrees([])
}

/// Keyset paging: return rows after `after` (exclusive), at most `limit`.
public struct Page: Sendable, Equatable {
    public var after: String?
    public var limit: Int

    public init(after: String?, limit: Int) {
        self.after = after
        self.limit = limit
    }
}

/// A store operation failed.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A uniqueness rule was broken (a duplicate natural key).
        case conflict
        /// The data directory or database cannot be used (permissions, corruption, disk full).
        case unavailable
        /// Another connection held the database locked past the busy timeout: retry later.
        case busy
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
