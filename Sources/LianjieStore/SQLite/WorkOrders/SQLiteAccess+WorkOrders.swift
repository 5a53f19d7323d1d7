/// Work orders: the order rows and their stages, suspensions and complaints.
extension SQLiteAccess {
    private static let orderColumns = """
        SELECT w.number, w.type, w.customer_ref, w.design_firm, w.construction_firm, w.supply_firm, w.organization_id,
               w.accepted_on, w.content_hash, w.update_time, w.imported_by
        FROM work_orders w JOIN organizations o ON o.id = w.organization_id
        """

    private func orderRows(_ rest: String, _ args: [SQLValue]) throws -> [WorkOrderRecord] {
        let rows = try db.query("\(Self.orderColumns) \(rest)", args)
        guard !rows.isEmpty else { return [] }
        var stages: [String: [WorkOrderStageRow]] = [:], suspensions: [String: [WorkOrderSuspensionRow]] = [:]
        var complaints: [String: [WorkOrderComplaintRow]] = [:]
        // The children of every listed order, in slices of numbers (SQLite bounds how many
        // values one statement may bind).
        let numbers = rows.map { $0[0] }
        var start = 0
        while start < numbers.count {
            let slice = Array(numbers[start..<min(start + 500, numbers.count)])
            start += 500
            let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            for r in try db.query("""
                SELECT number, stage, handler_number, handler_subject_id, start_time, end_time, limit_days FROM work_order_stages
                WHERE number IN (\(placeholders)) ORDER BY number, start_time, stage
                """, slice) {
                stages[r[0].text, default: []].append(WorkOrderStageRow(stage: Int32(r[1].int), handlerNumber: r[2].text, handlerSubjectID: r[3].text,
                                                                        startTime: r[4].int, endTime: r[5].int, limitDays: Int(r[6].int)))
            }
            for r in try db.query("SELECT number, start_time, end_time, reason FROM work_order_suspensions WHERE number IN (\(placeholders)) ORDER BY number, seq", slice) {
                suspensions[r[0].text, default: []].append(WorkOrderSuspensionRow(startTime: r[1].int, endTime: r[2].int, reason: r[3].text))
            }
            for r in try db.query("SELECT number, time, summary FROM work_order_complaints WHERE number IN (\(placeholders)) ORDER BY number, seq", slice) {
                complaints[r[0].text, default: []].append(WorkOrderComplaintRow(time: r[1].int, summary: r[2].text))
            }
        }
        return rows.map { r in
            let n = r[0].text
            return WorkOrderRecord(number: n, type: Int32(r[1].int), customerRef: r[2].text, designFirm: r[3].text, constructionFirm: r[4].text,
                                   supplyFirm: r[5].text, organizationID: r[6].text, acceptedOn: r[7].text, stages: stages[n] ?? [],
                                   suspensions: suspensions[n] ?? [], complaints: complaints[n] ?? [], contentHash: r[8].text,
                                   updateTime: r[9].int, importedBy: r[10].text)
        }
    }

    func workOrder(number: String) throws -> WorkOrderRecord? {
        try orderRows("WHERE w.number = ?", [.text(number)]).first
    }

    private func orderWhere(_ f: WorkOrderFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: "o.path")
        if let p = f.underPath {
            clause += " AND substr(o.path, 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let h = f.handlerSubjectID {
            clause += " AND EXISTS (SELECT 1 FROM work_order_stages st WHERE st.number = w.number AND st.handler_subject_id = ?)"
            args.append(.text(h))
        }
        if let t = f.type { clause += " AND w.type = ?"; args.append(.int(Int64(t))) }
        if let d = f.fromDay { clause += " AND w.accepted_on >= ?"; args.append(.text(d)) }
        if let d = f.toDay { clause += " AND w.accepted_on <= ?"; args.append(.text(d)) }
        return (clause, args)
    }

    func workOrders(_ f: WorkOrderFilter, page: Page) throws -> [WorkOrderRecord] {
        let (clause, args) = orderWhere(f)
        return try orderRows("WHERE \(clause) AND w.number > ? ORDER BY w.number LIMIT ?", args + [.text(page.after ?? ""), .int(Int64(page.limit))])
    }

    func workOrderCount(_ f: WorkOrderFilter) throws -> Int {
        let (clause, args) = orderWhere(f)
        return try count("SELECT COUNT(*) FROM work_orders w JOIN organizations o ON o.id = w.organization_id WHERE \(clause)", args)
    }

    func storedWorkOrders(numbers: [String]) throws -> [String: StoredWorkOrder] {
        var out: [String: StoredWorkOrder] = [:]
        // SQLite takes a bounded number of parameters: ask in slices.
        var start = 0
        while start < numbers.count {
            let slice = numbers[start..<min(start + 500, numbers.count)]
            let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            for r in try db.query("""
                SELECT w.number, w.content_hash, COALESCE(o.path, '') FROM work_orders w LEFT JOIN organizations o ON o.id = w.organization_id
                WHERE w.number IN (\(placeholders))
                """, slice.map { .text($0) }) {
                out[r[0].text] = StoredWorkOrder(contentHash: r[1].text, organizationPath: r[2].text)
            }
            start += 500
        }
        return out
    }

    func entryIDs(workOrder: String) throws -> [String] {
        try db.query("SELECT entry_id FROM entry_work_orders WHERE work_order = ? ORDER BY entry_id", [.text(workOrder)]).map { $0[0].text }
    }

    func upsertWorkOrder(_ w: WorkOrderRecord) throws {
        for table in ["work_order_stages", "work_order_suspensions", "work_order_complaints"] {
            try db.query("DELETE FROM \(table) WHERE number = ?", [.text(w.number)])
        }
        try db.query("""
            INSERT INTO work_orders (number, type, customer_ref, design_firm, construction_firm, supply_firm, organization_id,
                                     accepted_on, content_hash, update_time, imported_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (number) DO UPDATE SET type = excluded.type, customer_ref = excluded.customer_ref,
                design_firm = excluded.design_firm, construction_firm = excluded.construction_firm, supply_firm = excluded.supply_firm,
                organization_id = excluded.organization_id, accepted_on = excluded.accepted_on, content_hash = excluded.content_hash,
                update_time = excluded.update_time, imported_by = excluded.imported_by
            """, [.text(w.number), .int(Int64(w.type)), .text(w.customerRef), .text(w.designFirm), .text(w.constructionFirm),
                  .text(w.supplyFirm), .text(w.organizationID), .text(w.acceptedOn), .text(w.contentHash), .int(w.updateTime),
                  .text(w.importedBy)])
        for s in w.stages {
            try db.query("""
                INSERT INTO work_order_stages (number, stage, handler_number, handler_subject_id, start_time, end_time, limit_days)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(w.number), .int(Int64(s.stage)), .text(s.handlerNumber), .text(s.handlerSubjectID), .int(s.startTime),
                      .int(s.endTime), .int(Int64(s.limitDays))])
        }
        for (i, s) in w.suspensions.enumerated() {
            try db.query("INSERT INTO work_order_suspensions (number, seq, start_time, end_time, reason) VALUES (?, ?, ?, ?, ?)",
                         [.text(w.number), .int(Int64(i)), .int(s.startTime), .int(s.endTime), .text(s.reason)])
        }
        for (i, c) in w.complaints.enumerated() {
            try db.query("INSERT INTO work_order_complaints (number, seq, time, summary) VALUES (?, ?, ?, ?)",
                         [.text(w.number), .int(Int64(i)), .int(c.time), .text(c.summary)])
        }
    }
}
