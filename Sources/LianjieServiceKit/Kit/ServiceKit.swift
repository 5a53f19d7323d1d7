import Dispatch
public import LianjieMessages
public import LianjieRPC
public import LianjieRPCServer
import LianjieSecurity
public import LianjieStore
import LianjieWire
import Synchronization

/// What every service module is built on: the store, settings and clock, the audit log,
/// the authenticator, the access table, and `register`, which wraps each handler in the
/// same authentication, access rule, idempotency and audit steps.
public struct ServiceKit: Sendable {
    public let store: any Store
    public let settings: ServiceSettings
    public let logger: Logger
    public let audit: AuditLog
    public let authenticator: Authenticator
    public let access: AccessTable
    let auditor: Auditor
    let maintenance = Maintenance()
    /// Published scheme versions, compiled once per process (shared by every module).
    public let schemes = PublishedSchemes()
    /// Subjects with their organisation by id or employee number (shared by every module).
    public let subjects = SubjectCache()
    /// What other modules do when an entry is confirmed or derived (raise alerts), inside
    /// the same transaction; filled by the modules.
    var entryObservers: [@Sendable (EntryChange, any StoreWriter) throws -> [AuditLog.Target]] = []
    /// What other modules do when a case falls overdue (raise an alert), inside the same
    /// transaction; filled by the modules.
    var overdueObservers: [@Sendable (CaseOverdue, any StoreWriter) throws -> [AuditLog.Target]] = []
    /// Per record type, whether a caller still reaches the record an idempotent request
    /// was about (checked before a replay is answered); filled by the modules.
    var replayChecks: [String: @Sendable (Caller, IdempotencyRecord, any StoreReader) throws -> Bool] = [:]

    public init(store: any Store, settings: ServiceSettings, audit: AuditLog, access: AccessTable, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.audit = audit
        self.access = access
        let auditor = Auditor(store: store, audit: audit, clock: settings.clock, logger: logger)
        self.auditor = auditor
        self.authenticator = Authenticator(store: store, settings: settings, logger: logger) { head, error in
            // A call refused for its token: who tried what, from where.
            auditor.later(accountID: "", method: head.method, targets: [nil], peer: head.peer, outcome: error.status.name)
        }
    }

    /// Appends audit entries without waiting (what a handler records beside its answer).
    public func auditLater(accountID: String, method: String, targets: [AuditLog.Target?], peer: String, outcome: String) {
        auditor.later(accountID: accountID, method: method, targets: targets, peer: peer, outcome: outcome)
    }

    /// Waits until every entry handed to `auditLater` so far is written.
    public func flushAudit() { auditor.flush() }

    /// Declares how to tell whether a caller still reaches a record of `type` that an
    /// idempotent request was about (records with an organisation path are checked by it).
    public mutating func checkReplays(of type: String, _ check: @escaping @Sendable (Caller, IdempotencyRecord, any StoreReader) throws -> Bool) {
        replayChecks[type] = check
    }

    /// Declares what to do, inside the changing transaction, when an entry is confirmed or
    /// derived; `observer` returns the records it changed, for the call's audit entries.
    public mutating func observeEntries(_ observer: @escaping @Sendable (EntryChange, any StoreWriter) throws -> [AuditLog.Target]) {
        entryObservers.append(observer)
    }

    /// Tells every observer about `change` inside the transaction `tx`; returns the records
    /// they changed (each to be audited beside the call). A failure undoes the change.
    public func entryChanged(_ change: EntryChange, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        try entryObservers.flatMap { try $0(change, tx) }
    }

    /// Declares what to do, inside the changing transaction, when a case falls overdue;
    /// `observer` returns the records it changed, for the audit entries.
    public mutating func observeOverdueCases(_ observer: @escaping @Sendable (CaseOverdue, any StoreWriter) throws -> [AuditLog.Target]) {
        overdueObservers.append(observer)
    }

    /// Tells every observer that a case fell overdue, inside `tx`; returns the records they
    /// changed. A failure undoes the whole check's transaction.
    public func caseOverdue(_ overdue: CaseOverdue, _ tx: any StoreWriter) throws -> [AuditLog.Target] {
        try overdueObservers.flatMap { try $0(overdue, tx) }
    }

    /// Registers `body` for `method`, after the method's access rule: on the worker pool,
    /// or (`.inline`) on the connection's thread for a handler that answers from the
    /// resolved caller alone and never touches the store.
    public func register<Request, Response>(_ method: RPCMethod<Request, Response>, audit mode: AuditMode,
                                            execution: HandlerExecution = .pool, on router: inout Router,
                                            _ body: @escaping @Sendable (Request, Call) throws -> Response) {
        guard let rule = access.rule(method.path) else { preconditionFailure("\(method.path) has no access rule") }
        precondition(rule != .anyone, "\(method.path): methods open to anyone are registered on the router directly")
        let kit = self
        let idempotent = Request.self is any Idempotent.Type
        let inline = execution == .inline
        precondition(execution != .inline || mode == .none, "\(method.path): an audited method touches the store, so not inline")
        router.registerEncoded(method, execution: execution, authentication: .required) { request, context -> [UInt8] in
            guard let caller = context.principal as? Caller else { throw Authenticator.refusal }
            let call = Call(caller: caller, context: context, kit: kit)
            if case .roles(let roles) = rule, !caller.has(anyOf: roles) {
                call.auditRefusal(outcome: Status.permissionDenied.name, inline: inline)
                throw RPCError(.permissionDenied, "your roles do not allow \(method.method)")
            }
            do {
                if idempotent, let key = (request as? any Idempotent)?.requestId, !key.isEmpty {
                    call.fingerprint = Digest.sha256(request.serializedBytes())
                    // Looked up in the handler's first read (one transaction fewer), or before
                    // its write if it reads nothing first: see `Call.pendingReplay`.
                    call.pendingReplay = (key, rule)
                }
                let response = try body(request, call)
                if mode == .read { try call.auditNow(outcome: "OK") }
                return response.serializedBytes()
            } catch let replay as Call.ReplayAnswer {
                if mode == .read { try call.auditNow(outcome: "OK") }
                return replay.bytes
            } catch let error as RPCError {
                if mode != .none { call.auditRefusal(outcome: error.status.name, inline: inline) }
                throw error
            } catch let delayed as DelayedFailure {
                if mode != .none { call.auditRefusal(outcome: delayed.error.status.name, inline: inline) }
                throw delayed
            } catch let deferred as DeferredReply {
                // Answered (and audited) when its write commits.
                throw deferred
            } catch {
                call.auditRefusal(outcome: Status.internal.name, inline: inline)
                throw error
            }
        }
    }

