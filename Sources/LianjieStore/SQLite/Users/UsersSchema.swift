/// The schema steps of user management.
enum UsersSchema {
    static let steps: [String] = [
        // 1: when each session was last used, for the idle timeout.
        """
        ALTER TABLE sessions ADD COLUMN last_seen_time INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_seen_time = create_time;
        """,
    ]
}
