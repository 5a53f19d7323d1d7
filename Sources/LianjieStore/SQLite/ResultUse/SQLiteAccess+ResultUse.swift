import Foundation

/// Result use: cases with their events, and talks.
extension SQLiteAccess {
    // MARK: Cases

    /// A case is in the scope of its subject's organisation now (it follows a transfer).
    static let caseOrganization = "COALESCE((SELECT organization_id FROM subjects WHERE subjects.id = cases.subject_id), cases.organization_id)"
    static let casePath = """
        COALESCE((SELECT o.path FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE s.id = cases.subject_id), \
        cases.organization_path)
        """

    /// Overdue on a day (bound twice): `CaseRecord.overdueDeadline` in SQL. States 2-5 are
    /// assigned, disposed, rectifying and verified; 4 is rectifying.
    private static let overdue = """
        (state BETWEEN 2 AND 5 AND ((due_date <> '' AND due_date < ?) OR (state = 4 AND rectification_report = '' \
        AND rectification_deadline <> '' AND rectification_deadline < ?)))
        """

    private static let caseColumns = """
        SELECT seq, id, number, subject_id, subject_name, \(caseOrganization), \(casePath), source, summary, alert_id, entry_ids,
               evidence_ids, state, handler_id, due_date, past_handler_ids, disposition_form, disposition_measure, disposition_date,
               disposition_talked_by, disposition_document, disposition_notes, disposed_by, dispose_time, derived_entry_id,
               rectification_deadline, rectification_requirements, rectification_report, rectification_reported_by, rectification_report_time, verified_by,
               verify_time, verification_note, conclusion, closing_evidence_ids, closed_by, close_time, dismissal_reason, escalations,
               last_escalation_time, escalation_key, opened_by, open_time, update_time, version
        FROM cases
        """

    private func caseRow(_ r: [SQLValue]) -> CaseRecord {
        var x = CaseRecord()
        x.seq = r[0].int
        x.id = r[1].text
        x.number = r[2].text
        x.subjectID = r[3].text
        x.subjectName = r[4].text
        x.organizationID = r[5].text
        x.organizationPath = r[6].text
        x.source = Int32(r[7].int)
        x.summary = r[8].text
        x.alertID = r[9].text
        x.entryIDs = Codec.list(r[10].text)
        x.evidenceIDs = Codec.list(r[11].text)
        x.state = Int32(r[12].int)
        x.handlerID = r[13].text
        x.dueDate = r[14].text
        x.pastHandlerIDs = Codec.list(r[15].text)
        x.disposition.form = Int32(r[16].int)
        x.disposition.measure = Int32(r[17].int)
        x.disposition.date = r[18].text
        x.disposition.talkedBy = r[19].text
        x.disposition.documentNumber = r[20].text
        x.disposition.notes = r[21].text
        x.disposition.disposedBy = r[22].text
        x.disposition.disposeTime = r[23].int
        x.derivedEntryID = r[24].text
        x.rectification.deadline = r[25].text
        x.rectification.requirements = r[26].text
        x.rectification.report = r[27].text
        x.rectification.reportedBy = r[28].text
        x.rectification.reportTime = r[29].int
        x.verifiedBy = r[30].text
        x.verifyTime = r[31].int
        x.verificationNote = r[32].text
        x.conclusion = r[33].text
        x.closingEvidenceIDs = Codec.list(r[34].text)
        x.closedBy = r[35].text
        x.closeTime = r[36].int
        x.dismissalReason = r[37].text
        x.escalations = Int(r[38].int)
        x.lastEscalationTime = r[39].int
        x.escalationKey = r[40].text
        x.openedBy = r[41].text
        x.openTime = r[42].int
        x.updateTime = r[43].int
        x.version = r[44].int
        return x
    }

