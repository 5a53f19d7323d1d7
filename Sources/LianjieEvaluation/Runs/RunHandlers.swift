import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Evaluation runs: create (in the background), follow, cancel, publish, verify, and read
/// their results.
struct RunHandlers: Sendable {
    let engine: RunEngine
    let alerts: AlertRaiser

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EvaluationService.createEvaluationRun, audit: .change, on: &router, create)
        kit.register(EvaluationService.getEvaluationRun, audit: .read, on: &router) { request, call in
            Self.shown(try Self.visibleRun(request.id, call), to: call.caller)
        }
        kit.register(EvaluationService.listEvaluationRuns, audit: .read, on: &router, list)
        kit.register(EvaluationService.cancelEvaluationRun, audit: .change, on: &router, cancel)
        kit.register(EvaluationService.publishEvaluationRun, audit: .change, on: &router, publish)
        kit.register(EvaluationService.verifyEvaluationRun, audit: .read, on: &router, verify)
        kit.register(EvaluationService.listEvaluationResults, audit: .read, on: &router, listResults)
        kit.register(EvaluationService.getEvaluationResult, audit: .read, on: &router, getResult)
    }

    static let notFound = RPCError(.notFound, "no such evaluation run")

    /// Whether the caller's staff grants reach a run: one covers the run's organisation, or
    /// the run covers the organisation a grant is on (a manager sees the runs over their
    /// team, without the figures of the whole scope: see `shown`).
    static func reaches(_ caller: Caller, path: String) -> Bool {
        caller.grants.contains { g in
            EvaluationAccess.staff.contains(g.role) && (g.path == nil || path.hasPrefix(g.path!) || g.path!.hasPrefix(path))
        }
    }

    /// The run as the caller may see it: whole when a staff grant covers its organisation;
    /// otherwise (a run over the caller's part of it) without its figures for the whole
    /// scope, its notes and reasons, and who made it.
    static func shown(_ run: EvaluationRunRecord, to caller: Caller) -> EvaluationRun {
        var m = ResultMessages.run(run)
        guard !caller.covers(EvaluationAccess.staff, path: run.organizationPath) else { return m }
        m.grades = nil
        m.personTimes = 0
        m.progress = nil
        m.publishNote = ""
        m.supersedeReason = ""
        m.endReason = ""
        m.createdBy = ""
        m.publishedBy = ""
        m.alertsRaised = 0
        return m
    }

    /// The run, when the caller reaches it (with `covering`, only when a grant with one of
    /// those roles covers its organisation); a running run whose server died is failed
    /// first, by a caller who covers it.
    static func visibleRun(_ id: String, _ call: Call, covering roles: Set<Role>? = nil) throws -> EvaluationRunRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let found = try call.read({ try $0.evaluationRun(id: id) }) else { throw notFound }
        // Named before the scope check, so a refused attempt is traced to the run.
        call.target = AuditLog.Target(type: "evaluation_run", id: found.id, organizationID: found.organizationID,
                                      organizationPath: found.organizationPath)
        guard reaches(call.caller, path: found.organizationPath) else { throw notFound }
        if let roles, !call.caller.covers(roles, path: found.organizationPath) { throw notFound }
        let now = call.now
        guard found.state == RunState.running.rawValue, now - found.heartbeat > RunEngine.staleAfter,
              call.caller.covers(EvaluationAccess.staff, path: found.organizationPath) else { return found }
        return try call.store.write { tx in
            guard let run = try tx.evaluationRun(id: id) else { return found }
            return try RunEngine.failIfStale(run, now: now, tx)
        }
    }

    // MARK: Create

    private func create(_ request: CreateEvaluationRunRequest, _ call: Call) throws -> EvaluationRun {
        var v = Violations()
        let period = request.period.flatMap(CalendarDays.period)
        if period == nil { v.add("period", "must be a month (1-12), a quarter (1-4) or a year of 1900-9999") }
        if request.organizationId.isEmpty { v.add("organization_id", "is required") }
        if request.schemeVersion < 0 { v.add("scheme_version", "must be 0 (the current) or a published version") }
        if request.categoryCodes.count > 50 { v.add("category_codes", "at most 50") }
        for (i, c) in request.categoryCodes.enumerated() { Validate.code(c, field: "category_codes[\(i)]", &v) }
        try v.check()
        let today = Day(CalendarDays.today(call.now))!
        guard period!.start <= today else {
            throw RPCError(.failedPrecondition, "the period \(period!) has not started; nothing can be evaluated yet")
        }
        let categories = Array(Set(request.categoryCodes)).sorted()
        let (org, scheme) = try call.read { r -> (OrganizationRecord?, PublishedSchemes.Version?) in
            for (i, c) in categories.enumerated() where try r.category(code: c) == nil {
                throw RPCError.invalidArgument(field: "category_codes[\(i)]", "no business category \(c)")
            }
            let scheme = request.schemeVersion == 0 ? try call.kit.schemes.current(r) : try call.kit.schemes.version(Int(request.schemeVersion), r)
            return (try r.organization(id: request.organizationId), scheme)
        }
        guard let org, call.caller.covers(EvaluationAccess.runners, path: org.path) else { throw RPCError(.notFound, "no such organisation") }
        guard let scheme else { throw RPCError(.notFound, request.schemeVersion == 0 ? "no scheme is published yet" : "no such scheme version") }
        guard engine.reserve() else {
            throw RPCError(.resourceExhausted, "\(RunEngine.maxRunning) runs are already running on this server; retry when one is done")
        }
        var run = EvaluationRunRecord()
        run.id = Identifiers.new(prefix: "run")
        run.period = Convert.periodKey(period!)
        run.organizationID = org.id
        run.organizationPath = org.path
        run.categories = categories
        run.schemeVersion = scheme.record.version
        run.schemeHash = scheme.record.hash
        run.rulesHash = ResultBuilder.rulesHash(scheme.compiled.scheme)
        run.evaluationDate = min(period!.end, today).description
        run.state = RunState.running.rawValue
        run.phase = "queued"
        run.createdBy = call.caller.id
        run.createTime = call.now
        run.heartbeat = call.now
        call.target = AuditLog.Target(type: "evaluation_run", id: run.id, organizationID: org.id, organizationPath: org.path)
        var created = false
        do {
            let response = try call.write(requestID: request.requestId) { tx -> EvaluationRun in
                run.seq = try tx.createEvaluationRun(run)
                created = true
                return ResultMessages.run(run)
            }
            if created { engine.start(run.id) } else { engine.release() }
            return response
        } catch {
            engine.release()
            throw error
        }
    }

    // MARK: List, cancel, publish

    private func list(_ request: ListEvaluationRunsRequest, _ call: Call) throws -> ListEvaluationRunsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "run")
        var filter = EvaluationRunFilter()
        var v = Violations()
        if let p = request.period {
            if let core = CalendarDays.period(p) { filter.period = Convert.periodKey(core) } else { v.add("period", "is not a period") }
        }
        if request.state != .unspecified {
            if request.state.protoValueName == nil { v.add("state", "is not a run state") } else { filter.state = request.state.rawValue }
        }
        try v.check()
        filter.currentOnly = request.currentOnly
        if !request.organizationId.isEmpty {
            guard let org = try call.read({ try $0.organization(id: request.organizationId) }), Self.reaches(call.caller, path: org.path) else {
                throw RPCError(.notFound, "no such organisation")
            }
            filter.underPath = org.path
            call.target = AuditLog.Target(type: "evaluation_run_list", id: org.id, organizationID: org.id, organizationPath: org.path)
        } else {
            call.target = AuditLog.Target(type: "evaluation_run_list", id: "")
        }
        let final = filter
        // Runs the caller reaches: those over or under a staff grant. Runs are few (one per
        // scope and period), so the listing reads the candidates and keeps the reachable ones.
        let reachable = try call.read { r in
            try r.evaluationRuns(final, page: Page(after: nil, limit: Int(Int32.max))).filter { Self.reaches(call.caller, path: $0.organizationPath) }
        }
        let total = reachable.count
        let rows = Array(reachable.filter { after == nil || $0.seq < Int64(after!)! }.prefix(size + 1))
        let page = Array(rows.prefix(size))
        return ListEvaluationRunsResponse(runs: page.map { Self.shown($0, to: call.caller) },
                                          nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "run") : "",
                                          totalSize: Int32(total))
    }

    private func cancel(_ request: CancelEvaluationRunRequest, _ call: Call) throws -> EvaluationRun {
        let run = try Self.visibleRun(request.id, call, covering: EvaluationAccess.runners)
        guard request.reason.count <= 2000 else { throw RPCError.invalidArgument(field: "reason", "at most 2000 characters") }
        let reason = request.reason.trimmingSpaces
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            guard var current = try tx.evaluationRun(id: run.id) else { throw Self.notFound }
            guard current.state == RunState.running.rawValue || current.state == RunState.draft.rawValue else {
                throw RPCError(.failedPrecondition, "only a running or draft run can be cancelled; this one is \(Self.stateName(current.state))")
            }
            try tx.deleteEvaluationResults(runID: current.id)
            current.state = RunState.cancelled.rawValue
            current.endReason = reason.isEmpty ? "cancelled by \(call.caller.account.username)" : reason
            current.finishTime = now
            try tx.updateEvaluationRun(current)
            return ResultMessages.run(current)
        }
    }

    static func stateName(_ state: Int32) -> String { Convert.name(RunState(rawValue: state), prefix: "RUN_STATE_") }

    private func publish(_ request: PublishEvaluationRunRequest, _ call: Call) throws -> EvaluationRun {
        let run = try Self.visibleRun(request.id, call, covering: EvaluationAccess.runners)
        let note = request.note.trimmingSpaces, reason = request.supersedeReason.trimmingSpaces
        var v = Violations()
        if note.isEmpty { v.add("note", "is required: say why these results are published") }
        if note.count > 2000 { v.add("note", "at most 2000 characters") }
        if reason.count > 2000 { v.add("supersede_reason", "at most 2000 characters") }
        try v.check()
        let scheme = try call.read { try call.kit.schemes.version(run.schemeVersion, $0) }
        guard let scheme else { throw RPCError(.internal, "the run's scheme version cannot be read") }
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            let (published, superseded, raised) = try Publication.publish(run.id, note: note, supersedeReason: reason, by: call.caller.id, now: now,
                                                                          scheme: scheme.compiled.scheme, alerts: alerts, tx)
            if let old = superseded {
                try call.auditAlso(tx, [AuditLog.Target(type: "evaluation_run", id: old.id, organizationID: old.organizationID,
                                                        organizationPath: old.organizationPath)])
            }
            try call.auditAlso(tx, raised.map { AuditLog.Target(type: "alert", id: $0.id, organizationID: $0.organizationID,
                                                                 organizationPath: $0.organizationPath) })
            return ResultMessages.run(published)
        }
    }

    // MARK: Verify

    private func verify(_ request: VerifyEvaluationRunRequest, _ call: Call) throws -> VerifyEvaluationRunResponse {
        let run = try Self.visibleRun(request.id, call, covering: EvaluationAccess.runners)
        guard run.state == RunState.draft.rawValue || run.state == RunState.published.rawValue else {
            throw RPCError(.failedPrecondition, "only a draft or published run has results to verify; this one is \(Self.stateName(run.state))")
        }
        return try call.read { r in try Verification.verify(run, r, call.kit.schemes) }
    }

    // MARK: Results

    private func listResults(_ request: ListEvaluationResultsRequest, _ call: Call) throws -> ListEvaluationResultsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "result")
        let run = try Self.visibleRun(request.runId, call)
        guard run.state == RunState.draft.rawValue || run.state == RunState.published.rawValue else {
            throw RPCError(.failedPrecondition, "the run has no results to list; it is \(Self.stateName(run.state))")
        }
        var filter = EvaluationResultFilter()
        filter.scope = call.caller.scope(EvaluationAccess.staff)
        // Staff who are subjects themselves do not read their own result here.
        if !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        filter.byTotal = request.order == .total
        if request.grade != .unspecified {
            guard request.grade.protoValueName != nil else { throw RPCError.invalidArgument(field: "grade", "is not a grade") }
            filter.grade = request.grade.rawValue
        }
        if !request.organizationId.isEmpty {
            guard let org = try call.read({ try $0.organization(id: request.organizationId) }),
                  call.caller.covers(EvaluationAccess.staff, path: org.path) else { throw RPCError(.notFound, "no such organisation") }
            filter.underPath = org.path
        }
        let final = filter
        let (rows, total, ids) = try call.read { r -> ([(key: String, result: EvaluationResultRecord)], Int, [Int64: String]) in
            let rows = try r.evaluationResults(runID: run.id, final, page: Page(after: after, limit: size + 1))
            let veto = rows.prefix(size).flatMap(\.result.vetoEntries)
            let ids = Dictionary(try r.evaluationEntries(seqs: veto).map { ($0.seq, $0.id) }, uniquingKeysWith: { a, _ in a })
            return (rows, try r.evaluationResultCount(runID: run.id, final), ids)
        }
        let page = Array(rows.prefix(size))
        for row in page {
            call.readTargets.append(AuditLog.Target(type: "evaluation_result", id: row.result.subjectID, organizationID: row.result.organizationID,
                                                    organizationPath: row.result.organizationPath))
        }
        return ListEvaluationResultsResponse(results: page.map { ResultMessages.result($0.result, period: run.period, entryIDs: ids) },
                                             nextPageToken: rows.count > size ? Paging.token(page.last!.key, kind: "result") : "",
                                             totalSize: Int32(total))
    }

    private func getResult(_ request: GetEvaluationResultRequest, _ call: Call) throws -> EvaluationResult {
        guard !request.runId.isEmpty else { throw RPCError.invalidArgument(field: "run_id", "is required") }
        guard !request.subject.isEmpty else { throw RPCError.invalidArgument(field: "subject", "is required") }
        let found = try call.read { r -> (EvaluationRunRecord, EvaluationResultRecord)? in
            guard let run = try r.evaluationRun(id: request.runId), let (s, _) = try r.subjectWithOrganization(key: request.subject),
                  let result = try r.evaluationResult(runID: run.id, subjectID: s.id) else { return nil }
            return (run, result)
        }
        let missing = RPCError(.notFound, "no result for this subject in this run")
        guard let (run, result) = found else { throw missing }
        // Named before the scope check, so a refused attempt is traced to the person.
        call.target = AuditLog.Target(type: "evaluation_result", id: result.subjectID, organizationID: result.organizationID,
                                      organizationPath: result.organizationPath)
        let own = !call.caller.subjectID.isEmpty && call.caller.subjectID == result.subjectID
        let staff = call.caller.covers(EvaluationAccess.staff, path: result.organizationPath) && !own
        guard staff || (own && call.caller.has(anyOf: [.employee]) && run.state == RunState.published.rawValue) else { throw missing }
        return try call.read { r in try Self.fullResult(result, run: run, r, call.kit.schemes) }
    }

    /// A result with its breakdown, recomputed from the entries it recorded.
    static func fullResult(_ result: EvaluationResultRecord, run: EvaluationRunRecord, _ r: any StoreReader,
                           _ schemes: PublishedSchemes) throws -> EvaluationResult {
        guard let scheme = try schemes.version(run.schemeVersion, r) else { throw RPCError(.internal, "the run's scheme cannot be read") }
        let (scored, entries) = try StoredInputs.rescore(result, run: run, scheme: scheme.compiled, r)
        var m = ResultMessages.result(result, period: run.period, entryIDs: entries.mapValues(\.id))
        let names = Dictionary(scheme.compiled.tags.map { ($0.ref, $0.tag.name) }, uniquingKeysWith: { a, _ in a })
        m.breakdown = ResultMessages.breakdown(scored.breakdown, entries: entries) { names[$0] ?? $0.code }
        return m
    }
}
