/// The schema steps of data entry.
enum EntrySchema {
    static let steps: [String] = [
        // 1: scheme versions and the draft; entries, their work orders, evidence links and
        //    history; evidence and unfinished uploads.
        """
        CREATE TABLE scheme_versions (
            version INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            document TEXT NOT NULL,
            hash TEXT NOT NULL,
            note TEXT NOT NULL,
            published_by TEXT NOT NULL,
            publish_time INTEGER NOT NULL,
            tag_count INTEGER NOT NULL
        ) STRICT;
        CREATE TRIGGER scheme_versions_no_update BEFORE UPDATE ON scheme_versions
            BEGIN SELECT RAISE(ABORT, 'a published scheme never changes'); END;
        CREATE TRIGGER scheme_versions_no_delete BEFORE DELETE ON scheme_versions
            BEGIN SELECT RAISE(ABORT, 'a published scheme never changes'); END;
        CREATE TABLE scheme_draft (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            document TEXT NOT NULL,
            based_on INTEGER NOT NULL,
            changed_by TEXT NOT NULL,
            change_time INTEGER NOT NULL,
            version INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE entries (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            subject_id TEXT NOT NULL REFERENCES subjects(id),
            tag_library TEXT NOT NULL,
            tag_version INTEGER NOT NULL,
            tag_code TEXT NOT NULL,
            tag_name TEXT NOT NULL,
            dimension TEXT NOT NULL,
            polarity TEXT NOT NULL,
            occurred_on TEXT NOT NULL,
            quantity INTEGER NOT NULL,
            description TEXT NOT NULL,
            source INTEGER NOT NULL,
            status INTEGER NOT NULL,
            recorded_by TEXT NOT NULL,
            record_time INTEGER NOT NULL,
            reviewed_by TEXT NOT NULL,
            review_time INTEGER NOT NULL,
            status_reason TEXT NOT NULL,
            scheme_version INTEGER NOT NULL,
            rule TEXT NOT NULL,
            rule_key TEXT NOT NULL,
            appeal_state INTEGER NOT NULL DEFAULT 0,
            appeal_statement TEXT NOT NULL DEFAULT '',
            appeal_file_time INTEGER NOT NULL DEFAULT 0,
            appeal_decided_by TEXT NOT NULL DEFAULT '',
            appeal_decide_time INTEGER NOT NULL DEFAULT 0,
            appeal_reason TEXT NOT NULL DEFAULT '',
            version INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX entries_by_subject ON entries(subject_id, occurred_on);
        CREATE UNIQUE INDEX entries_by_rule_key ON entries(rule_key) WHERE rule_key != '';
        CREATE TABLE entry_work_orders (
            entry_id TEXT NOT NULL REFERENCES entries(id),
            work_order TEXT NOT NULL,
            PRIMARY KEY (entry_id, work_order)
        ) STRICT;
        CREATE INDEX entry_work_orders_by_order ON entry_work_orders(work_order);
        CREATE TABLE entry_events (
            entry_id TEXT NOT NULL REFERENCES entries(id),
            seq INTEGER NOT NULL,
            time INTEGER NOT NULL,
            account_id TEXT NOT NULL,
            action TEXT NOT NULL,
            status INTEGER NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (entry_id, seq)
        ) STRICT;
        CREATE TABLE evidence (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            file_name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            uploaded_by TEXT NOT NULL,
            create_time INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE entry_evidence (
            entry_id TEXT NOT NULL REFERENCES entries(id),
            evidence_id TEXT NOT NULL REFERENCES evidence(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (entry_id, evidence_id)
        ) STRICT;
        CREATE INDEX entry_evidence_by_evidence ON entry_evidence(evidence_id);
        CREATE TABLE evidence_uploads (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            file_name TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            received INTEGER NOT NULL,
            create_time INTEGER NOT NULL,
            expire_time INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX evidence_uploads_by_expiry ON evidence_uploads(expire_time);
        """,
        // 2: business-expansion work orders with their stages, suspensions and complaints.
        """
        CREATE TABLE work_orders (
            number TEXT PRIMARY KEY,
            type INTEGER NOT NULL,
            customer_ref TEXT NOT NULL,
            design_firm TEXT NOT NULL,
            construction_firm TEXT NOT NULL,
            supply_firm TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            accepted_on TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            update_time INTEGER NOT NULL,
            imported_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX work_orders_by_day ON work_orders(accepted_on);
        CREATE TABLE work_order_stages (
            number TEXT NOT NULL REFERENCES work_orders(number),
            stage INTEGER NOT NULL,
            handler_number TEXT NOT NULL,
            handler_subject_id TEXT NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            limit_days INTEGER NOT NULL,
            PRIMARY KEY (number, stage)
        ) STRICT;
        CREATE INDEX work_order_stages_by_handler ON work_order_stages(handler_subject_id);
        CREATE TABLE work_order_suspensions (
            number TEXT NOT NULL REFERENCES work_orders(number),
            seq INTEGER NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (number, seq)
        ) STRICT;
        CREATE TABLE work_order_complaints (
            number TEXT NOT NULL REFERENCES work_orders(number),
            seq INTEGER NOT NULL,
            time INTEGER NOT NULL,
            summary TEXT NOT NULL,
            PRIMARY KEY (number, seq)
        ) STRICT;
        """,
        // 3: confirmed entries as an evaluation reads them: only the numbers a score needs,
        //    kept together subject by subject in day order, so a run over 10 million entries
        //    reads a couple of hundred megabytes, one subject's rows at a time, instead of
        //    every column of every entry; the tags they name, numbered once. The entry's
        //    writes keep both (createEntry, updateEntry, in the same transaction). `day`
        //    counts days since 1970-01-01. (A PostgreSQL port: the same table with its
        //    primary key, clustered on it.)
        """
        CREATE TABLE tag_refs (
            id INTEGER PRIMARY KEY,
            library TEXT NOT NULL,
            version INTEGER NOT NULL,
            code TEXT NOT NULL,
            UNIQUE (library, version, code)
        ) STRICT;
        CREATE TABLE confirmed_entries (
            subject_id TEXT NOT NULL,
            day INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            tag INTEGER NOT NULL,
            quantity INTEGER NOT NULL,
            PRIMARY KEY (subject_id, day, seq)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO tag_refs (library, version, code)
            SELECT DISTINCT tag_library, tag_version, tag_code FROM entries WHERE status = 2 ORDER BY 1, 2, 3;
        INSERT INTO confirmed_entries (subject_id, day, seq, tag, quantity)
            SELECT e.subject_id, CAST(julianday(e.occurred_on) - 2440587.5 AS INTEGER), e.seq, t.id, e.quantity
            FROM entries e JOIN tag_refs t ON t.library = e.tag_library AND t.version = e.tag_version AND t.code = e.tag_code
            WHERE e.status = 2 ORDER BY 1, 2, 3;
        """,
    ]
}
