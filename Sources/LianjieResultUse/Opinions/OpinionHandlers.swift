import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Integrity opinions (廉洁意见回复): HR asks, the scheme's rules propose from a frozen
/// dossier, an inspector reviews and signs, the discipline head of the subject's
/// organisation signs second; only then does HR see it, until it expires.
struct OpinionHandlers: Sendable {
    static let notFound = RPCError(.notFound, "no such opinion")
    static let maxSubjects = 100
    static let defaultValidityDays = 90

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.requestOpinions, audit: .change, on: &router, request)
        kit.register(ResultUseService.getOpinion, audit: .read, on: &router) { request, call in
            let (o, hrView) = try Self.visible(request.id, call)
            let names = try call.read { r in try Self.names([o], r) }
            return Self.message(o, today: CalendarDays.today(call.now), hrView: hrView, names: names)
        }
        kit.register(ResultUseService.listOpinions, audit: .read, on: &router, list)
        kit.register(ResultUseService.reviewOpinion, audit: .change, on: &router, review)
        kit.register(ResultUseService.signOpinion, audit: .change, on: &router, sign)
    }

    // MARK: Asking

    private func request(_ request: RequestOpinionsRequest, _ call: Call) throws -> RequestOpinionsResponse {
        var v = Violations()
        if request.purpose == .unspecified || request.purpose.protoValueName == nil { v.add("purpose", "is required: one of the OPINION_PURPOSE_ values") }
        CaseHandlers.text(request.purposeNote, field: "purpose_note", max: 200, &v)
        if request.subjects.isEmpty || request.subjects.count > Self.maxSubjects { v.add("subjects", "must name 1 to \(Self.maxSubjects) subjects") }
        if let i = request.subjects.firstIndex(where: \.isEmpty) { v.add("subjects[\(i)]", "is empty") }
        let today = CalendarDays.today(call.now)
        let due = CaseHandlers.day(request.dueDate, field: "due_date", notBefore: today, &v)
        if !(0...365).contains(request.validityDays) { v.add("validity_days", "must be between 1 and 365 (0 for \(Self.defaultValidityDays))") }
        try v.check()
        let roles = ResultUseAccess.opinionRequesters
        let now = call.now
        let schemes = call.kit.schemes
        // The proposals are made from one read: each dossier as it stands now, frozen.
        let drafts = try call.read { r -> [OpinionRecord] in
            guard let scheme = try schemes.current(r) else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
            var seen = Set<String>()
            var out: [OpinionRecord] = []
            for (i, key) in request.subjects.enumerated() {
                guard let (s, o) = try r.subjectWithOrganization(key: key) else { throw RPCError(.notFound, "no such subject: \(key) (subjects[\(i)])") }
                // Named before the scope check, so a refused attempt is traced to the person.
                call.target = AuditLog.Target(type: "subject", id: s.id, organizationID: o.id, organizationPath: o.path)
                guard call.caller.covers(roles, path: o.path), s.id != call.caller.subjectID else {
                    throw RPCError(.notFound, "no such subject: \(key) (subjects[\(i)])")
                }
                guard seen.insert(s.id).inserted else { continue }
                out.append(try Self.draft(s, o, purpose: request.purpose, note: request.purposeNote.trimmingSpaces, due: due!,
                                          validityDays: request.validityDays == 0 ? Self.defaultValidityDays : Int(request.validityDays),
                                          by: call.caller.id, at: now, scheme: scheme, schemes: schemes, r))
            }
            return out
        }
        let batch = Identifiers.new(prefix: "opb")
        call.target = AuditLog.Target(type: "opinion_batch", id: batch)
        return try call.write(requestID: request.requestId) { tx in
            var opinions: [Opinion] = []
            for var x in drafts {
                x.batchID = batch
                try tx.createOpinion(x)
                try call.auditAlso(tx, [AuditLog.Target(type: "opinion", id: x.id, organizationID: x.organizationID, organizationPath: x.organizationPath)])
                try Self.notify(Roles.disciplineNames, about: x, key: "opinion:\(x.id):requested",
                                message: "\(x.subjectName)的廉洁意见待审核，\(x.dueDate) 前完成", now: now, tx)
                opinions.append(Self.message(try tx.opinion(id: x.id) ?? x, today: today, hrView: true))
            }
            return RequestOpinionsResponse(batchId: batch, opinions: opinions)
        }
    }

    /// A proposed opinion about one subject: its dossier as it stands in `r`, frozen, and
    /// what the scheme's opinion rules propose from it.
    static func draft(_ s: SubjectRecord, _ o: OrganizationRecord, purpose: OpinionPurpose, note: String, due: String, validityDays: Int,
                      by requester: String, at now: Int64, scheme: PublishedSchemes.Version, schemes: PublishedSchemes,
                      _ r: any StoreReader) throws -> OpinionRecord {
        let dossier = try DossierBuilder().build(s, r, now: now, schemes: schemes)
        let proposal = OpinionProposal.propose(scheme.compiled.scheme.opinionRules, facts: Self.facts(dossier), on: Day(CalendarDays.today(now))!)
        var x = OpinionRecord()
        x.id = Identifiers.new(prefix: "op")
        x.subjectID = s.id
        x.employeeNumber = s.employeeNumber
        x.subjectName = s.name
        x.organizationID = o.id
        x.organizationPath = o.path
        x.purpose = purpose.rawValue
        x.purposeNote = note
        x.state = OpinionState.proposed.rawValue
        x.proposed = Self.message(proposal.conclusion).rawValue
        x.reasons = proposal.reasons.map { OpinionReasonRecord(rule: $0.rule, conclusion: Self.message($0.conclusion).rawValue, fact: $0.fact) }
        x.dossierSHA256 = dossier.sha256
        x.dossier = dossier.serializedBytes()
        x.schemeVersion = scheme.record.version
        x.validityDays = validityDays
        x.dueDate = due
        x.requestedBy = requester
        x.requestTime = now
        return x
    }

    /// The first signature on `o`: the conclusion given (nil keeps the proposal; another one
    /// needs `reason`).
    static func reviewed(_ o: OpinionRecord, conclusion: Int32?, reason: String, note: String, by reviewer: String, at now: Int64) throws -> OpinionRecord {
        guard o.state == OpinionState.proposed.rawValue else {
            throw RPCError(.failedPrecondition, "the opinion is \(stateName(o.state)); only a proposed one is reviewed")
        }
        var x = o
        let given = conclusion ?? o.proposed
        if given != o.proposed, reason.isEmpty {
            throw RPCError.invalidArgument(field: "change_reason", "is required: the conclusion differs from the proposal")
        }
        x.conclusion = given
        x.changeReason = given == o.proposed ? "" : reason
        x.reviewedBy = reviewer
        x.reviewTime = now
        x.reviewNote = note
        x.state = OpinionState.reviewed.rawValue
        return x
    }

    /// The second signature on `o`, by someone who did not review it; valid from today for
    /// its number of days.
    static func signed(_ o: OpinionRecord, by signer: String, at now: Int64) throws -> OpinionRecord {
        guard o.state == OpinionState.reviewed.rawValue else {
            throw RPCError(.failedPrecondition, "the opinion is \(stateName(o.state)); it is signed second once reviewed")
        }
        guard o.reviewedBy != signer else {
            throw RPCError(.failedPrecondition, "you reviewed this opinion: the second signature is someone else's (four eyes)")
        }
        var x = o
        x.signedBy = signer
        x.signTime = now
        x.validUntil = Day(ordinal: Day(CalendarDays.today(now))!.ordinal + Int32(o.validityDays)).description
        x.state = OpinionState.signed.rawValue
        return x
    }

    /// What the opinion rules read of a frozen dossier.
    static func facts(_ d: Dossier) -> OpinionFacts {
        var f = OpinionFacts()
        for c in d.cases {
            if [.open, .assigned, .disposed, .rectifying, .verified].contains(c.state) { f.openCases.append(c.number) }
            if let disp = c.disposition, disp.form != .unspecified, let date = disp.date,
               let day = Day(year: Int(date.year), month: Int(date.month), day: Int(date.day)) {
                f.dispositions.append((Int(disp.form.rawValue), OpinionFacts.Dated(day: day, reference: c.number)))
            }
        }
        for e in d.evaluations where !e.noData {
            guard let p = e.period, let period = CalendarDays.period(p) else { continue }
            let fact = OpinionFacts.Dated(day: period.end, reference: period.description)
            if e.veto { f.vetoes.append(fact) }
            if e.grade == .poor { f.poorGrades.append(fact) }
        }
        return f
    }

    // MARK: Reading

    /// The opinion when the caller reaches it: discipline staff covering the subject (not
    /// their own), or HR covering it once signed (`hrView`).
    static func visible(_ id: String, _ call: Call) throws -> (OpinionRecord, hrView: Bool) {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let o = try call.read({ try $0.opinion(id: id) }) else { throw notFound }
        call.target = AuditLog.Target(type: "opinion", id: o.id, organizationID: o.organizationID, organizationPath: o.organizationPath)
        guard o.subjectID != call.caller.subjectID else { throw notFound }
        if call.caller.covers(ResultUseAccess.handlers, path: o.organizationPath) { return (o, false) }
        guard call.caller.covers([.hr], path: o.organizationPath), o.state == OpinionState.signed.rawValue else { throw notFound }
        return (o, true)
    }

    private func list(_ request: ListOpinionsRequest, _ call: Call) throws -> ListOpinionsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "opinion")
        let staff = call.caller.has(anyOf: ResultUseAccess.handlers)
        let roles = staff ? ResultUseAccess.handlers : [.hr]
        var filter = OpinionFilter()
        filter.scope = call.caller.scope(roles)
        if !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        var v = Violations()
        if request.state != .unspecified {
            if request.state.protoValueName == nil { v.add("state", "is not an opinion state") } else { filter.state = request.state.rawValue }
        }
        try v.check()
        if !staff {
            guard filter.state == nil || filter.state == OpinionState.signed.rawValue else {
                return ListOpinionsResponse()  // HR sees signed opinions only
            }
            filter.state = OpinionState.signed.rawValue
        }
        if !request.batchId.isEmpty { filter.batchID = request.batchId }
        let narrowed = try call.listingScope(type: "opinion_list", organizationID: request.organizationId, subject: request.subject, roles: roles)
        filter.underPath = narrowed.underPath
        filter.subjectID = narrowed.subjectID
        let final = filter
        let (rows, total, names) = try call.read { r -> ([OpinionRecord], Int, [String: String]) in
            let rows = try r.opinions(final, page: Page(after: after, limit: size + 1))
            return (rows, try r.opinionCount(final), try Self.names(Array(rows.prefix(size)), r))
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map { AuditLog.Target(type: "opinion", id: $0.id, organizationID: $0.organizationID, organizationPath: $0.organizationPath) }
        let today = CalendarDays.today(call.now)
        return ListOpinionsResponse(opinions: page.map { Self.message($0, today: today, hrView: !staff, names: names) },
                                    nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "opinion") : "",
                                    totalSize: Int32(total))
    }

    // MARK: Signing

    private func review(_ request: ReviewOpinionRequest, _ call: Call) throws -> Opinion {
        var v = Violations()
        if request.conclusion != .unspecified, request.conclusion.protoValueName == nil { v.add("conclusion", "is not an opinion conclusion") }
        CaseHandlers.text(request.changeReason, field: "change_reason", required: false, max: 1000, &v)
        CaseHandlers.text(request.note, field: "note", required: false, max: 1000, &v)
        try v.check()
        let (found, hrView) = try Self.visible(request.id, call)
        guard !hrView else { throw Self.notFound }
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            guard var o = try tx.opinion(id: found.id) else { throw Self.notFound }
            try Validate.etag(request.etag, o.version)
            try Recusal.check(call.caller.id, subjectID: o.subjectID, doing: "review this opinion", tx)
            o = try Self.reviewed(o, conclusion: request.conclusion == .unspecified ? nil : request.conclusion.rawValue,
                                  reason: request.changeReason.trimmingSpaces, note: request.note.trimmingSpaces, by: call.caller.id, at: now)
            try tx.updateOpinion(o)
            try Self.notify(["discipline_head"], about: o, key: "opinion:\(o.id):reviewed",
                            message: "\(o.subjectName)的廉洁意见待您签发", now: now, tx)
            let stored = try tx.opinion(id: o.id) ?? o
            return Self.message(stored, today: CalendarDays.today(now), hrView: false, names: try Self.names([stored], tx))
        }
    }

    private func sign(_ request: SignOpinionRequest, _ call: Call) throws -> Opinion {
        let (found, hrView) = try Self.visible(request.id, call)
        guard !hrView, call.caller.covers(ResultUseAccess.secondSigners, path: found.organizationPath) else { throw Self.notFound }
        let now = call.now
        return try call.write(requestID: request.requestId) { tx in
            guard var o = try tx.opinion(id: found.id) else { throw Self.notFound }
            try Validate.etag(request.etag, o.version)
            try Recusal.check(call.caller.id, subjectID: o.subjectID, doing: "sign this opinion", tx)
            o = try Self.signed(o, by: call.caller.id, at: now)
            try tx.updateOpinion(o)
            try Outbox.enqueue(Self.payload(o, message: "\(o.subjectName)的廉洁意见已签发"), to: [o.requestedBy], key: "opinion:\(o.id):signed",
                               time: now, tx)
            let stored = try tx.opinion(id: o.id) ?? o
            return Self.message(stored, today: CalendarDays.today(now), hrView: false, names: try Self.names([stored], tx))
        }
    }

    // MARK: Helpers

    /// Tells the holders of `roles` covering the subject (never the subject) about `o`.
    static func notify(_ roles: [String], about o: OpinionRecord, key: String, message: String, now: Int64, _ tx: any StoreWriter) throws {
        try Outbox.enqueue(payload(o, message: message), to: try tx.accountIDs(roles: roles, covering: o.organizationPath), key: key,
                           excludingSubject: o.subjectID, time: now, tx)
    }

    /// What the gateway shows of an opinion: whom it is about and what happened.
    static func payload(_ o: OpinionRecord, message: String) -> String {
        JSONValue.object([("type", .string("opinion")), ("opinion", .string(o.id)), ("subjectName", .string(o.subjectName)),
                          ("message", .string(message))]).serialized()
    }

    static func stateName(_ s: Int32) -> String {
        switch OpinionState(rawValue: s) {
        case .proposed: "proposed"
        case .reviewed: "reviewed"
        case .signed: "signed"
        default: "unknown"
        }
    }

    static func message(_ c: LianjieScoring.OpinionConclusion) -> LianjieMessages.OpinionConclusion {
        switch c {
        case .noObjection: .noObjection
        case .deferred: .deferred
        case .objection: .objection
        }
    }

    /// The display names of the accounts that signed these opinions, by account id.
    static func names(_ opinions: [OpinionRecord], _ r: any StoreReader) throws -> [String: String] {
        var out: [String: String] = [:]
        for id in Set(opinions.flatMap { [$0.reviewedBy, $0.signedBy] }) where !id.isEmpty {
            out[id] = try r.account(id: id)?.displayName ?? ""
        }
        return out
    }

    /// An opinion as its reader sees it: HR (`hrView`) sees what it concludes only once it
    /// is signed, and never the rules' proposal or the reviewer's note.
    static func message(_ o: OpinionRecord, today: String, hrView: Bool, names: [String: String] = [:]) -> Opinion {
        var m = Opinion()
        m.id = o.id
        m.batchId = o.batchID
        m.subjectId = o.subjectID
        m.employeeNumber = o.employeeNumber
        m.subjectName = o.subjectName
        m.organizationId = o.organizationID
        m.purpose = OpinionPurpose(rawValue: o.purpose)
        m.purposeNote = o.purposeNote
        m.state = OpinionState(rawValue: o.state)
        m.dueDate = CalendarDays.date(o.dueDate)
        m.requestedBy = o.requestedBy
        m.requestTime = CalendarDays.time(o.requestTime)
        m.etag = String(o.version)
        let signed = o.state == OpinionState.signed.rawValue
        // What it concludes and why: staff always, HR once signed.
        if signed || !hrView {
            m.conclusion = LianjieMessages.OpinionConclusion(rawValue: o.conclusion)
            m.reasons = o.reasons.map { OpinionReason(rule: $0.rule, conclusion: LianjieMessages.OpinionConclusion(rawValue: $0.conclusion), fact: $0.fact) }
            m.changeReason = o.changeReason
            m.dossierSha256 = o.dossierSHA256
            m.reviewedBy = o.reviewedBy
            m.reviewTime = CalendarDays.time(o.reviewTime)
            m.reviewerName = names[o.reviewedBy] ?? ""
        }
        if signed {
            m.signedBy = o.signedBy
            m.signTime = CalendarDays.time(o.signTime)
            m.validUntil = CalendarDays.date(o.validUntil)
            m.expired = o.validUntil < today
            m.signerName = names[o.signedBy] ?? ""
        }
        // The rules' proposal and the reviewer's note: staff only.
        if !hrView {
            m.proposed = LianjieMessages.OpinionConclusion(rawValue: o.proposed)
            m.schemeVersion = Int32(clamping: o.schemeVersion)
            m.reviewNote = o.reviewNote
        }
        return m
    }
}
