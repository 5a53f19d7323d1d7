/// The schema steps of result use.
enum ResultUseSchema {
    static let steps: [String] = [
        // 1: cases with their history, the talks and notices their employees acknowledge,
        //    integrity opinions with their frozen dossiers, and declared conflicts (recusal).
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
            past_handler_ids TEXT NOT NULL,
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
        CREATE TABLE opinions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            batch_id TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            employee_number TEXT NOT NULL,
            subject_name TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            organization_path TEXT NOT NULL,
            purpose INTEGER NOT NULL,
            purpose_note TEXT NOT NULL,
            state INTEGER NOT NULL,
            proposed INTEGER NOT NULL,
            reasons TEXT NOT NULL,
            dossier_sha256 TEXT NOT NULL,
            dossier BLOB NOT NULL,
            scheme_version INTEGER NOT NULL,
            conclusion INTEGER NOT NULL,
            change_reason TEXT NOT NULL,
            reviewed_by TEXT NOT NULL,
            review_time INTEGER NOT NULL,
            review_note TEXT NOT NULL,
            signed_by TEXT NOT NULL,
            sign_time INTEGER NOT NULL,
            validity_days INTEGER NOT NULL,
            valid_until TEXT NOT NULL,
            due_date TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            request_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX opinions_by_subject ON opinions(subject_id);
        CREATE INDEX opinions_by_batch ON opinions(batch_id);
        CREATE TABLE conflicts (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            relation TEXT NOT NULL,
            note TEXT NOT NULL,
            declare_time INTEGER NOT NULL,
            withdraw_time INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX conflicts_in_force ON conflicts(account_id, subject_id) WHERE withdraw_time = 0;
        CREATE INDEX conflicts_by_subject ON conflicts(subject_id);
        """,
    ]
}
