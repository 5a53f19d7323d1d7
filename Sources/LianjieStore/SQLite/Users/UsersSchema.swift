/// The schema steps of user management.
enum UsersSchema {
    static let steps: [String] = [
        // 1: when each session was last used, for the idle timeout.
        """
        ALTER TABLE sessions ADD COLUMN last_seen_time INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_seen_time = create_time;
        """,
        // 2: the messaging-platform user an account is linked to (sign-in from the
        //    messaging app, notifications), one account per platform user.
        """
        ALTER TABLE accounts ADD COLUMN platform_user_id TEXT NOT NULL DEFAULT '';
        CREATE UNIQUE INDEX accounts_by_platform_user ON accounts(platform_user_id) WHERE platform_user_id != '';
        """,
    ]
}
