/// The SQLite schema, one step per version. Steps are append-only: never edit a
/// released one; add the next.
enum Migrations {
    static let steps: [String] = [
        // 1: accounts, their grants, and sessions.
        """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            username_key TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0,
            failed_logins INTEGER NOT NULL DEFAULT 0,
            locked_until INTEGER NOT NULL DEFAULT 0,
            create_time INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE account_grants (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            role TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            PRIMARY KEY (account_id, role, organization_id)
        ) STRICT;
        CREATE TABLE sessions (
            token_hash BLOB PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            create_time INTEGER NOT NULL,
            expire_time INTEGER NOT NULL,
            revoke_time INTEGER NOT NULL DEFAULT 0,
            peer TEXT NOT NULL
        ) STRICT;
        CREATE INDEX sessions_by_account ON sessions(account_id);
        """,
    ]
}
