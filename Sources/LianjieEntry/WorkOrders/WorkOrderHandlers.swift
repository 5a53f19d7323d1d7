import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieSecurity
import LianjieServiceKit
import LianjieStore

/// Work orders from the marketing system, and the rules that turn them into entries.
struct WorkOrderHandlers: Sendable {
    let schemes: PublishedSchemes

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EntryService.importWorkOrders, audit: .change, on: &router, importOrders)
        kit.register(EntryService.getWorkOrder, audit: .read, on: &router, get)
        kit.register(EntryService.listWorkOrders, audit: .read, on: &router, list)
        kit.register(EntryService.listWorkOrderRules, audit: .none, on: &router) { _, call in
            guard let current = try call.read({ try schemes.current($0) }) else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
            return ListWorkOrderRulesResponse(rules: current.compiled.scheme.workOrderRules.map(Self.settings),
                                              schemeVersion: Int32(current.record.version))
        }
        kit.register(EntryService.runWorkOrderRules, audit: .change, on: &router, run)
    }

    static let notFound = RPCError(.notFound, "no such work order")

    static func settings(_ r: WorkOrderRule) -> WorkOrderRuleSettings {
        WorkOrderRuleSettings(code: r.code, kind: r.kind.rawValue, tag: r.tag, confirmed: r.confirmed, enabled: r.enabled,
                              graceDays: Int32(r.graceDays), threshold: SchemeConvert.decimal(r.threshold), minPeers: Int32(r.minPeers),
                              minOrders: Int32(r.minOrders), minFirmOrders: Int32(r.minFirmOrders), minShare: SchemeConvert.decimal(r.minShare),
                              minRatio: SchemeConvert.decimal(r.minRatio), significance: r.significance.description,
                              minSuspensions: Int32(r.minSuspensions))
    }

    static func message(_ w: WorkOrderRecord, entryIDs: [String] = []) -> WorkOrder {
        WorkOrder(number: w.number, type: WorkOrderType(rawValue: w.type), customerRef: w.customerRef,
                  stages: w.stages.map {
                      WorkOrderStageRecord(stage: WorkOrderStage(rawValue: $0.stage), handler: $0.handlerNumber, startTime: CalendarDays.time($0.startTime),
                                           endTime: CalendarDays.time($0.endTime), limitDays: Int32($0.limitDays))
                  },
                  suspensions: w.suspensions.map {
                      WorkOrderSuspension(startTime: CalendarDays.time($0.startTime), endTime: CalendarDays.time($0.endTime), reason: $0.reason)
                  },
                  complaints: w.complaints.map { WorkOrderComplaint(time: CalendarDays.time($0.time), summary: $0.summary) },
                  designFirm: w.designFirm, constructionFirm: w.constructionFirm, supplyFirm: w.supplyFirm, organizationId: w.organizationID,
                  updateTime: CalendarDays.time(w.updateTime), entryIds: entryIDs)
    }

    // MARK: Import

    static let importers: Set<Role> = [.service, .inspector, .disciplineHead]

    /// A request time in whole seconds; a violation (and nil) when it is out of range.
    static func seconds(_ t: Time?, _ field: String, required: Bool, _ v: inout Violations) -> Int64? {
        guard let t else {
            if required { v.add(field, "is required") }
            return required ? nil : 0
        }
        do { return try Validate.unixNanos(t, field: field).map { $0 / 1_000_000_000 } } catch {
            v.add(error.violations.first?.field ?? field, error.violations.first?.description ?? "is out of range")
            return nil
        }
    }

    static func checkText(_ s: String, _ field: String, max: Int, required: Bool, _ v: inout Violations) {
        if (required && s.trimmingSpaces.isEmpty) || s.count > max || s.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            v.add(field, required ? "must be 1-\(max) characters" : "must be at most \(max) characters")
        }
    }

    /// One row as a record, or the violations that refuse it. `subjects` resolves handler
    /// employee numbers to the subjects (with organisation) the caller reaches.
    static func record(_ o: WorkOrder, subjects: [String: (SubjectRecord, OrganizationRecord)], by caller: String, now: Int64,
                       _ v: inout Violations) -> WorkOrderRecord? {
        if !WorkOrderNumbers.isValid(o.number) { v.add("number", "must be 1-64 letters, digits, '-', '_' or '/'") }
        if o.type == .unspecified || o.type.protoValueName == nil { v.add("type", "must be a work-order type") }
        checkText(o.customerRef, "customer_ref", max: 64, required: true, &v)
        checkText(o.designFirm, "design_firm", max: 100, required: false, &v)
        checkText(o.constructionFirm, "construction_firm", max: 100, required: false, &v)
        checkText(o.supplyFirm, "supply_firm", max: 100, required: false, &v)
        if o.stages.isEmpty || o.stages.count > 7 { v.add("stages", "must list 1-7 stages") }
        var seen: Set<Int32> = [], stages: [WorkOrderStageRow] = []
        for (i, s) in o.stages.enumerated() {
            let p = "stages[\(i)]"
            if s.stage == .unspecified || s.stage.protoValueName == nil { v.add("\(p).stage", "must be a stage") }
            else if !seen.insert(s.stage.rawValue).inserted { v.add("\(p).stage", "appears twice") }
            let start = seconds(s.startTime, "\(p).start_time", required: true, &v)
            let end = seconds(s.endTime, "\(p).end_time", required: false, &v)
            if let start, let end, end != 0, end < start { v.add("\(p).end_time", "is before the start") }
            if !(1...365).contains(s.limitDays) { v.add("\(p).limit_days", "must be 1-365") }
            let handler = subjects[s.handler]
            if handler == nil { v.add("\(p).handler", s.handler.isEmpty ? "is required" : "no such subject: \(s.handler)") }
            if let start, let end, let handler {
                stages.append(WorkOrderStageRow(stage: s.stage.rawValue, handlerNumber: s.handler, handlerSubjectID: handler.0.id,
                                                startTime: start, endTime: end, limitDays: Int(s.limitDays)))
            }
        }
        if let first = o.stages.first, first.stage != .acceptance { v.add("stages[0].stage", "must be ACCEPTANCE (受理)") }
        var suspensions: [WorkOrderSuspensionRow] = []
        if o.suspensions.count > 100 { v.add("suspensions", "at most 100") }
        for (i, s) in o.suspensions.enumerated() {
            let start = seconds(s.startTime, "suspensions[\(i)].start_time", required: true, &v)
            let end = seconds(s.endTime, "suspensions[\(i)].end_time", required: false, &v)
            if let start, let end, end != 0, end < start { v.add("suspensions[\(i)].end_time", "is before the start") }
            checkText(s.reason, "suspensions[\(i)].reason", max: 200, required: false, &v)
            if let start, let end { suspensions.append(WorkOrderSuspensionRow(startTime: start, endTime: end, reason: s.reason)) }
        }
        var complaints: [WorkOrderComplaintRow] = []
        if o.complaints.count > 100 { v.add("complaints", "at most 100") }
        for (i, c) in o.complaints.enumerated() {
            let time = seconds(c.time, "complaints[\(i)].time", required: true, &v)
            checkText(c.summary, "complaints[\(i)].summary", max: 500, required: true, &v)
            if let time { complaints.append(WorkOrderComplaintRow(time: time, summary: c.summary)) }
        }
        guard v.list.isEmpty, let acceptance = stages.first, let org = subjects[o.stages[0].handler]?.1 else { return nil }
        var canonical = o
        canonical.organizationId = ""
        canonical.updateTime = nil
        canonical.entryIds = []
        return WorkOrderRecord(number: o.number, type: o.type.rawValue, customerRef: o.customerRef, designFirm: o.designFirm,
                               constructionFirm: o.constructionFirm, supplyFirm: o.supplyFirm, organizationID: org.id,
                               acceptedOn: CalendarDays.today(acceptance.startTime), stages: stages, suspensions: suspensions,
                               complaints: complaints, contentHash: Digest.hex(Digest.sha256(canonical.serializedBytes())),
                               updateTime: now, importedBy: caller)
    }

    func importOrders(_ request: ImportWorkOrdersRequest, _ call: Call) throws -> ImportWorkOrdersResponse {
        let limit = call.kit.settings.maxWorkOrdersPerImport
        guard !request.rows.isEmpty, request.rows.count <= limit else {
            throw RPCError.invalidArgument(field: "rows", "must carry 1-\(limit) orders; send more in further calls")
        }
        let handlerNumbers = Set(request.rows.flatMap { $0.order?.stages.map(\.handler) ?? [] })
        let (subjects, stored) = try call.read { r -> ([String: (SubjectRecord, OrganizationRecord)], [String: StoredWorkOrder]) in
            var found: [String: (SubjectRecord, OrganizationRecord)] = [:]
            for n in handlerNumbers where !n.isEmpty {
                if let s = try r.subject(employeeNumber: n), let o = try r.organization(id: s.organizationID),
                   call.caller.covers(Self.importers, path: o.path) {
                    found[n] = (s, o)
                }
            }
            return (found, try r.storedWorkOrders(numbers: request.rows.compactMap { $0.order?.number }))
        }
        var rejections: [ImportRejection] = [], records: [WorkOrderRecord] = [], numbers: Set<String> = []
        var created = 0, updated = 0, unchanged = 0
        for (i, row) in request.rows.enumerated() {
            let line = row.line > 0 ? row.line : Int32(i + 1)
            var v = Violations()
            let order = row.order ?? WorkOrder()
            if !order.number.isEmpty, !numbers.insert(order.number).inserted { v.add("number", "appears twice in the batch") }
            guard let record = Self.record(order, subjects: subjects, by: call.caller.id, now: call.now, &v), v.list.isEmpty else {
                rejections += v.list.map { ImportRejection(line: line, field: $0.field, reason: $0.description) }
                continue
            }
            switch stored[record.number] {
            case nil:
                created += 1
                records.append(record)
            case let existing? where !call.caller.covers(Self.importers, path: existing.organizationPath):
                // Order numbers are the marketing system's, unique across the deployment: one
                // held by another organisation's order is neither shown nor changed.
                rejections.append(ImportRejection(line: line, field: "number", reason: "belongs to an order outside your scope"))
            case let existing? where existing.contentHash == record.contentHash:
                unchanged += 1
            default:
                updated += 1
                records.append(record)
            }
        }
        var response = ImportWorkOrdersResponse(applied: false, created: Int32(created), updated: Int32(updated), unchanged: Int32(unchanged),
                                                rejections: rejections)
        call.target = AuditLog.Target(type: "work_order_import", id: "\(request.rows.count) rows")
        guard rejections.isEmpty, !request.dryRun else { return response }
        response.applied = true
        let final = response
        let organizations = Dictionary(subjects.values.map { ($0.1.id, $0.1) }, uniquingKeysWith: { a, _ in a })
        return try call.write(requestID: request.requestId) { tx in
            for r in records { try tx.upsertWorkOrder(r) }
            try call.auditAlso(tx, records.map { AuditLog.Target(type: "work_order", id: $0.number, organizationID: $0.organizationID,
                                                                organizationPath: organizations[$0.organizationID]?.path ?? "") })
            return final
        }
    }

    // MARK: Reading

    static let readers: Set<Role> = [.inspector, .disciplineHead, .manager, .service]

    func get(_ request: GetWorkOrderRequest, _ call: Call) throws -> WorkOrder {
        guard !request.number.isEmpty else { throw RPCError.invalidArgument(field: "number", "is required") }
        let caller = call.caller
        let found = try call.read { r -> (WorkOrderRecord, OrganizationRecord, [String])? in
            guard let w = try r.workOrder(number: request.number), let o = try r.organization(id: w.organizationID) else { return nil }
            // Only the derived entries the caller may read themselves.
            let entries = try r.entryIDs(workOrder: w.number).filter { id in
                try r.entry(id: id).map { try EntryHandlers.reaches(caller, $0, r) } ?? false
            }
            return (w, o, entries)
        }
        guard let (order, org, entries) = found else { throw Self.notFound }
        call.target = AuditLog.Target(type: "work_order", id: order.number, organizationID: org.id, organizationPath: org.path)
        guard call.caller.covers(Self.readers, path: org.path) else { throw Self.notFound }
        return Self.message(order, entryIDs: entries)
    }

    func list(_ request: ListWorkOrdersRequest, _ call: Call) throws -> ListWorkOrdersResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "wo")
        var filter = WorkOrderFilter(scope: call.caller.scope(Self.readers))
        var v = Violations()
        if request.type != .unspecified {
            if request.type.protoValueName == nil { v.add("type", "is not a work-order type") }
            filter.type = request.type.rawValue
        }
        if let days = CalendarDays.days(request.period, &v) { (filter.fromDay, filter.toDay) = (days.from, days.to) }
        try v.check()
        call.target = AuditLog.Target(type: "work_order_list", id: "")
        if !request.organizationId.isEmpty {
            let org = try call.read { try $0.organization(id: request.organizationId) }
            guard let org, call.caller.covers(Self.readers, path: org.path) else { throw RPCError(.notFound, "no such organisation") }
            filter.underPath = org.path
            call.target = AuditLog.Target(type: "work_order_list", id: org.id, organizationID: org.id, organizationPath: org.path)
        }
        if !request.handler.isEmpty {
            let subject = try call.read { try $0.subjectWithOrganization(key: request.handler) }
            guard let (s, o) = subject, call.caller.covers(Self.readers, path: o.path) else { throw EntryHandlers.subjectNotFound }
            filter.handlerSubjectID = s.id
        }
        let final = filter
        let (rows, total, orgs) = try call.read { r in
            let rows = try r.workOrders(final, page: Page(after: after, limit: size + 1))
            var orgs: [String: OrganizationRecord] = [:]
            for w in rows where orgs[w.organizationID] == nil { orgs[w.organizationID] = try r.organization(id: w.organizationID) }
            return (rows, try r.workOrderCount(final), orgs)
        }
        let page = Array(rows.prefix(size))
        for w in page {
            let o = orgs[w.organizationID]
            call.readTargets.append(AuditLog.Target(type: "work_order", id: w.number, organizationID: o?.id ?? "", organizationPath: o?.path ?? ""))
        }
        return ListWorkOrdersResponse(orders: page.map { Self.message($0) },
                                      nextPageToken: rows.count > size ? Paging.token(page.last!.number, kind: "wo") : "",
                                      totalSize: Int32(total))
    }

    // MARK: Rules

    func run(_ request: RunWorkOrderRulesRequest, _ call: Call) throws -> RunWorkOrderRulesResponse {
        guard let p = request.period, let period = CalendarDays.period(p) else {
            throw RPCError.invalidArgument(field: "period", "must be a month (1-12), a quarter (1-4) or a year of 1900-9999")
        }
        let plan = try call.read { r -> RuleRun? in
            guard let current = try schemes.current(r) else { return nil }
            // Findings about subjects outside the caller's scope are not theirs to see.
            return try RuleRun.plan(scheme: current, period: period, now: call.now, recordedBy: call.caller.id,
                                    runnerSubjectID: call.caller.subjectID, r) { org in
                call.caller.covers(EntryAccess.reviewers, path: org.path)
            }
        }
        guard let plan else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
        call.target = AuditLog.Target(type: "rule_run", id: period.description)
        let dryRun = request.dryRun
        return try call.write(requestID: request.requestId) { tx in
            guard !dryRun else {
                return RunWorkOrderRulesResponse(reports: plan.reports, schemeVersion: Int32(plan.schemeVersion), orders: Int32(plan.orders))
            }
            let (reports, recorded) = try plan.record(tx)
            // Each entry the run recorded is a change to a person's record: named in the trail.
            try call.auditAlso(tx, recorded.map { AuditLog.Target(type: "entry", id: $0.entry.id, organizationID: $0.organization.id,
                                                                 organizationPath: $0.organization.path) })
            // What other modules do about new entries (alerts), named in the trail as well.
            for (entry, _) in recorded {
                var changes = [EntryChange(kind: .derived, entry: entry, accountID: call.caller.id, time: call.now)]
                if entry.status == EntryStatus.confirmed.rawValue {
                    changes.append(EntryChange(kind: .confirmed, entry: entry, accountID: call.caller.id, time: call.now))
                }
                for change in changes { try call.auditAlso(tx, try call.kit.entryChanged(change, tx)) }
            }
            return RunWorkOrderRulesResponse(reports: reports, schemeVersion: Int32(plan.schemeVersion), orders: Int32(plan.orders))
        }
    }
}
