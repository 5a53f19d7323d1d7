import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Declared conflicts of interest (回避): what `Recusal` checks before anyone handles a
/// case, decides an appeal, or reviews or signs an opinion about a subject.
struct ConflictHandlers: Sendable {
    static let notFound = RPCError(.notFound, "no such declaration")
    static let relations: Set<String> = ["relative", "former_team", "business", "other"]

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.declareConflict, audit: .change, on: &router, declare)
        kit.register(ResultUseService.listConflicts, audit: .read, on: &router, list)
        kit.register(ResultUseService.withdrawConflict, audit: .change, on: &router, withdraw)
    }

    private func declare(_ request: DeclareConflictRequest, _ call: Call) throws -> Conflict {
        var v = Violations()
        if request.subject.isEmpty { v.add("subject", "is required") }
        if !Self.relations.contains(request.relation) { v.add("relation", "must be one of \(Self.relations.sorted().joined(separator: ", "))") }
        CaseHandlers.text(request.note, field: "note", required: false, max: 500, &v)
        try v.check()
        guard let (s, o) = try call.read({ try $0.subjectWithOrganization(key: request.subject) }) else { throw RPCError(.notFound, "no such subject") }
        // Named before the scope check, so a refused attempt is traced to the person.
        call.target = AuditLog.Target(type: "subject", id: s.id, organizationID: o.id, organizationPath: o.path)
        guard call.caller.covers(ResultUseAccess.declarers, path: o.path) else { throw RPCError(.notFound, "no such subject") }
        guard s.id != call.caller.subjectID else {
            throw RPCError.invalidArgument(field: "subject", "is your own record: nobody acts on their own record anyway")
        }
        var x = ConflictRecord()
        x.id = Identifiers.new(prefix: "cf")
        x.accountID = call.caller.id
        x.subjectID = s.id
        x.relation = request.relation
        x.note = request.note.trimmingSpaces
        x.declareTime = call.now
        call.target = AuditLog.Target(type: "conflict", id: x.id, organizationID: o.id, organizationPath: o.path)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createConflict(x)
            return Self.message(try tx.conflict(id: x.id) ?? x, subjectName: s.name)
        }
    }

    private func list(_ request: ListConflictsRequest, _ call: Call) throws -> ListConflictsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "conflict")
        call.target = AuditLog.Target(type: "conflict_list", id: "")
        var filter = ConflictFilter()
        filter.includeWithdrawn = request.includeWithdrawn
        // A discipline head sees every declaration about subjects in their scope; others their own.
        if call.caller.has(anyOf: ResultUseAccess.secondSigners) {
            filter.scope = call.caller.scope(ResultUseAccess.secondSigners)
            // Never what others declared about the head's own record.
            if !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        } else {
            filter.accountID = call.caller.id
        }
        if !request.subject.isEmpty {
            guard let (s, o) = try call.read({ try $0.subjectWithOrganization(key: request.subject) }),
                  call.caller.covers(ResultUseAccess.declarers, path: o.path), s.id != call.caller.subjectID else {
                throw RPCError(.notFound, "no such subject")
            }
            filter.subjectID = s.id
        }
        let final = filter
        let (rows, total, names) = try call.read { r -> ([ConflictRecord], Int, [String: String]) in
            let rows = try r.conflicts(final, page: Page(after: after, limit: size + 1))
            var names: [String: String] = [:]
            for id in Set(rows.map(\.subjectID)) { names[id] = try r.subject(id: id)?.name ?? "" }
            return (rows, try r.conflictCount(final), names)
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map { AuditLog.Target(type: "conflict", id: $0.id) }
        return ListConflictsResponse(conflicts: page.map { Self.message($0, subjectName: names[$0.subjectID] ?? "") },
                                     nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "conflict") : "",
                                     totalSize: Int32(total))
    }

    private func withdraw(_ request: WithdrawConflictRequest, _ call: Call) throws -> Conflict {
        guard !request.id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let found = try call.read({ try $0.conflict(id: request.id) }) else { throw Self.notFound }
        // Named before the ownership check, so a refused attempt is traced to the declaration.
        call.target = AuditLog.Target(type: "conflict", id: found.id)
        guard found.accountID == call.caller.id else { throw Self.notFound }
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            guard let current = try tx.conflict(id: found.id) else { throw Self.notFound }
            guard current.withdrawTime == 0 else { throw RPCError(.failedPrecondition, "the declaration was withdrawn already") }
            try tx.withdrawConflict(id: current.id, time: now)
            return Self.message(try tx.conflict(id: current.id) ?? current, subjectName: try tx.subject(id: current.subjectID)?.name ?? "")
        }
    }

    static func message(_ c: ConflictRecord, subjectName: String) -> Conflict {
        Conflict(id: c.id, accountId: c.accountID, subjectId: c.subjectID, subjectName: subjectName, relation: c.relation, note: c.note,
                 declareTime: CalendarDays.time(c.declareTime), withdrawTime: CalendarDays.time(c.withdrawTime))
    }
}
