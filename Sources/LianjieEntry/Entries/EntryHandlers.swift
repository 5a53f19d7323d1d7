import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import LianjieScoringMessages

/// Entries: submitting, reading, reviewing, appealing.
struct EntryHandlers: Sendable {
    let schemes: PublishedSchemes
    let categories = CategoryCodes()

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EntryService.submitEntry, audit: .change, on: &router, submit)
        kit.register(EntryService.getEntry, audit: .read, on: &router, get)
        kit.register(EntryService.listEntries, audit: .read, on: &router, list)
        kit.register(EntryService.confirmEntry, audit: .change, on: &router) { request, call in
            try review(request.id, etag: request.etag, requestID: request.requestId, call) { .confirm(by: $0, at: $1) }
        }
        kit.register(EntryService.rejectEntry, audit: .change, on: &router) { request, call in
            let reason = try Self.reason(request.reason)
            return try review(request.id, etag: request.etag, requestID: request.requestId, call) { .reject(by: $0, at: $1, reason: reason) }
        }
        kit.register(EntryService.revokeEntry, audit: .change, on: &router) { request, call in
            let reason = try Self.reason(request.reason)
            return try review(request.id, etag: request.etag, requestID: request.requestId, call) { .revoke(by: $0, at: $1, reason: reason) }
        }
        kit.register(EntryService.appealEntry, audit: .change, on: &router) { request, call in
            let statement = request.statement.trimmingSpaces
            if statement.isEmpty || statement.count > 2000 { throw RPCError.invalidArgument(field: "statement", "must be 1-2000 characters") }
            return try review(request.id, etag: "", requestID: request.requestId, call, asSubject: true) {
                .appeal(by: $0, at: $1, statement: statement)
            }
        }
        kit.register(EntryService.decideAppeal, audit: .change, on: &router) { request, call in
            guard request.decision == .upheld || request.decision == .dismissed else {
                throw RPCError.invalidArgument(field: "decision", "must be UPHELD or DISMISSED")
            }
            let reason = try Self.reason(request.reason)
            return try review(request.id, etag: "", requestID: request.requestId, call) {
                .decideAppeal(by: $0, at: $1, uphold: request.decision == .upheld, reason: reason)
            }
        }
    }

    static let notFound = RPCError(.notFound, "no such entry")
    static let subjectNotFound = RPCError(.notFound, "no such subject")
    static let maxWorkOrders = 20
    static let maxEvidence = 20
    /// The earliest day an entry may have happened on.
    static let earliestDay = "2000-01-01"

    static func reason(_ text: String) throws -> String {
        let reason = text.trimmingSpaces
        if reason.isEmpty || reason.count > 500 { throw RPCError.invalidArgument(field: "reason", "must be 1-500 characters") }
        return reason
    }

    // MARK: Scope

    /// Whether the caller may read `entry`: a reader, recorder or reviewer role covering the
    /// subject's organisation, or the employee it is about once it is confirmed.
    static func reaches(_ caller: Caller, _ entry: EntryRecord, _ r: any StoreReader) throws -> Bool {
        guard let s = try r.subject(id: entry.subjectID), let o = try r.organization(id: s.organizationID) else { return false }
        if staffView(caller, entry, o) { return true }
        return isOwnVisible(caller, entry)
    }

    /// Whether the caller reads `entry` as staff (all of it): a reader or reviewer role
    /// covering the subject's organisation, and not the subject itself. Staff who are
    /// evaluated too see the entries about themselves only as an employee does.
    static func staffView(_ caller: Caller, _ entry: EntryRecord, _ org: OrganizationRecord) -> Bool {
        caller.covers(EntryAccess.readers.union(EntryAccess.reviewers), path: org.path) && caller.subjectID != entry.subjectID
    }

    /// The employee's own entry, in a state the employee sees: confirmed, or revoked (which
    /// only a confirmed entry can become), so the outcome of an appeal shows.
    static func isOwnVisible(_ caller: Caller, _ entry: EntryRecord) -> Bool {
        !caller.subjectID.isEmpty && caller.subjectID == entry.subjectID && employeeStatuses.contains(entry.status)
    }

    static let employeeStatuses: [Int32] = [EntryStatus.confirmed.rawValue, EntryStatus.revoked.rawValue]

    // MARK: Submit

    func submit(_ request: SubmitEntryRequest, _ call: Call) throws -> Entry {
        var v = Violations()
        if request.subjectId.isEmpty { v.add("subject_id", "is required") }
        let tagKey = request.tag.trimmingSpaces
        if tagKey.isEmpty { v.add("tag", "is required") }
        let today = CalendarDays.today(call.now)
        let day = request.occurredOn.flatMap(CalendarDays.text)
        if let day {
            if day > today { v.add("occurred_on", "is in the future") }
            if day < Self.earliestDay { v.add("occurred_on", "is before \(Self.earliestDay)") }
        } else {
            v.add("occurred_on", "must be a valid calendar day")
        }
        var quantity: Int64 = 100
        if !request.quantity.isEmpty {
            if let q = SchemeConvert.hundredths(request.quantity), (1...10_000).contains(q) { quantity = q }
            else { v.add("quantity", "must be a decimal from 0.01 to 100 with at most two places") }
        }
        let description = request.description.trimmingSpaces
        if description.isEmpty || description.count > 2000 { v.add("description", "must be 1-2000 characters") }
        if request.workOrderNumbers.count > Self.maxWorkOrders { v.add("work_order_numbers", "at most \(Self.maxWorkOrders)") }
        for (i, n) in request.workOrderNumbers.enumerated() where !WorkOrderNumbers.isValid(n) {
            v.add("work_order_numbers[\(i)]", "must be 1-64 letters, digits, '-', '_' or '/'")
        }
        if request.evidenceIds.count > Self.maxEvidence { v.add("evidence_ids", "at most \(Self.maxEvidence)") }
        if Set(request.evidenceIds).count != request.evidenceIds.count { v.add("evidence_ids", "names a piece of evidence twice") }
        switch request.source {
        case .pc, .mobile, .import, .api: break
        case .rule: v.add("source", "RULE is the server's own: rules record their entries themselves")
        default: v.add("source", "must be PC, MOBILE, IMPORT or API")
        }
        try v.check()

        // Read before the read begins (SubjectCache).
        let generation = call.store.subjectGeneration
        let found = try call.read { r -> (SubjectRecord, OrganizationRecord, String, PublishedSchemes.Version?, [EvidenceRecord?])? in
            guard let (s, o) = try call.kit.subjects.subjectWithOrganization(key: request.subjectId, generation: generation, now: call.now, r)
            else { return nil }
            return (s, o, try categories.code(s.categoryID, r), try schemes.current(r), try request.evidenceIds.map { try r.evidence(id: $0) })
        }
        guard let (subject, org, category, scheme, evidence) = found else { throw Self.subjectNotFound }
        call.target = AuditLog.Target(type: "subject", id: subject.id, organizationID: org.id, organizationPath: org.path)
        guard call.caller.covers(EntryAccess.recorders, path: org.path) else { throw Self.subjectNotFound }
        if call.caller.subjectID == subject.id {
            throw RPCError(.failedPrecondition, "four eyes: nobody records an entry about themselves")
        }
        guard subject.status == SubjectStatus.active.rawValue else {
            throw RPCError(.failedPrecondition, "the subject is not active; entries are recorded for active subjects")
        }
        guard let scheme else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
        let tag = try Self.resolve(tagKey, category: category, in: scheme.compiled)
        for (i, e) in evidence.enumerated() where e == nil || e!.uploadedBy != call.caller.id {
            throw RPCError(.notFound, "no such evidence: \(request.evidenceIds[i]) (evidence is attached by whoever uploaded it)")
        }
        if tag.tag.evidenceRequired, evidence.isEmpty {
            throw RPCError.invalidArgument(field: "evidence_ids", "the tag \(tag.ref.code) requires evidence")
        }
        let now = call.now
        let record = EntryRecord(id: Identifiers.ordered(prefix: "ent", unixMillis: call.kit.settings.clock.nowNanos() / 1_000_000), subjectID: subject.id, tagLibrary: tag.ref.library,
                                 tagVersion: tag.ref.version, tagCode: tag.ref.code, tagName: tag.tag.name,
                                 dimension: tag.tag.dimension.rawValue, polarity: tag.tag.polarity.rawValue, occurredOn: day!,
                                 quantity: quantity, description: description, workOrders: request.workOrderNumbers,
                                 evidenceIDs: request.evidenceIds, source: request.source.rawValue,
                                 status: EntryStatus.submitted.rawValue, recordedBy: call.caller.id, recordTime: now,
                                 schemeVersion: scheme.record.version)
        call.target = AuditLog.Target(type: "entry", id: record.id, organizationID: org.id, organizationPath: org.path)
        let evidenceRecords = evidence.compactMap { $0 }
        let recorder = call.caller.id
        // The busiest write there is: handed to the next group commit, this worker moves on.
        try call.writeDeferred(requestID: request.requestId) { tx in
            var stored = record
            stored.seq = try tx.createEntry(record, event: EntryEventRecord(entryID: record.id, time: now, accountID: recorder,
                                                                             action: "submitted", status: record.status))
            return RecordMessages.entry(stored, subject: subject, evidence: evidenceRecords, history: nil, selfView: false)
        }
    }

    /// The tag `key` names (`CODE` or `LIBRARY/CODE`) among the libraries that apply to
    /// subjects of `category`; INVALID_ARGUMENT naming `tag` otherwise.
    static func resolve(_ key: String, category: String, in scheme: CompiledScheme) throws -> CompiledScheme.Entry {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        let library = parts.count == 2 ? parts[0] : nil
        let code = parts.last ?? ""
        let named = scheme.tags.filter { $0.ref.code == code && (library == nil || $0.ref.library == library) }
        let applicable = named.filter { $0.category == nil || $0.category == category }
        guard !named.isEmpty else { throw RPCError.invalidArgument(field: "tag", "no tag \(key) in the published scheme") }
        guard !applicable.isEmpty else {
            let others = Set(named.compactMap(\.category)).sorted().joined(separator: ", ")
            throw RPCError.invalidArgument(field: "tag", "\(key) belongs to the library of \(others), not of the subject's category \(category)")
        }
        guard applicable.count == 1 else {
            let names = applicable.map { "\($0.ref.library)/\($0.ref.code)" }.joined(separator: " or ")
            throw RPCError.invalidArgument(field: "tag", "\(key) is in more than one library; name it as \(names)")
        }
        let tag = applicable[0]
        if tag.tag.retired { throw RPCError.invalidArgument(field: "tag", "\(tag.ref.library)/\(code) is retired and takes no new entries") }
        return tag
    }

    // MARK: Reading

    func get(_ request: GetEntryRequest, _ call: Call) throws -> Entry {
        guard !request.id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        let found = try call.read { r -> (EntryRecord, SubjectRecord, OrganizationRecord, [EvidenceRecord], [EntryEventRecord])? in
            guard let e = try r.entry(id: request.id), let s = try r.subject(id: e.subjectID), let o = try r.organization(id: s.organizationID)
            else { return nil }
            return (e, s, o, try e.evidenceIDs.compactMap { try r.evidence(id: $0) }, try r.entryEvents(entryID: e.id))
        }
        guard let (entry, subject, org, evidence, events) = found else { throw Self.notFound }
        call.target = AuditLog.Target(type: "entry", id: entry.id, organizationID: org.id, organizationPath: org.path)
        let staff = Self.staffView(call.caller, entry, org)
        guard staff || Self.isOwnVisible(call.caller, entry) else { throw Self.notFound }
        return RecordMessages.entry(entry, subject: subject, evidence: evidence, history: events,
                            selfView: !staff && !call.kit.settings.showRecorderToEmployee)
    }

    func list(_ request: ListEntriesRequest, _ call: Call) throws -> ListEntriesResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "entry")
        let staffRoles = EntryAccess.readers.union(EntryAccess.reviewers)
        let staff = call.caller.has(anyOf: staffRoles)
        var filter = EntryFilter(scope: staff ? call.caller.scope(staffRoles) : .everything)
        if staff, !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        if !staff {
            // The employee's self-view: confirmed entries about themselves (and their outcome).
            filter.subjectID = call.caller.subjectID.isEmpty ? "-" : call.caller.subjectID
            filter.statuses = Self.employeeStatuses
        }
        var v = Violations()
        if !request.tag.isEmpty {
            let parts = request.tag.split(separator: "/", maxSplits: 1).map(String.init)
            if parts.count == 2 { filter.tagLibrary = parts[0] }
            filter.tagCode = parts.last
        }
        if request.dimension != .unspecified {
            if let d = (request.dimension).core { filter.dimension = d.rawValue } else { v.add("dimension", "is not a dimension") }
        }
        if request.status != .unspecified {
            if request.status.protoValueName == nil { v.add("status", "is not an entry status") }
            filter.statuses = (filter.statuses ?? [request.status.rawValue]).filter { $0 == request.status.rawValue }
        }
        if request.source != .unspecified {
            if request.source.protoValueName == nil { v.add("source", "is not an entry source") }
            filter.source = request.source.rawValue
        }
        if let days = CalendarDays.days(request.period, &v) { (filter.fromDay, filter.toDay) = (days.from, days.to) }
        try v.check()
        if !request.subjectId.isEmpty {
            let found = try call.read { try $0.subjectWithOrganization(key: request.subjectId) }
            guard let (s, o) = found else { throw Self.subjectNotFound }
            guard !staff || call.caller.covers(staffRoles, path: o.path) else { throw Self.subjectNotFound }
            if !staff, s.id != call.caller.subjectID { throw Self.subjectNotFound }
            filter.subjectID = s.id
            call.target = AuditLog.Target(type: "entry_list", id: s.id, organizationID: o.id, organizationPath: o.path)
        }
        if !request.organizationId.isEmpty {
            let org = try call.read { try $0.organization(id: request.organizationId) }
            guard let org, staff, call.caller.covers(staffRoles, path: org.path) else { throw RPCError(.notFound, "no such organisation") }
            filter.underPath = org.path
            call.target = call.target ?? AuditLog.Target(type: "entry_list", id: org.id, organizationID: org.id, organizationPath: org.path)
        }
        if call.target == nil { call.target = AuditLog.Target(type: "entry_list", id: "") }
        let finalFilter = filter
        let (rows, total, subjects, organizations, evidence) = try call.read { r in
            let rows = try r.entries(finalFilter, page: Page(after: after, limit: size + 1))
            var subjects: [String: SubjectRecord] = [:], organizations: [String: OrganizationRecord] = [:]
            var evidence: [String: EvidenceRecord] = [:]
            for e in rows.prefix(size) {
                if subjects[e.subjectID] == nil, let s = try r.subject(id: e.subjectID) {
                    subjects[s.id] = s
                    if organizations[s.organizationID] == nil { organizations[s.organizationID] = try r.organization(id: s.organizationID) }
                }
                for id in e.evidenceIDs where evidence[id] == nil { evidence[id] = try r.evidence(id: id) }
            }
            return (rows, try r.entryCount(finalFilter), subjects, organizations, evidence)
        }
        let page = Array(rows.prefix(size))
        var entries: [Entry] = []
        for e in page {
            guard let s = subjects[e.subjectID], let o = organizations[s.organizationID] else { continue }
            call.readTargets.append(AuditLog.Target(type: "entry", id: e.id, organizationID: o.id, organizationPath: o.path))
            let selfView = !Self.staffView(call.caller, e, o) && !call.kit.settings.showRecorderToEmployee
            entries.append(RecordMessages.entry(e, subject: s, evidence: e.evidenceIDs.compactMap { evidence[$0] }, history: nil, selfView: selfView))
        }
        return ListEntriesResponse(entries: entries,
                                   nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "entry") : "",
                                   totalSize: Int32(total))
    }

    // MARK: Review and appeal

    /// Runs one review event on an entry the caller reaches (as a reviewer, or with
    /// `asSubject` as the employee it is about) and stores what it changed.
    private func review(_ id: String, etag: String, requestID: String, _ call: Call, asSubject: Bool = false,
                        _ event: (EntryReview.Actor, Int64) -> EntryReview.Event) throws -> Entry {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        let found = try call.read { r -> (EntryRecord, SubjectRecord, OrganizationRecord)? in
            guard let e = try r.entry(id: id), let s = try r.subject(id: e.subjectID), let o = try r.organization(id: s.organizationID)
            else { return nil }
            return (e, s, o)
        }
        guard let (entry, subject, org) = found else { throw Self.notFound }
        call.target = AuditLog.Target(type: "entry", id: entry.id, organizationID: org.id, organizationPath: org.path)
        let reaches = asSubject ? Self.isOwnVisible(call.caller, entry) : call.caller.covers(EntryAccess.reviewers, path: org.path)
        guard reaches else { throw Self.notFound }
        if !asSubject {
            // Recusal: a reviewer who declared a conflict with the subject neither reviews nor decides appeals.
            try call.read { r in try Recusal.check(call.caller.id, subjectID: entry.subjectID, doing: "review this entry or decide its appeal", r) }
        }
        try Validate.etag(etag, entry.version)
        var machine = EntryReview(entry)
        let actions = machine.receive(event(EntryReview.Actor(accountID: call.caller.id, subjectID: call.caller.subjectID), call.now))
        var events: [EntryEventRecord] = []
        for action in actions {
            switch action {
            case .refuse(let refusal): throw RPCError(.failedPrecondition, refusal.message)
            case .store(let e): events.append(e)
            }
        }
        let changed = machine.entry
        let selfView = asSubject && !call.kit.settings.showRecorderToEmployee
        return try call.write(requestID: requestID) { tx in
            guard let current = try tx.entry(id: id), current.version == entry.version else {
                throw RPCError(.aborted, "the entry changed meanwhile; read it again and retry")
            }
            for e in events { try tx.updateEntry(changed, event: e) }
            let stored = try tx.entry(id: id) ?? changed
            if stored.status == EntryStatus.confirmed.rawValue, entry.status != EntryStatus.confirmed.rawValue {
                try call.auditAlso(tx, try call.kit.entryChanged(EntryChange(kind: .confirmed, entry: stored, accountID: call.caller.id,
                                                                             time: call.now), tx))
            }
            return RecordMessages.entry(stored, subject: subject, evidence: try stored.evidenceIDs.compactMap { try tx.evidence(id: $0) },
                                history: try tx.entryEvents(entryID: id), selfView: selfView)
        }
    }

}

/// Work-order numbers as entries cite them and the marketing system sends them.
enum WorkOrderNumbers {
    /// 1-64 letters, digits, '-', '_' or '/'.
    static func isValid(_ n: String) -> Bool {
        (1...64).contains(n.utf8.count) && n.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2F
        }
    }
}
