import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Talks and notices (谈话提醒、告知) recorded with a case, which the employee sees and
/// acknowledges (a read receipt with its time).
struct TalkHandlers: Sendable {
    static let notFound = RPCError(.notFound, "no such talk or notice")

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.recordTalk, audit: .change, on: &router, record)
        kit.register(ResultUseService.listTalks, audit: .read, on: &router, list)
        kit.register(ResultUseService.acknowledgeTalk, audit: .change, on: &router, acknowledge)
    }

    private func record(_ request: RecordTalkRequest, _ call: Call) throws -> Talk {
        var v = Violations()
        if request.kind == .unspecified || request.kind.protoValueName == nil { v.add("kind", "is required: TALK_KIND_TALK or TALK_KIND_NOTICE") }
        let today = CalendarDays.today(call.now)
        let held = CaseHandlers.day(request.heldOn, field: "held_on", notAfter: today, &v)
        CaseHandlers.text(request.heldBy, field: "held_by", max: 200, &v)
        CaseHandlers.text(request.content, field: "content", &v)
        if request.caseId.isEmpty { v.add("case_id", "is required") }
        try v.check()
        let found = try CaseHandlers.visible(request.caseId, call, roles: ResultUseAccess.handlers)
        let now = call.now
        var talk = TalkRecord()
        talk.id = Identifiers.new(prefix: "talk")
        talk.caseID = found.id
        talk.caseNumber = found.number
        talk.subjectID = found.subjectID
        talk.kind = request.kind.rawValue
        talk.heldOn = held!
        talk.heldBy = request.heldBy.trimmingSpaces
        talk.content = request.content.trimmingSpaces
        talk.recordedBy = call.caller.id
        talk.recordTime = now
        call.target = AuditLog.Target(type: "talk", id: talk.id, organizationID: found.organizationID, organizationPath: found.organizationPath)
        let kit = call.kit
        let kindName = request.kind == .talk ? "talk" : "notice"
        return try call.write(requestID: request.requestId) { tx in
            guard let current = try tx.caseRecord(id: found.id) else { throw CaseHandlers.notFound }
            try Recusal.check(call.caller.id, subjectID: current.subjectID, doing: "handle this case", tx)
            var life = CaseLifecycle(current, actor: .init(accountID: call.caller.id), time: now)
            let actions: [CaseLifecycle.Action]
            do throws(CaseLifecycle.Refusal) { actions = try life.receive(.talkRecorded(kind: kindName)) } catch { throw CaseHandlers.rpcError(error) }
            try tx.createTalk(talk)
            _ = try CaseEffects(kit: kit).apply(actions, to: life.record, isNew: false, tx)
            // The employee is told there is something to read; what it says stays in the store.
            try Outbox.enqueue(JSONValue.object([("type", .string("talk")), ("talk", .string(talk.id)), ("kind", .string(kindName)),
                                                 ("case", .string(current.number))]).serialized(),
                               to: [try tx.subject(id: current.subjectID)?.accountID ?? ""], key: "talk:\(talk.id)", time: now, tx)
            guard let stored = try tx.talk(id: talk.id) else { throw Self.notFound }
            return CaseMessages.talk(stored)
        }
    }

    private func list(_ request: ListTalksRequest, _ call: Call) throws -> ListTalksResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "talk")
        let subject: (SubjectRecord, OrganizationRecord)
        if request.subject.isEmpty {
            // An employee's own, by the employee role (as with a named subject).
            guard !call.caller.subjectID.isEmpty, call.caller.has(anyOf: [.employee]),
                  let own = try call.read({ try $0.subjectWithOrganization(key: call.caller.subjectID) }) else {
                throw RPCError.invalidArgument(field: "subject", "is required (this account is not an evaluated employee)")
            }
            subject = own
        } else {
            guard let (s, o) = try call.read({ try $0.subjectWithOrganization(key: request.subject) }) else {
                throw RPCError(.notFound, "no such subject")
            }
            // Named before the scope check, so a refused attempt is traced to the person.
            call.target = AuditLog.Target(type: "subject", id: s.id, organizationID: o.id, organizationPath: o.path)
            let own = s.id == call.caller.subjectID && call.caller.has(anyOf: [.employee])
            let staff = call.caller.covers(ResultUseAccess.readers, path: o.path) && s.id != call.caller.subjectID
            guard own || staff else { throw RPCError(.notFound, "no such subject") }
            subject = (s, o)
        }
        call.target = AuditLog.Target(type: "subject", id: subject.0.id, organizationID: subject.1.id, organizationPath: subject.1.path)
        var filter = TalkFilter(subjectID: subject.0.id)
        filter.unacknowledgedOnly = request.unacknowledgedOnly
        let final = filter
        let (rows, total) = try call.read { r in (try r.talks(final, page: Page(after: after, limit: size + 1)), try r.talkCount(final)) }
        let page = Array(rows.prefix(size))
        return ListTalksResponse(talks: page.map(CaseMessages.talk),
                                 nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "talk") : "",
                                 totalSize: Int32(total))
    }

    private func acknowledge(_ request: AcknowledgeTalkRequest, _ call: Call) throws -> Talk {
        guard !request.id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let found = try call.read({ try $0.talk(id: request.id) }) else { throw Self.notFound }
        call.target = AuditLog.Target(type: "talk", id: found.id)
        // Only the employee it is about acknowledges it.
        guard !call.caller.subjectID.isEmpty, found.subjectID == call.caller.subjectID else { throw Self.notFound }
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            try tx.acknowledgeTalk(id: found.id, time: now)
            guard let stored = try tx.talk(id: found.id) else { throw Self.notFound }
            return CaseMessages.talk(stored)
        }
    }
}
