/// The schema steps of result use.
enum ResultUseSchema {
    static let steps: [String] = [
        // 1: cases with their history, and the talks and notices their employees acknowledge.
        """
        CREATE TABLE cases (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            number TEXT NOT NULL UNIQUE,
            subject_id TEXT NOT NULL,
            subject_name TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            source INTEGER NOT NULL,
            summary TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            entry_ids TEXT NOT NULL,
            evidence_ids TEXT NOT NULL,
            state INTEGER NOT NULL,
            handler_id TEXT NOT NULL,
            due_date TEXT NOT NULL,
            disposition_form INTEGER NOT NULL,
            disposition_measure INTEGER NOT NULL,
            disposition_date TEXT NOT NULL,
            disposition_talked_by TEXT NOT NULL,
            disposition_document TEXT NOT NULL,
            disposition_notes TEXT NOT NULL,
            disposed_by TEXT NOT NULL,
            dispose_time INTEGER NOT NULL,
            derived_entry_id TEXT NOT NULL,
            rectification_deadline TEXT NOT NULL,
            rectification_requirements TEXT NOT NULL,
            rectification_report TEXT NOT NULL,
            rectification_reported_by TEXT NOT NULL,
            rectification_report_time INTEGER NOT NULL,
            verified_by TEXT NOT NULL,
            verify_time INTEGER NOT NULL,
            verification_note TEXT NOT NULL,
            conclusion TEXT NOT NULL,
            closing_evidence_ids TEXT NOT NULL,
            closed_by TEXT NOT NULL,
            close_time INTEGER NOT NULL,
            dismissal_reason TEXT NOT NULL,
            escalations INTEGER NOT NULL,
            last_escalation_time INTEGER NOT NULL,
            escalation_key TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            open_time INTEGER NOT NULL,
            update_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX cases_by_subject ON cases(subject_id);
        CREATE INDEX cases_open_by_due ON cases(due_date) WHERE state BETWEEN 2 AND 5;
        CREATE TABLE case_events (
            case_id TEXT NOT NULL REFERENCES cases(id),
            seq INTEGER NOT NULL,
            time INTEGER NOT NULL,
            account_id TEXT NOT NULL,
            action TEXT NOT NULL,
            from_state INTEGER NOT NULL,
            to_state INTEGER NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (case_id, seq)
        ) STRICT;
        CREATE TABLE case_evidence (
            case_id TEXT NOT NULL REFERENCES cases(id),
            evidence_id TEXT NOT NULL,
            PRIMARY KEY (case_id, evidence_id)
        ) STRICT;
        CREATE INDEX case_evidence_by_evidence ON case_evidence(evidence_id);
        CREATE TABLE case_talks (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            case_id TEXT NOT NULL REFERENCES cases(id),
            subject_id TEXT NOT NULL,
            kind INTEGER NOT NULL,
            held_on TEXT NOT NULL,
            held_by TEXT NOT NULL,
            content TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            record_time INTEGER NOT NULL,
            acknowledge_time INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX case_talks_by_subject ON case_talks(subject_id, seq);
        CREATE INDEX case_talks_by_case ON case_talks(case_id, seq);
        """,
    ]
}
