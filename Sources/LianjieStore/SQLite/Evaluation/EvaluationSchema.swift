/// The schema steps of evaluation analysis.
enum EvaluationSchema {
    static let steps: [String] = [
        // 1: runs and their results; alerts with their history; the notification outbox.
        """
        CREATE TABLE evaluation_runs (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            period_kind INTEGER NOT NULL,
            period_year INTEGER NOT NULL,
            period_index INTEGER NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            categories TEXT NOT NULL,
            scope_key TEXT NOT NULL,
            scheme_version INTEGER NOT NULL,
            scheme_hash TEXT NOT NULL,
            rules_hash TEXT NOT NULL,
            evaluation_date TEXT NOT NULL,
            state INTEGER NOT NULL,
            subjects_total INTEGER NOT NULL,
            subjects_done INTEGER NOT NULL,
            phase TEXT NOT NULL,
            heartbeat INTEGER NOT NULL,
            grades TEXT NOT NULL,
            person_times INTEGER NOT NULL,
            inputs_sha256 TEXT NOT NULL,
            results_sha256 TEXT NOT NULL,
            created_by TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            finish_time INTEGER NOT NULL,
            published_by TEXT NOT NULL,
            publish_time INTEGER NOT NULL,
            publish_note TEXT NOT NULL,
            is_current INTEGER NOT NULL,
            superseded_by TEXT NOT NULL,
            supersede_time INTEGER NOT NULL,
            supersede_reason TEXT NOT NULL,
            supersedes TEXT NOT NULL,
            end_reason TEXT NOT NULL,
            alerts_raised INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX evaluation_runs_current ON evaluation_runs(scope_key, period_kind, period_year, period_index, scheme_version)
            WHERE is_current = 1;
        CREATE INDEX evaluation_runs_by_state ON evaluation_runs(state);
        -- A published run never changes what it computed: only its supersession may be set.
        CREATE TRIGGER evaluation_runs_published_frozen BEFORE UPDATE ON evaluation_runs
            WHEN OLD.state = 3 AND (NEW.state != 3 OR NEW.inputs_sha256 != OLD.inputs_sha256
                OR NEW.results_sha256 != OLD.results_sha256 OR NEW.grades != OLD.grades OR NEW.person_times != OLD.person_times
                OR NEW.scheme_version != OLD.scheme_version OR NEW.evaluation_date != OLD.evaluation_date
                OR NEW.published_by != OLD.published_by OR NEW.publish_time != OLD.publish_time)
            BEGIN SELECT RAISE(ABORT, 'a published evaluation run never changes'); END;
        CREATE TRIGGER evaluation_runs_no_delete BEFORE DELETE ON evaluation_runs
            BEGIN SELECT RAISE(ABORT, 'an evaluation run is never deleted'); END;
        CREATE TABLE evaluation_results (
            run_id TEXT NOT NULL REFERENCES evaluation_runs(id),
            subject_id TEXT NOT NULL,
            employee_number TEXT NOT NULL,
            subject_name TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            category_code TEXT NOT NULL,
            post_code TEXT NOT NULL,
            post_coefficient INTEGER NOT NULL,
            no_data INTEGER NOT NULL,
            total TEXT NOT NULL,
            total_units INTEGER NOT NULL,
            grade INTEGER NOT NULL,
            veto_entries TEXT NOT NULL,
            dimensions TEXT NOT NULL,
            counted_entries INTEGER NOT NULL,
            organization_rank INTEGER NOT NULL,
            organization_peers INTEGER NOT NULL,
            organization_percentile INTEGER NOT NULL,
            category_rank INTEGER NOT NULL,
            category_peers INTEGER NOT NULL,
            category_percentile INTEGER NOT NULL,
            previous_run_id TEXT NOT NULL,
            previous_total TEXT NOT NULL,
            previous_grade INTEGER NOT NULL,
            inputs BLOB NOT NULL,
            result_sha256 TEXT NOT NULL,
            PRIMARY KEY (run_id, subject_id)
        ) STRICT;
        CREATE INDEX evaluation_results_by_subject ON evaluation_results(subject_id);
        CREATE TRIGGER evaluation_results_no_update BEFORE UPDATE ON evaluation_results
            BEGIN SELECT RAISE(ABORT, 'an evaluation result never changes'); END;
        CREATE TRIGGER evaluation_results_published_kept BEFORE DELETE ON evaluation_results
            WHEN (SELECT state FROM evaluation_runs WHERE id = OLD.run_id) = 3
            BEGIN SELECT RAISE(ABORT, 'a published evaluation result is never deleted'); END;
        CREATE TABLE alerts (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            rule TEXT NOT NULL,
            kind TEXT NOT NULL,
            condition TEXT NOT NULL,
            severity INTEGER NOT NULL,
            subject_id TEXT NOT NULL,
            subject_name TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            period_kind INTEGER NOT NULL,
            period_year INTEGER NOT NULL,
            period_index INTEGER NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            state INTEGER NOT NULL,
            summary TEXT NOT NULL,
            entry_ids TEXT NOT NULL,
            work_orders TEXT NOT NULL,
            run_id TEXT NOT NULL,
            scheme_version INTEGER NOT NULL,
            raise_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX alerts_by_subject ON alerts(subject_id);
        CREATE TABLE alert_events (
            alert_id TEXT NOT NULL REFERENCES alerts(id),
            seq INTEGER NOT NULL,
            time INTEGER NOT NULL,
            account_id TEXT NOT NULL,
            action TEXT NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (alert_id, seq)
        ) STRICT;
        CREATE TABLE notification_outbox (
            seq INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            channel TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            payload TEXT NOT NULL,
            create_time INTEGER NOT NULL,
            delivered_time INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX notification_outbox_pending ON notification_outbox(seq) WHERE delivered_time = 0;
        """,
        // 2: the case an alert became (result use).
        "ALTER TABLE alerts ADD COLUMN case_id TEXT NOT NULL DEFAULT ''",
        // 3: the outbox's delivery: pending, delivered or dead; when the next attempt is
        //    due; until when a drainer's claim holds; why the last attempt failed.
        """
        ALTER TABLE notification_outbox ADD COLUMN state INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notification_outbox ADD COLUMN next_attempt_time INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notification_outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE notification_outbox ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
        UPDATE notification_outbox SET state = 1 WHERE delivered_time > 0;
        CREATE INDEX notification_outbox_due ON notification_outbox(next_attempt_time, seq) WHERE state = 0;
        CREATE INDEX notification_outbox_by_state ON notification_outbox(state, seq);
        """,
    ]
}
