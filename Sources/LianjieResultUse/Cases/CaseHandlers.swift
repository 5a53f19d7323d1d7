import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Cases: the shell around `CaseLifecycle`. Each step is checked (fields, scope, etag),
/// handed to the life cycle inside one write, and its actions carried out there.
struct CaseHandlers: Sendable {
    static let notFound = RPCError(.notFound, "no such case")
    /// Longest summary, note, reason, conclusion or requirements.
    static let maxText = 2000
    static let maxReport = 4000
    static let maxEntries = 100
    static let maxEvidence = 20

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.createCase, audit: .change, on: &router, create)
        kit.register(ResultUseService.getCase, audit: .read, on: &router) { request, call in
            let found = try Self.visible(request.id, call, roles: ResultUseAccess.readers)
            return try call.read { r in
                CaseMessages.message(found, events: try r.caseEvents(caseID: found.id), talks: try r.talks(caseID: found.id),
                                     today: CalendarDays.today(call.now))
            }
        }
        kit.register(ResultUseService.listCases, audit: .read, on: &router, list)
        kit.register(ResultUseService.assignCase, audit: .change, on: &router) { request, call in
            var v = Violations()
            if request.handlerId.isEmpty { v.add("handler_id", "is required") }
            let due = Self.day(request.dueDate, field: "due_date", notBefore: CalendarDays.today(call.now), &v)
            Self.text(request.note, field: "note", required: false, &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { c, tx in
                try Self.checkHandler(request.handlerId, for: c, tx)
                return .assign(handlerID: request.handlerId, dueDate: due!, note: request.note.trimmingSpaces)
            }
        }
        kit.register(ResultUseService.disposeCase, audit: .change, on: &router) { request, call in
            let d = try Self.disposition(request.disposition, today: CalendarDays.today(call.now))
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { _, _ in .dispose(d) }
        }
        kit.register(ResultUseService.startRectification, audit: .change, on: &router) { request, call in
            var v = Violations()
            let deadline = Self.day(request.deadline, field: "deadline", notBefore: CalendarDays.today(call.now), &v)
            Self.text(request.requirements, field: "requirements", &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { _, _ in
                .startRectification(deadline: deadline!, requirements: request.requirements.trimmingSpaces)
            }
        }
        kit.register(ResultUseService.reportRectification, audit: .change, on: &router) { request, call in
            var v = Violations()
            Self.text(request.report, field: "report", max: Self.maxReport, &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call, roles: ResultUseAccess.reporters) { _, _ in
                .reportRectification(report: request.report.trimmingSpaces)
            }
        }
        kit.register(ResultUseService.verifyCase, audit: .change, on: &router) { request, call in
            var v = Violations()
            Self.text(request.note, field: "note", &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { _, _ in .verify(note: request.note.trimmingSpaces) }
        }
        kit.register(ResultUseService.closeCase, audit: .change, on: &router) { request, call in
            var v = Violations()
            Self.text(request.conclusion, field: "conclusion", &v)
            if request.evidenceIds.isEmpty { v.add("evidence_ids", "at least one evidence file is required to close a case") }
            Self.limit(request.evidenceIds, field: "evidence_ids", max: Self.maxEvidence, &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { c, tx in
                try Self.checkEvidence(request.evidenceIds, field: "evidence_ids", call, cited: c.evidenceIDs + c.closingEvidenceIDs, tx)
                return .close(conclusion: request.conclusion.trimmingSpaces, evidenceIDs: request.evidenceIds)
            }
        }
        kit.register(ResultUseService.dismissCase, audit: .change, on: &router) { request, call in
            var v = Violations()
            Self.text(request.reason, field: "reason", &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { _, _ in .dismiss(reason: request.reason.trimmingSpaces) }
        }
        kit.register(ResultUseService.reopenCase, audit: .change, on: &router) { request, call in
            var v = Violations()
            Self.text(request.reason, field: "reason", &v)
            try v.check()
            return try Self.step(request.id, etag: request.etag, requestID: request.requestId, call) { _, _ in .reopen(reason: request.reason.trimmingSpaces) }
        }
    }

    // MARK: Opening

    private func create(_ request: CreateCaseRequest, _ call: Call) throws -> Case {
        var v = Violations()
        if request.source == .unspecified || request.source.protoValueName == nil {
            v.add("source", "is required: one of the CASE_SOURCE_ values")
        } else if (request.source == .alert) != !request.alertId.isEmpty {
            v.add("source", request.alertId.isEmpty ? "is CASE_SOURCE_ALERT only for a case opened from an alert (alert_id)"
                                                    : "must be CASE_SOURCE_ALERT for a case opened from an alert")
        }
        Self.text(request.summary, field: "summary", &v)
        if request.alertId.isEmpty, request.subject.isEmpty { v.add("subject", "is required (or alert_id)") }
        Self.limit(request.entryIds, field: "entry_ids", max: Self.maxEntries, &v)
        Self.limit(request.evidenceIds, field: "evidence_ids", max: Self.maxEvidence, &v)
        try v.check()
        let roles = ResultUseAccess.handlers
        // The subject (from the alert, or named), checked against the caller's scope.
        let (subject, org, alert) = try call.read { r -> (SubjectRecord, OrganizationRecord, AlertRecord?) in
            var key = request.subject
            var alert: AlertRecord?
            if !request.alertId.isEmpty {
                guard let a = try r.alert(id: request.alertId) else { throw RPCError(.notFound, "no such alert") }
                alert = a
                key = a.subjectID
            }
            guard let (s, o) = try r.subjectWithOrganization(key: key) else {
                throw RPCError(.notFound, alert == nil ? "no such subject" : "no such alert")
            }
            return (s, o, alert)
        }
        // Named before the scope check, so a refused attempt is traced to the person.
        call.target = AuditLog.Target(type: "subject", id: subject.id, organizationID: org.id, organizationPath: org.path)
        guard call.caller.covers(roles, path: org.path), subject.id != call.caller.subjectID else {
            throw RPCError(.notFound, alert == nil ? "no such subject" : "no such alert")
        }
        let now = call.now
        var draft = CaseRecord()
        draft.id = Identifiers.new(prefix: "case")
        draft.subjectID = subject.id
        draft.subjectName = subject.name
        draft.organizationID = org.id
        draft.organizationPath = org.path
        draft.source = request.source.rawValue
        draft.summary = request.summary.trimmingSpaces
        draft.alertID = request.alertId
        draft.evidenceIDs = Self.unique(request.evidenceIds)
        call.target = AuditLog.Target(type: "case", id: draft.id, organizationID: org.id, organizationPath: org.path)
        let kit = call.kit
        return try call.write(requestID: request.requestId) { tx in
            try Recusal.check(call.caller.id, subjectID: subject.id, doing: "open a case about them", tx)
            var entries = Self.unique(request.entryIds)
            for (i, id) in entries.enumerated() {
                guard let e = try tx.entry(id: id), e.subjectID == subject.id else {
                    throw RPCError.invalidArgument(field: "entry_ids[\(i)]", "is not an entry about this subject")
                }
            }
            try Self.checkEvidence(draft.evidenceIDs, field: "evidence_ids", call, cited: [], tx)
            if let alert {
                guard var current = try tx.alert(id: alert.id) else { throw RPCError(.notFound, "no such alert") }
                guard current.caseID.isEmpty else {
                    throw RPCError(.failedPrecondition, "the alert is linked to another case already (\(current.caseID))")
                }
                guard current.state != AlertState.dismissed.rawValue else {
                    throw RPCError(.failedPrecondition, "the alert was dismissed; it cannot become a case")
                }
                entries = Self.unique(current.entryIDs + entries)
                current.state = AlertState.markedForCase.rawValue
                current.caseID = draft.id
                try tx.updateAlert(current, event: AlertEventRecord(alertID: current.id, time: now, accountID: call.caller.id,
                                                                    action: "case_opened", note: draft.id))
                try call.auditAlso(tx, [AuditLog.Target(type: "alert", id: current.id, organizationID: org.id, organizationPath: org.path)])
            }
            draft.entryIDs = entries
            draft.number = try tx.nextCaseNumber(year: Int(CalendarDays.today(now).prefix(4)) ?? 1970)
            let (opened, actions) = CaseLifecycle.open(draft, actor: .init(accountID: call.caller.id), time: now)
            _ = try CaseEffects(kit: kit).apply(actions, to: opened, isNew: true, tx)
            guard let stored = try tx.caseRecord(id: opened.id) else { throw Self.notFound }
            return CaseMessages.message(stored, events: try tx.caseEvents(caseID: stored.id), today: CalendarDays.today(now))
        }
    }

    // MARK: Steps

    /// Whether one of `roles` covers the case's subject now, and the caller is not its subject.
    static func reaches(_ caller: Caller, _ c: CaseRecord, roles: Set<Role>) -> Bool {
        caller.covers(roles, path: c.organizationPath) && c.subjectID != caller.subjectID
    }

    /// The case (by id or number) when the caller reaches it with one of `roles`.
    static func visible(_ id: String, _ call: Call, roles: Set<Role>) throws -> CaseRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let found = try call.read({ r in try r.caseRecord(id: id) ?? r.caseRecord(number: id) }) else { throw notFound }
        // Named before the scope check, so a refused attempt is traced to the case.
        call.target = AuditLog.Target(type: "case", id: found.id, organizationID: found.organizationID, organizationPath: found.organizationPath)
        guard reaches(call.caller, found, roles: roles) else { throw notFound }
        return found
    }

    /// Takes one life-cycle step on the case `id` in one write: the step is made from the
    /// case as it is inside the transaction (`makeStep` may check more against the store).
    static func step(_ id: String, etag: String, requestID: String, _ call: Call, roles: Set<Role> = ResultUseAccess.handlers,
                     _ makeStep: (CaseRecord, any StoreWriter) throws -> CaseLifecycle.Step) throws -> Case {
        let found = try visible(id, call, roles: roles)
        let now = call.now
        let actor = CaseLifecycle.Actor(accountID: call.caller.id, isHead: call.caller.covers([.disciplineHead], path: found.organizationPath))
        let kit = call.kit
        return try call.write(requestID: requestID) { tx in
            guard let current = try tx.caseRecord(id: found.id) else { throw notFound }
            try Validate.etag(etag, current.version)
            try Recusal.check(call.caller.id, subjectID: current.subjectID, doing: "handle this case", tx)
            let step = try makeStep(current, tx)
            var life = CaseLifecycle(current, actor: actor, time: now)
            let actions: [CaseLifecycle.Action]
            do throws(CaseLifecycle.Refusal) { actions = try life.receive(step) } catch { throw rpcError(error) }
            let alerts = try CaseEffects(kit: kit).apply(actions, to: life.record, isNew: false, tx)
            try call.auditAlso(tx, alerts)
            guard let stored = try tx.caseRecord(id: current.id) else { throw notFound }
            return CaseMessages.message(stored, events: try tx.caseEvents(caseID: stored.id), talks: try tx.talks(caseID: stored.id),
                                        today: CalendarDays.today(now))
        }
    }

    static func rpcError(_ refusal: CaseLifecycle.Refusal) -> RPCError {
        switch refusal.kind {
        case .wrongState, .wrongActor: RPCError(.failedPrecondition, refusal.message)
        case .missing(let field): RPCError.invalidArgument(field: field, refusal.message)
        }
    }

    // MARK: Checks

    /// The handler must be an inspector or discipline head covering the subject, and not
    /// the subject.
    static func checkHandler(_ id: String, for c: CaseRecord, _ tx: any StoreWriter) throws {
        let subjectAccount = try tx.subject(id: c.subjectID)?.accountID ?? ""
        guard id != subjectAccount, try tx.accountIDs(roles: Roles.disciplineNames, covering: c.organizationPath).contains(id) else {
            throw RPCError.invalidArgument(field: "handler_id", "must be an inspector or discipline head whose grants cover the subject")
        }
        if let c = try tx.conflictInForce(accountID: id, subjectID: c.subjectID) {
            throw RPCError.invalidArgument(field: "handler_id", "declared a conflict of interest with this subject (\(c.relation)): recusal (回避)")
        }
    }

    /// Evidence files must exist and be the caller's own uploads, or cited by the case already.
    static func checkEvidence(_ ids: [String], field: String, _ call: Call, cited: [String], _ tx: any StoreWriter) throws {
        for (i, id) in ids.enumerated() where !cited.contains(id) {
            guard let e = try tx.evidence(id: id), e.uploadedBy == call.caller.id else {
                throw RPCError.invalidArgument(field: "\(field)[\(i)]", "is not an evidence file you uploaded (FinishEvidenceUpload's id)")
            }
        }
    }

    /// A disposition request checked against its form's record.
    static func disposition(_ d: Disposition?, today: String) throws -> DispositionRecord {
        var v = Violations()
        guard let d else { throw RPCError.invalidArgument(field: "disposition", "is required") }
        var r = DispositionRecord()
        r.form = d.form.rawValue
        r.date = day(d.date, field: "disposition.date", notAfter: today, &v) ?? ""
        text(d.notes, field: "disposition.notes", required: d.form == .first, &v)
        r.notes = d.notes.trimmingSpaces
        switch d.form {
        case .first:
            if d.measure == .unspecified || d.measure.protoValueName == nil {
                v.add("disposition.measure", "is required for the first form: one of the FIRST_FORM_MEASURE_ values")
            }
            text(d.talkedBy, field: "disposition.talked_by", max: 200, &v)
            if !d.documentNumber.isEmpty { v.add("disposition.document_number", "is for forms two to four") }
            r.measure = d.measure.rawValue
            r.talkedBy = d.talkedBy.trimmingSpaces
        case .second, .third, .fourth:
            text(d.documentNumber, field: "disposition.document_number", max: 100, &v)
            if d.measure != .unspecified { v.add("disposition.measure", "is for the first form only") }
            if !d.talkedBy.isEmpty { v.add("disposition.talked_by", "is for the first form only") }
            r.documentNumber = d.documentNumber.trimmingSpaces
        default:
            v.add("disposition.form", "is required: one of the DISPOSITION_FORM_ values")
        }
        try v.check()
        return r
    }

    /// A text field of 1 to `max` characters (or empty when not `required`).
    static func text(_ s: String, field: String, required: Bool = true, max: Int = maxText, _ v: inout Violations) {
        let t = s.trimmingSpaces
        if t.isEmpty {
            if required { v.add(field, "is required") }
        } else if t.count > max {
            v.add(field, "at most \(max) characters")
        }
    }

    /// A request's day as `YYYY-MM-DD`, within the bounds given.
    static func day(_ d: CalendarDate?, field: String, notBefore: String? = nil, notAfter: String? = nil, _ v: inout Violations) -> String? {
        guard let d else {
            v.add(field, "is required")
            return nil
        }
        guard let text = CalendarDays.text(d) else {
            v.add(field, "is not a calendar day")
            return nil
        }
        if let notBefore, text < notBefore { v.add(field, "must be today (\(notBefore)) or later") }
        if let notAfter, text > notAfter { v.add(field, "must not be in the future (today is \(notAfter))") }
        return text
    }

    static func limit(_ list: [String], field: String, max: Int, _ v: inout Violations) {
        if list.count > max { v.add(field, "at most \(max)") }
        if let i = list.firstIndex(where: \.isEmpty) { v.add("\(field)[\(i)]", "is empty") }
    }

    static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    // MARK: Listing

    private func list(_ request: ListCasesRequest, _ call: Call) throws -> ListCasesResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "case")
        let roles = ResultUseAccess.readers
        var filter = CaseFilter()
        filter.scope = call.caller.scope(roles)
        if !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        var v = Violations()
        if request.state != .unspecified {
            if request.state.protoValueName == nil { v.add("state", "is not a case state") } else { filter.state = request.state.rawValue }
        }
        try v.check()
        let today = CalendarDays.today(call.now)
        if request.overdueOnly { filter.overdueOn = today }
        if !request.handlerId.isEmpty { filter.handlerID = request.handlerId }
        let narrowed = try call.listingScope(type: "case_list", organizationID: request.organizationId, subject: request.subject, roles: roles)
        filter.underPath = narrowed.underPath
        filter.subjectID = narrowed.subjectID
        let final = filter
        let (rows, total) = try call.read { r in
            (try r.caseRecords(final, page: Page(after: after, limit: size + 1)), try r.caseCount(final))
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map { AuditLog.Target(type: "case", id: $0.id, organizationID: $0.organizationID, organizationPath: $0.organizationPath) }
        return ListCasesResponse(cases: page.map { CaseMessages.message($0, today: today) },
                                 nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "case") : "",
                                 totalSize: Int32(total))
    }
}
