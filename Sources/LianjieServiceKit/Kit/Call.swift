public import LianjieMessages
public import LianjieRPC
public import LianjieRPCServer
import LianjieSecurity
public import LianjieStore

/// Everything a handler needs for one call: who calls, the store, the clock, and the
/// audit trail. Used on one worker thread for one call; not shared.
public final class Call {
    public let caller: Caller
    public let context: CallContext
    public let kit: ServiceKit
    /// What the call is about, for its audit entry; set by the handler as soon as known.
    public var target: AuditLog.Target?
    /// Further records a successful read showed (each subject of a listing): one entry each.
    public var readTargets: [AuditLog.Target] = []
    /// Why the caller reads, for a read that needs a reason (a dossier): kept in the read's
    /// audit entries, refused ones included.
    public var auditReason = ""
    /// SHA-256 of the encoded request, when it carries a `request_id`.
    var fingerprint: [UInt8] = []

    init(caller: Caller, context: CallContext, kit: ServiceKit) {
        self.caller = caller
        self.context = context
        self.kit = kit
    }

    public var method: String { context.method }
    public var store: any Store { kit.store }
    public var logger: Logger { kit.logger }
    /// Unix seconds now, from the services' clock.
    public var now: Int64 { kit.settings.clock.now() }

    /// A retried request's first answer, found through `pendingReplay`: ends the handler, and
    /// the kit answers with it.
    struct ReplayAnswer: Error {
        let bytes: [UInt8]
    }

    /// For a request with a `request_id`: the first answer to the same request is looked up
    /// (`ServiceKit.replay`: the same request, still in the caller's reach) once, inside
    /// the handler's first `read` (so a retry is answered before any check its first run
    /// changed the outcome of), or before its `write`. Plain values, not a closure: a closure
    /// holding this call would keep it alive when the handler ends before any read.
    var pendingReplay: (requestID: String, rule: AccessRule)?

    public func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T {
        try StoreErrors.call(logger: logger, method: method) {
            try store.read { r in
                if let (key, rule) = pendingReplay {
                    pendingReplay = nil
                    if let bytes = try kit.replay(key, rule: rule, self, r) { throw ReplayAnswer(bytes: bytes) }
                }
                return try body(r)
            }
        }
    }

    /// Runs the replay lookup now if no read has run it yet.
    private func checkReplayBeforeWriting() throws {
        guard pendingReplay != nil else { return }
        let _: Bool = try read { _ in true }
    }

    /// Runs a change in one transaction with its audit entry (outcome OK) and, when
    /// `requestID` is set, its idempotency record: the same request id again returns the
    /// first response and changes nothing. The caller's cancellation and deadline are
    /// checked last, inside the transaction: a write is either answered OK or not made.
    /// `storedAs` is what the idempotency record keeps of the response (to leave out a
    /// secret that must never be stored, such as a new API token).
    public func write<Response: ProtoMessage>(requestID: String = "", storedAs: ((Response) -> Response)? = nil,
                                              _ body: (any StoreWriter) throws -> Response) throws -> Response {
        try checkReplayBeforeWriting()
        let change = recording(requestID)
        return try StoreErrors.call(logger: logger, method: method) {
            try store.write { tx -> Response in try change.run(tx, storedAs: storedAs, encode: false, body).response }
        }
    }

    /// What a change records beside itself, as values, so the change can run on the thread
    /// that commits it.
    struct ChangeRecording: Sendable {
        let kit: ServiceKit
        let callerID: String
        let method: String
        let target: AuditLog.Target?
        let context: CallContext
        let fingerprint: [UInt8]
        let requestID: String
        let time: Int64

