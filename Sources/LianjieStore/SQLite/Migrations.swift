/// The SQLite schema.
///
/// `foundation` is the history from before the store had areas, recorded in
/// `schema_migrations`; it is frozen. Since then each area keeps its own steps beside its
/// statements (`Kit/KitSchema.swift`, `Users/UsersSchema.swift`, …), recorded per area in
/// `module_migrations` and applied in `modules` order (an area may rely on the ones
/// before it). Steps are append-only: never edit a released one; add the next.
enum Migrations {
    /// The areas, lowest first.
    static let modules: [(name: String, steps: [String])] = [("kit", KitSchema.steps), ("users", UsersSchema.steps), ("entry", EntrySchema.steps),
                                                                  ("evaluation", EvaluationSchema.steps), ("result_use", ResultUseSchema.steps)]

    static let foundation: [String] = [
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
        // 2: user management: account kinds and versions, API tokens, organisations,
        //    categories, posts, subjects and placements, the audit log, idempotency.
        """
        ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';
        ALTER TABLE accounts ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
        ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            token_hash BLOB NOT NULL UNIQUE,
            description TEXT NOT NULL,
            prefix TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            expire_time INTEGER NOT NULL,
            revoke_time INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX api_tokens_by_account ON api_tokens(account_id);
        CREATE TABLE organizations (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind INTEGER NOT NULL,
            parent_id TEXT NOT NULL,
            path TEXT NOT NULL UNIQUE,
            active INTEGER NOT NULL,
            create_time INTEGER NOT NULL,
            update_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX organizations_by_parent ON organizations(parent_id);
        CREATE TABLE categories (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL
        ) STRICT;
        CREATE TABLE posts (
            id TEXT PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            category_id TEXT NOT NULL REFERENCES categories(id),
            risk_coefficient TEXT NOT NULL
        ) STRICT;
        CREATE TABLE subjects (
            id TEXT PRIMARY KEY,
            employee_number TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            organization_id TEXT NOT NULL REFERENCES organizations(id),
            category_id TEXT NOT NULL REFERENCES categories(id),
            post_id TEXT NOT NULL REFERENCES posts(id),
            position_level INTEGER NOT NULL,
            status INTEGER NOT NULL,
            account_id TEXT NOT NULL,
            post_entry_date TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            update_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX subjects_by_organization ON subjects(organization_id);
        CREATE UNIQUE INDEX subjects_by_account ON subjects(account_id) WHERE account_id != '';
        CREATE TABLE placements (
            subject_id TEXT NOT NULL REFERENCES subjects(id),
            seq INTEGER NOT NULL,
            organization_id TEXT NOT NULL,
            from_date TEXT NOT NULL,
            to_date TEXT NOT NULL,
            reason TEXT NOT NULL,
            changed_by TEXT NOT NULL,
            PRIMARY KEY (subject_id, seq)
        ) STRICT;
        CREATE TABLE audit_log (
            sequence INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            account_id TEXT NOT NULL,
            method TEXT NOT NULL,
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            peer TEXT NOT NULL,
            outcome TEXT NOT NULL,
            previous_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_by_record ON audit_log(record_id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TABLE idempotency (
            account_id TEXT NOT NULL,
            method TEXT NOT NULL,
            request_id TEXT NOT NULL,
            response BLOB NOT NULL,
            create_time INTEGER NOT NULL,
            PRIMARY KEY (account_id, method, request_id)
        ) STRICT;
        """,
    ]
}