    /// Every column but `id` and `version`, in the order of the statements below.
    private func caseValues(_ x: CaseRecord) -> [SQLValue] {
        let d = x.disposition, r = x.rectification
        return [.text(x.number), .text(x.subjectID), .text(x.subjectName), .text(x.organizationID), .text(x.organizationPath),
                .int(Int64(x.source)), .text(x.summary), .text(x.alertID), .text(x.entryIDs.joined(separator: ",")),
                .text(x.evidenceIDs.joined(separator: ",")), .int(Int64(x.state)), .text(x.handlerID), .text(x.dueDate), .text(x.pastHandlerIDs.joined(separator: ",")),
                .int(Int64(d.form)), .int(Int64(d.measure)), .text(d.date), .text(d.talkedBy), .text(d.documentNumber), .text(d.notes),
                .text(d.disposedBy), .int(d.disposeTime), .text(x.derivedEntryID), .text(r.deadline), .text(r.requirements), .text(r.report), .text(r.reportedBy),
                .int(r.reportTime), .text(x.verifiedBy), .int(x.verifyTime), .text(x.verificationNote), .text(x.conclusion),
                .text(x.closingEvidenceIDs.joined(separator: ",")), .text(x.closedBy), .int(x.closeTime), .text(x.dismissalReason),
                .int(Int64(x.escalations)), .int(x.lastEscalationTime), .text(x.escalationKey), .text(x.openedBy), .int(x.openTime),
                .int(x.updateTime)]
    }

    private static let caseColumnNames = """
        number, subject_id, subject_name, organization_id, organization_path, source, summary, alert_id, entry_ids, evidence_ids,
        state, handler_id, due_date, past_handler_ids, disposition_form, disposition_measure, disposition_date, disposition_talked_by,
        disposition_document, disposition_notes, disposed_by, dispose_time, derived_entry_id, rectification_deadline, rectification_requirements,
        rectification_report, rectification_reported_by, rectification_report_time, verified_by, verify_time, verification_note,
        conclusion, closing_evidence_ids, closed_by, close_time, dismissal_reason, escalations, last_escalation_time, escalation_key,
        opened_by, open_time, update_time
        """

    func caseRecord(id: String) throws -> CaseRecord? {
        try db.query("\(Self.caseColumns) WHERE id = ?", [.text(id)]).first.map(caseRow)
    }

    func caseRecord(number: String) throws -> CaseRecord? {
        try db.query("\(Self.caseColumns) WHERE number = ?", [.text(number)]).first.map(caseRow)
    }