        /// Runs `body` in `tx` with the call's audit entry (outcome OK) and, for a request
        /// id, its idempotency record; a request id answered meanwhile (the same request
        /// racing its own retry) gets the first answer instead. Checks cancellation last.
        /// Returns the response and, with `encode`, its encoding.
        func run<Response: ProtoMessage>(_ tx: any StoreWriter, storedAs: ((Response) -> Response)?, encode: Bool,
                                         _ body: (any StoreWriter) throws -> Response) throws -> (response: Response, bytes: [UInt8]) {
            let seconds = time / 1_000_000_000
            let window = kit.settings.idempotencyWindowSeconds
            if !requestID.isEmpty,
               let earlier = try tx.idempotencyRecord(accountID: callerID, method: method, requestID: requestID, notBefore: seconds - window) {
                let replayed: Response = try Call.replayed(earlier, fingerprint: fingerprint)
                return (replayed, encode ? earlier.response : [])
            }
            let response = try body(tx)
            let bytes = encode || (!requestID.isEmpty && storedAs == nil) ? response.serializedBytes() : []
            try kit.audit.append(tx, time: time, accountID: callerID, method: method, target: target, peer: context.peer, outcome: "OK")
            if !requestID.isEmpty {
                try tx.saveIdempotencyRecord(IdempotencyRecord(
                    accountID: callerID, method: method, requestID: requestID, response: storedAs.map { $0(response).serializedBytes() } ?? bytes,
                    fingerprint: fingerprint, targetType: target?.type ?? "", targetID: target?.id ?? "",
                    organizationPath: target?.organizationPath ?? "", createTime: seconds))
                try kit.maintenance.pruneIdempotencyIfDue(tx, now: seconds, window: window)
            }
            try context.checkCancellation()
            return (response, bytes)
        }
    }

    private func recording(_ requestID: String) -> ChangeRecording {
        ChangeRecording(kit: kit, callerID: caller.id, method: method, target: target, context: context, fingerprint: fingerprint,
                        requestID: requestID, time: kit.settings.clock.nowNanos())
    }

    /// Appends an audit entry (outcome OK) for each of `targets` inside a `write`'s
    /// transaction: a change that touches many records (a batch import, a rule run) names
    /// each of them, beside the call's own entry.
    public func auditAlso(_ tx: any StoreWriter, _ targets: [AuditLog.Target]) throws {
        let time = kit.settings.clock.nowNanos()
        for t in targets {
            try kit.audit.append(tx, time: time, accountID: caller.id, method: method, target: t, peer: context.peer, outcome: "OK")
        }
    }

    /// `write`, without the worker waiting for the commit: the change joins the next group
    /// commit and the call is answered when it is durable, while this thread takes the next
    /// call. Throws `DeferredReply`, which the kit hands to the server; so it ends the
    /// handler, and everything the change needs must be in `body` (which runs later, on
    /// whichever thread commits it). A failure is answered as `write` would answer it, and
    /// its refusal is audited (through the auditor's queue, as a loop thread's would be).
    public func writeDeferred<Response: ProtoMessage>(requestID: String = "", storedAs: (@Sendable (Response) -> Response)? = nil,
                                                      _ body: @escaping @Sendable (any StoreWriter) throws -> Response) throws -> Never {
        try checkReplayBeforeWriting()
        let change = recording(requestID)
        let pending = PendingReply()
        kit.store.writeLater({ tx -> [UInt8] in
            try change.run(tx, storedAs: storedAs, encode: true, body).bytes
        }, then: { result in
            switch result {
            case .success(let bytes):
                pending.fulfil(.success(bytes))
            case .failure(let error):
                let answer: RPCError
                switch error {
                case let e as RPCError: answer = e
                case let e as StoreError: answer = StoreErrors.rpcError(e, logger: change.kit.logger, method: change.method)
                default:
                    change.kit.logger.error("handler failed", ["method": .text(change.method), "error": .text(String(describing: error))])
                    answer = RPCError(.internal, "internal error; the server log has the details")
                }
                change.kit.auditor.later(accountID: change.callerID, method: change.method, targets: [change.target],
                                         peer: change.context.peer, outcome: answer.status.name)
                pending.fulfil(.failure(answer))
            }
        })
        throw DeferredReply(pending)
    }

    /// INVALID_ARGUMENT when `record` answered another request than the one `fingerprint`
    /// is of (a `request_id` reused for something else).
    static func checkSameRequest(_ record: IdempotencyRecord, fingerprint: [UInt8]) throws {
        guard record.fingerprint.isEmpty || Digest.constantTimeEqual(record.fingerprint, fingerprint) else {
            throw RPCError.invalidArgument(field: "request_id", "was already used for a different request; choose a new one")
        }
    }

