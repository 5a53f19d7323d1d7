/// The schema steps of what every service shares: the audit log and idempotency records.
enum KitSchema {
    static let steps: [String] = [
        // 1: the keyed audit chain and the idempotency window. Rows written before keying
        //    are marked; the update trigger now lets through exactly one change, the
        //    re-keying of an unkeyed row's MAC fields, and refuses everything else.
        """
        ALTER TABLE audit_log ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
        DROP TRIGGER audit_log_no_update;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            WHEN NOT (OLD.keyed = 0 AND NEW.keyed = 1 AND NEW.sequence = OLD.sequence AND NEW.time = OLD.time
                      AND NEW.account_id = OLD.account_id AND NEW.method = OLD.method AND NEW.record_type = OLD.record_type
                      AND NEW.record_id = OLD.record_id AND NEW.organization_id = OLD.organization_id
                      AND NEW.organization_path = OLD.organization_path AND NEW.peer = OLD.peer AND NEW.outcome = OLD.outcome)
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        ALTER TABLE idempotency ADD COLUMN fingerprint BLOB NOT NULL DEFAULT x'';
        ALTER TABLE idempotency ADD COLUMN target_type TEXT NOT NULL DEFAULT '';
        ALTER TABLE idempotency ADD COLUMN target_id TEXT NOT NULL DEFAULT '';
        ALTER TABLE idempotency ADD COLUMN organization_path TEXT NOT NULL DEFAULT '';
        CREATE INDEX idempotency_by_time ON idempotency(create_time);
        """,
        // 2: the reason a caller gave for a read that needs one (a dossier), kept in the
        //    entry's content; the update trigger keeps it as unchangeable as the rest.
        """
        ALTER TABLE audit_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';
        DROP TRIGGER audit_log_no_update;
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            WHEN NOT (OLD.keyed = 0 AND NEW.keyed = 1 AND NEW.sequence = OLD.sequence AND NEW.time = OLD.time
                      AND NEW.account_id = OLD.account_id AND NEW.method = OLD.method AND NEW.record_type = OLD.record_type
                      AND NEW.record_id = OLD.record_id AND NEW.organization_id = OLD.organization_id
                      AND NEW.organization_path = OLD.organization_path AND NEW.peer = OLD.peer AND NEW.outcome = OLD.outcome
                      AND NEW.reason = OLD.reason)
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """,
    ]
}