    /// The first answer to an earlier request with the same `request_id`, if any, checked:
    /// the same request, and a record the caller still reaches (AIP-155). Answered before
    /// any check the first run itself changed the outcome of (a name now taken, say).
    func replay(_ key: String, rule: AccessRule, _ call: Call, _ r: any StoreReader) throws -> [UInt8]? {
        let now = settings.clock.now()
        guard let record = try r.idempotencyRecord(accountID: call.caller.id, method: call.method, requestID: key,
                                                   notBefore: now - settings.idempotencyWindowSeconds) else { return nil }
        var visible = true
        if !record.organizationPath.isEmpty, case .roles(let roles) = rule {
            visible = call.caller.covers(roles, path: record.organizationPath)
        }
        if visible, let check = replayChecks[record.targetType] { visible = try check(call.caller, record, r) }
        try Call.checkSameRequest(record, fingerprint: call.fingerprint)
        guard visible else { throw RPCError(.notFound, "what this request_id was about is not in your scope") }
        call.target = AuditLog.Target(type: record.targetType, id: record.targetID, organizationPath: record.organizationPath)
        return record.response
    }
}

/// Appends audit entries off the caller's path (refusals on a loop thread, which are
/// answered whether or not their entry lands): queued in memory and written in batches,
/// one transaction for all that waited, through the store's group commit.
///
/// The queue is bounded: a flood of refusals (a client trying token after token) cannot
/// make the server hold memory without limit. Entries over the bound are counted instead,
/// and the count is itself written to the log as one entry, so the gap shows.
final class Auditor: Sendable {
    private struct Pending {
        var accountID: String
        var method: String
        var target: AuditLog.Target?
        var peer: String
        var outcome: String
        var time: Int64
    }

    private struct State {
        var pending: [Pending] = []
        var dropped = 0
        var draining = false
    }

    private let store: any Store
    private let audit: AuditLog
    private let clock: any ServiceClock
    private let logger: Logger
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "lianjie.audit")
    /// Entries waiting at most; more are counted, not kept.
    static let maxPending = 10_000

    init(store: any Store, audit: AuditLog, clock: any ServiceClock, logger: Logger) {
        self.store = store
        self.audit = audit
        self.clock = clock
        self.logger = logger
    }

    func later(accountID: String, method: String, targets: [AuditLog.Target?], peer: String, outcome: String) {
        let time = clock.nowNanos()
        let startDrain = state.withLock { s -> Bool in
            for t in targets {
                if s.pending.count < Self.maxPending {
                    s.pending.append(Pending(accountID: accountID, method: method, target: t, peer: peer, outcome: outcome, time: time))
                } else {
                    s.dropped += 1
                }
            }
            guard !s.draining else { return false }
            s.draining = true
            return true
        }
        if startDrain { queue.async { [self] in drain() } }
    }

    /// Writes everything pending, batch after batch, until nothing is left.
    private func drain() {
        while true {
            let (batch, dropped) = state.withLock { s -> ([Pending], Int) in
                let taken = (s.pending, s.dropped)
                s.pending.removeAll(keepingCapacity: false)
                s.dropped = 0
                if taken.0.isEmpty, taken.1 == 0 { s.draining = false }
                return taken
            }
            if batch.isEmpty, dropped == 0 { return }
            do {
                let now = clock.nowNanos()
                try store.write { tx in
                    for e in batch {
                        try audit.append(tx, time: e.time, accountID: e.accountID, method: e.method, target: e.target, peer: e.peer,
                                         outcome: e.outcome)
                    }
                    if dropped > 0 {
                        try audit.append(tx, time: now, accountID: "", method: "audit", target: nil, peer: "local",
                                         outcome: "DROPPED_\(dropped)_REFUSAL_ENTRIES")
                    }
                }
            } catch {
                logger.error("cannot write the audit log", ["entries": .int(Int64(batch.count)), "error": .text(String(describing: error))])
            }
        }
    }

    /// Waits until every entry handed in so far is written (tests, shutdown).
    func flush() {
        while state.withLock({ $0.draining }) { queue.sync {} }
    }
}

/// Housekeeping a write can piggyback on: safe to lose, so kept in memory.
final class Maintenance: Sendable {
    private let lastPrune = Atomic<Int64>(0)

    /// Deletes idempotency records past the window, at most once a minute per process.
    func pruneIdempotencyIfDue(_ tx: any StoreWriter, now: Int64, window: Int64) throws {
        let last = lastPrune.load(ordering: .relaxed)
        guard now - last >= 60, lastPrune.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        try tx.pruneIdempotency(before: now - window)
    }
}