    static func replayed<Response: ProtoMessage>(_ record: IdempotencyRecord, fingerprint: [UInt8]) throws -> Response {
        try checkSameRequest(record, fingerprint: fingerprint)
        do { return try Response(serializedBytes: record.response) } catch {
            throw RPCError(.internal, "internal error; the server log has the details")
        }
    }

    /// Appends this call's audit entries — one for `target`, one per `readTargets` when
    /// the outcome is OK — and returns once they are committed.
    /// - Throws: UNAVAILABLE when they cannot be written: a read that cannot be audited
    ///   must not be answered.
    func auditNow(outcome: String) throws {
        do { try writeAudit(outcome: outcome) } catch {
            logger.error("cannot write the audit log; the read is refused", ["method": .text(method), "error": .text(String(describing: error))])
            throw RPCError(.unavailable, "the read could not be recorded in the audit log, so nothing was returned; retry later")
        }
    }

    /// Appends this call's audit entry for a refusal. On a worker it is committed before
    /// the refusal is answered (so the trail is complete the moment the caller hears back);
    /// on a loop thread (`inline`), which must never wait for a disk, it is handed to the
    /// auditor's queue. A refusal is answered even if its entry cannot be written (the
    /// failure is logged): refusing is already the closed side.
    func auditRefusal(outcome: String, inline: Bool) {
        if inline {
            kit.auditor.later(accountID: caller.id, method: method, targets: auditEntries(outcome: outcome), peer: context.peer,
                              outcome: outcome)
            return
        }
        do { try writeAudit(outcome: outcome) } catch {
            logger.error("cannot write the audit log", ["method": .text(method), "outcome": .text(outcome),
                                                        "error": .text(String(describing: error))])
        }
    }

    /// Commits this call's audit entries in one transaction.
    private func writeAudit(outcome: String) throws {
        let entries = auditEntries(outcome: outcome)
        let time = kit.settings.clock.nowNanos()
        try store.write { tx in
            for e in entries {
                try kit.audit.append(tx, time: time, accountID: caller.id, method: method, target: e, peer: context.peer, outcome: outcome,
                                     reason: auditReason)
            }
        }
    }

    private func auditEntries(outcome: String) -> [AuditLog.Target?] {
        [target] + (outcome == "OK" ? readTargets.map(Optional.some) : [])
    }
}

extension Call {
    /// Where a listing of subjects' records is narrowed to, from its request.
    public struct ListingScope {
        /// The named organisation's path, when one was named.
        public var underPath: String?
        /// The named subject, when one was named.
        public var subjectID: String?
    }

    /// Resolves a listing's optional organisation and subject (by id or employee number)
    /// against `roles`, naming the listing `type` (and its organisation) as the call's
    /// audit target. NOT_FOUND for either outside the caller's reach, or for the caller's
    /// own subject record.
    public func listingScope(type: String, organizationID: String, subject: String, roles: Set<Role>) throws -> ListingScope {
        var scope = ListingScope()
        target = AuditLog.Target(type: type, id: "")
        if !organizationID.isEmpty {
            guard let org = try read({ try $0.organization(id: organizationID) }), caller.covers(roles, path: org.path) else {
                throw RPCError(.notFound, "no such organisation")
            }
            scope.underPath = org.path
            target = AuditLog.Target(type: type, id: org.id, organizationID: org.id, organizationPath: org.path)
        }
        if !subject.isEmpty {
            let generation = store.subjectGeneration
            guard let (s, o) = try read({ try kit.subjects.subjectWithOrganization(key: subject, generation: generation, now: now, $0) }) else {
                throw RPCError(.notFound, "no such subject")
            }
            // A listing about one person is traced to them, refused or not.
            target = AuditLog.Target(type: type, id: s.id, organizationID: o.id, organizationPath: o.path)
            guard caller.covers(roles, path: o.path), s.id != caller.subjectID else { throw RPCError(.notFound, "no such subject") }
            scope.subjectID = s.id
        }
        return scope
    }
}