    private func caseWhere(_ f: CaseFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: Self.casePath)
        if let path = f.underPath {
            clause += " AND substr(\(Self.casePath), 1, ?) = ?"
            args += [.int(Int64(path.utf8.count)), .text(path)]
        }
        if let s = f.subjectID {
            clause += " AND subject_id = ?"
            args.append(.text(s))
        }
        if let s = f.excludeSubjectID {
            clause += " AND subject_id <> ?"
            args.append(.text(s))
        }
        if let s = f.state {
            clause += " AND state = ?"
            args.append(.int(Int64(s)))
        }
        if let h = f.handlerID {
            clause += " AND handler_id = ?"
            args.append(.text(h))
        }
        if let day = f.overdueOn {
            // States 2-5: assigned, disposed, rectifying, verified; 4: rectifying.
            clause += " AND \(Self.overdue)"
            args += [.text(day), .text(day)]
        }
        return (clause, args)
    }

    func caseRecords(_ f: CaseFilter, page: Page) throws -> [CaseRecord] {
        let (clause, args) = caseWhere(f)
        return try db.query("\(Self.caseColumns) WHERE \(clause) AND seq < ? ORDER BY seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(caseRow)
    }

    func caseCount(_ f: CaseFilter) throws -> Int {
        let (clause, args) = caseWhere(f)
        return try count("SELECT COUNT(*) FROM cases WHERE \(clause)", args)
    }

    func dispositions(subjectIDs: [String], minForm: Int32) throws -> [CaseRecord] {
        guard !subjectIDs.isEmpty else { return [] }
        var out: [CaseRecord] = []
        // In chunks, to stay under SQLite's bound-parameter limit.
        for start in stride(from: 0, to: subjectIDs.count, by: 500) {
            let chunk = Array(subjectIDs[start..<min(start + 500, subjectIDs.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            out += try db.query("\(Self.caseColumns) WHERE disposition_form >= ? AND state <> 7 AND subject_id IN (\(marks)) ORDER BY seq",
                                [.int(Int64(minForm))] + chunk.map { .text($0) }).map(caseRow)
        }
        return out
    }

    func caseFacts(underPath path: String, from: Int64, to: Int64, today: String) throws -> [CaseFactRow] {
        var out: [CaseFactRow] = []
        try db.each("""
            SELECT \(Self.casePath), state, open_time, close_time, disposition_form, dispose_time,
                   CASE WHEN \(Self.overdue) THEN 1 ELSE 0 END
            FROM cases WHERE substr(\(Self.casePath), 1, ?) = ?
            AND ((open_time >= ? AND open_time < ?) OR (close_time >= ? AND close_time < ?) OR (dispose_time >= ? AND dispose_time < ?)
                 OR \(Self.overdue))
            """, [.text(today), .text(today), .int(Int64(path.utf8.count)), .text(path), .int(from), .int(to), .int(from), .int(to),
                  .int(from), .int(to), .text(today), .text(today)]) { r in
            var x = CaseFactRow()
            x.organizationPath = r[0].text
            x.state = Int32(r[1].int)
            x.openTime = r[2].int
            x.closeTime = r[3].int
            x.dispositionForm = Int32(r[4].int)
            x.disposeTime = r[5].int
            x.overdue = r[6].int != 0
            out.append(x)
        }
        return out
    }

    func caseEvents(caseID: String) throws -> [CaseEventRecord] {
        try db.query("SELECT time, account_id, action, from_state, to_state, note FROM case_events WHERE case_id = ? ORDER BY seq",
                     [.text(caseID)]).map {
            CaseEventRecord(caseID: caseID, time: $0[0].int, accountID: $0[1].text, action: $0[2].text, fromState: Int32($0[3].int),
                            toState: Int32($0[4].int), note: $0[5].text)
        }
    }

    func nextCaseNumber(year: Int) throws -> String {
        let prefix = "C-\(year)-"
        // By value, not as text: C-2026-10000 comes after C-2026-9999.
        let last = try db.query("SELECT MAX(CAST(substr(number, ?) AS INTEGER)) FROM cases WHERE substr(number, 1, ?) = ?",
                                [.int(Int64(prefix.utf8.count + 1)), .int(Int64(prefix.utf8.count)), .text(prefix)]).first?.first?.int ?? 0
        let next = Int(last) + 1
        let digits = String(next)
        return prefix + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func appendCaseEvent(_ e: CaseEventRecord) throws {
        try db.query("""
            INSERT INTO case_events (case_id, seq, time, account_id, action, from_state, to_state, note)
            VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = ?), ?, ?, ?, ?, ?, ?)
            """, [.text(e.caseID), .text(e.caseID), .int(e.time), .text(e.accountID), .text(e.action), .int(Int64(e.fromState)),
                  .int(Int64(e.toState)), .text(e.note)])
    }

    @discardableResult
    func createCase(_ x: CaseRecord, event: CaseEventRecord) throws -> Int64 {
        try conflict("a case with this number exists") { () throws(StoreError) in
            try db.query(Self.caseInsert, [.text(x.id)] + caseValues(x))
        }
        let seq = db.lastInsertRowID
        try appendCaseEvent(event)
        try linkEvidence(x)
        return seq
    }

    /// Records which evidence files the case cites (opening and closing), for GetEvidence.
    private func linkEvidence(_ x: CaseRecord) throws {
        for id in x.evidenceIDs + x.closingEvidenceIDs {
            try db.query("INSERT INTO case_evidence (case_id, evidence_id) VALUES (?, ?) ON CONFLICT DO NOTHING", [.text(x.id), .text(id)])
        }
    }

    func caseIDs(evidenceID: String) throws -> [String] {
        try db.query("SELECT case_id FROM case_evidence WHERE evidence_id = ? ORDER BY case_id", [.text(evidenceID)]).map { $0[0].text }
    }

    private static let caseInsert =
        "INSERT INTO cases (id, \(caseColumnNames), version) VALUES (\(Array(repeating: "?", count: 43).joined(separator: ", ")), 1)"
    private static let caseUpdate = "UPDATE cases SET "
        + caseColumnNames.split(separator: ",").map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) = ?" }.joined(separator: ", ")
        + ", version = version + 1 WHERE id = ?"

    func updateCase(_ x: CaseRecord, events: [CaseEventRecord]) throws {
        try db.query(Self.caseUpdate, caseValues(x) + [.text(x.id)])
        for e in events { try appendCaseEvent(e) }
        try linkEvidence(x)
    }

    // MARK: Talks

    private static let talkColumns = """
        SELECT t.seq, t.id, t.case_id, c.number, t.subject_id, t.kind, t.held_on, t.held_by, t.content, t.recorded_by, t.record_time,
               t.acknowledge_time
        FROM case_talks t JOIN cases c ON c.id = t.case_id
        """

    private func talkRow(_ r: [SQLValue]) -> TalkRecord {
        var t = TalkRecord()
        t.seq = r[0].int
        t.id = r[1].text
        t.caseID = r[2].text
        t.caseNumber = r[3].text
        t.subjectID = r[4].text
        t.kind = Int32(r[5].int)
        t.heldOn = r[6].text
        t.heldBy = r[7].text
        t.content = r[8].text
        t.recordedBy = r[9].text
        t.recordTime = r[10].int
        t.acknowledgeTime = r[11].int
        return t
    }

    func talk(id: String) throws -> TalkRecord? {
        try db.query("\(Self.talkColumns) WHERE t.id = ?", [.text(id)]).first.map(talkRow)
    }

    func talks(caseID: String) throws -> [TalkRecord] {
        try db.query("\(Self.talkColumns) WHERE t.case_id = ? ORDER BY t.seq", [.text(caseID)]).map(talkRow)
    }

    private func talkWhere(_ f: TalkFilter) -> (String, [SQLValue]) {
        ("t.subject_id = ?" + (f.unacknowledgedOnly ? " AND t.acknowledge_time = 0" : ""), [.text(f.subjectID)])
    }

    func talks(_ f: TalkFilter, page: Page) throws -> [TalkRecord] {
        let (clause, args) = talkWhere(f)
        return try db.query("\(Self.talkColumns) WHERE \(clause) AND t.seq < ? ORDER BY t.seq DESC LIMIT ?",
                            args + [.int(page.after.flatMap { Int64($0) } ?? Int64.max), .int(Int64(page.limit))]).map(talkRow)
    }

    func talkCount(_ f: TalkFilter) throws -> Int {
        let (clause, args) = talkWhere(f)
        return try count("SELECT COUNT(*) FROM case_talks t WHERE \(clause)", args)
    }

    func createTalk(_ t: TalkRecord) throws {
        try db.query("""
            INSERT INTO case_talks (id, case_id, subject_id, kind, held_on, held_by, content, recorded_by, record_time, acknowledge_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
            """, [.text(t.id), .text(t.caseID), .text(t.subjectID), .int(Int64(t.kind)), .text(t.heldOn), .text(t.heldBy), .text(t.content),
                  .text(t.recordedBy), .int(t.recordTime)])
    }

    func acknowledgeTalk(id: String, time: Int64) throws {
        try db.query("UPDATE case_talks SET acknowledge_time = ? WHERE id = ? AND acknowledge_time = 0", [.int(time), .text(id)])
    }
}
