/// `StoreReader` and `StoreWriter` over one SQLite connection, inside the transaction
/// `SQLiteStore` opened. Lives only for the duration of one `read` or `write` body.
/// Each area's statements are an extension in its own folder (`Kit/`, `Users/`).
final class SQLiteAccess: StoreWriter {
    let db: SQLiteConnection
    /// Set by every statement that changes what authentication reads; the store moves its
    /// `authGeneration` to odd before the transaction commits and to even after.
    var authChanged = false
    /// The audit entry this transaction appended last, so the next append need not read it
    /// back. When part of the transaction is rolled back it is set back to what it was when
    /// that part began (`mark`, `rollBack`).
    var lastAppendedAudit: AuditRecord?

    /// What this access remembers of the transaction so far, as a savepoint begins.
    struct Mark {
        fileprivate let authChanged: Bool
        fileprivate let lastAppendedAudit: AuditRecord?
    }

    var mark: Mark { Mark(authChanged: authChanged, lastAppendedAudit: lastAppendedAudit) }

    /// Forgets what the transaction did after `mark`, as its savepoint is rolled back.
    func rollBack(to mark: Mark) {
        authChanged = mark.authChanged
        lastAppendedAudit = mark.lastAppendedAudit
    }

    init(_ db: SQLiteConnection) { self.db = db }

    /// A condition selecting rows whose `column` (a path) lies in the scope. Paths hold
    /// ids with `_`, a LIKE wildcard, so the test is a prefix comparison, not LIKE.
    func scope(_ filter: ScopeFilter, column: String) -> (String, [SQLValue]) {
        switch filter {
        case .everything: return ("1", [])
        case .subtrees(let paths) where paths.isEmpty: return ("0", [])
        case .subtrees(let paths):
            let parts = paths.map { _ in "substr(\(column), 1, ?) = ?" }
            return ("(" + parts.joined(separator: " OR ") + ")", paths.flatMap { [.int(Int64($0.utf8.count)), .text($0)] })
        }
    }

    /// Runs `body`, giving a uniqueness violation the message a person should see.
    func conflict(_ message: String, _ body: () throws(StoreError) -> Void) throws(StoreError) {
        do { try body() } catch {
            if error.code == .conflict { throw StoreError(.conflict, message, detail: error.detail) }
            throw error
        }
    }

    func count(_ sql: String, _ args: [SQLValue]) throws -> Int {
        Int(try db.query(sql, args).first?.first?.int ?? 0)
    }

    func schemaVersion() throws -> Int {
        try count("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [])
    }
}
