import Foundation
import LianjieMessages
import LianjieRPC
import LianjieStore
import LianjieWire

/// Everything a user-management handler needs for one call: who calls, the store, and
/// the audit trail. Used on one worker thread for one call; not shared.
final class Call {
    let caller: Caller
    let context: CallContext
    let store: any Store
    let logger: Logger
    /// What the call is about, for its audit entry; set by the handler as soon as known.
    var target: AuditLog.Target?
    /// Further records a successful read showed (each subject of a listing): one entry each.
    var readTargets: [AuditLog.Target] = []

    init(caller: Caller, context: CallContext, store: any Store, logger: Logger) {
        self.caller = caller
        self.context = context
        self.store = store
        self.logger = logger
    }

    var method: String { context.method }

    func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T {
        try Services.storeCall(logger: logger, method: method) { try store.read(body) }
    }

    /// Runs a change in one transaction with its audit entry (outcome OK) and, when
    /// `requestID` is set, its idempotency record: the same request id again returns the
    /// first response and changes nothing.
    /// `storedAs` is what the idempotency record keeps of the response (to leave out a
    /// secret that must never be stored, such as a new API token).
    func write<Response: ProtoMessage>(requestID: String = "", storedAs: (Response) -> Response = { $0 },
                                       _ body: (any StoreWriter) throws -> Response) throws -> Response {
        let caller = self.caller
        let method = self.method
        let peer = context.peer
        let bytes = try Services.storeCall(logger: logger, method: method) {
            try store.write { tx -> [UInt8] in
                if !requestID.isEmpty,
                   let cached = try tx.idempotentResponse(accountID: caller.id, method: method, requestID: requestID) {
                    return cached
                }
                let response = try body(tx)
                try AuditLog.append(tx, accountID: caller.id, method: method, target: target, peer: peer, outcome: "OK")
                if !requestID.isEmpty {
                    try tx.saveIdempotentResponse(accountID: caller.id, method: method, requestID: requestID,
                                                  response: storedAs(response).serializedBytes(), at: Services.now())
                }
                return response.serializedBytes()
            }
        }
        do { return try Response(serializedBytes: bytes) } catch {
            throw RPCError(.internal, "internal error; the server log has the details")
        }
    }

    /// Appends an audit entry on its own (reads of subjects, refusals), and one for each of
    /// `readTargets` when the read succeeded, in one transaction.
    func audit(outcome: String) {
        let caller = self.caller
        let target = self.target
        let method = self.method
        let peer = context.peer
        let shown = outcome == "OK" ? readTargets : []
        do {
            try store.write { tx in
                try AuditLog.append(tx, accountID: caller.id, method: method, target: target, peer: peer, outcome: outcome)
                for t in shown {
                    try AuditLog.append(tx, accountID: caller.id, method: method, target: t, peer: peer, outcome: outcome)
                }
            }
        } catch {
            logger.error("cannot write the audit log", ["method": .text(method), "error": .text(String(describing: error))])
        }
    }
}

/// What to audit for a method.
enum AuditMode {
    /// Nothing (reads of organisations, accounts, one's own sessions).
    case none
    /// Successful changes are audited inside their transaction (`Call.write`); refusals here.
    case change
    /// A read of a subject's record: audited whatever the outcome.
    case read
}

/// Registers user-management handlers with authentication, the access rule of
/// `AccessPolicy`, and auditing applied the same way for every method.
struct HandlerRegistry {
    let store: any Store
    let auth: Authenticator
    let logger: Logger

    func register<Request, Response>(_ method: RPCMethod<Request, Response>, audit: AuditMode, on router: inout Router,
                                     _ body: @escaping @Sendable (Request, Call) throws -> Response) {
        guard let rule = AccessPolicy.rules[method.path] else {
            preconditionFailure("\(method.path) has no rule in AccessPolicy")
        }
        let store = self.store, auth = self.auth, logger = self.logger
        router.register(method, execution: .pool) { request, context in
            let caller = try auth.authenticate(context)
            let call = Call(caller: caller, context: context, store: store, logger: logger)
            if case .roles(let roles) = rule, !caller.has(anyOf: roles) {
                if audit != .none { call.audit(outcome: Status.permissionDenied.name) }
                throw RPCError(.permissionDenied, "your roles do not allow \(method.method)")
            }
            do {
                // A retry of a request already carried out gets its first answer before any
                // check that the first run changed the outcome of (AIP-155).
                if let key = (request as? Idempotent)?.requestId, !key.isEmpty,
                   let cached = try call.read({ try $0.idempotentResponse(accountID: caller.id, method: method.path, requestID: key) }) {
                    return try Response(serializedBytes: cached)
                }
                let response = try body(request, call)
                if audit == .read { call.audit(outcome: "OK") }
                return response
            } catch let error as RPCError {
                if audit != .none { call.audit(outcome: error.status.name) }
                throw error
            } catch let error as DelayedFailure {
                if audit != .none { call.audit(outcome: error.error.status.name) }
                throw error
            }
        }
    }
}

/// Builds INVALID_ARGUMENT answers field by field.
struct Violations {
    private(set) var list: [FieldViolation] = []

    mutating func add(_ field: String, _ description: String) {
        list.append(FieldViolation(field: field, description: description))
    }

    /// Throws INVALID_ARGUMENT naming every field added so far, if any.
    func check() throws {
        if let e = RPCError.invalidArguments(list) { throw e }
    }
}

/// Checks of numbers a request carries, before any arithmetic on them.
enum Validate {
    /// The last second whose nanoseconds still fit an Int64 (2262-04-11).
    static let maxUnixSeconds: Int64 = (Int64.max - 999_999_999) / 1_000_000_000

    /// A request's `Time` as Unix nanoseconds; INVALID_ARGUMENT naming the field when it
    /// is before 1970, past 2262, or has nanos outside 0-999,999,999.
    static func unixNanos(_ t: Time?, field: String) throws(RPCError) -> Int64? {
        guard let t else { return nil }
        guard (0...maxUnixSeconds).contains(t.seconds) else {
            throw RPCError.invalidArgument(field: "\(field).seconds", "must be between 0 (1970) and \(maxUnixSeconds) (2262)")
        }
        guard (0..<1_000_000_000).contains(t.nanos) else {
            throw RPCError.invalidArgument(field: "\(field).nanos", "must be between 0 and 999999999")
        }
        return t.seconds * 1_000_000_000 + Int64(t.nanos)
    }
}

/// Opaque keyset page tokens and page sizes (AIP-158).
enum Paging {
    static let defaultSize = 50
    static let maxSize = 500

    static func size(_ requested: Int32) throws -> Int {
        guard requested >= 0 else { throw RPCError.invalidArgument(field: "page_size", "must not be negative") }
        return requested == 0 ? defaultSize : min(Int(requested), maxSize)
    }

    /// The key a token carries; `kind` ties a token to the listing that made it.
    static func after(_ token: String, kind: String) throws -> String? {
        guard !token.isEmpty else { return nil }
        guard let bytes = Base64.decode(token), let text = String(validating: bytes, as: UTF8.self),
              text.hasPrefix(kind + ":") else {
            throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing")
        }
        return String(text.dropFirst(kind.count + 1))
    }

    static func token(_ key: String, kind: String) -> String {
        Base64.encode(Array((kind + ":" + key).utf8), urlSafe: true, padding: false)
    }
}

extension Services {
    /// Runs store work and maps its failures; RPC errors thrown inside pass through.
    @discardableResult
    static func storeCall<T>(logger: Logger, method: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError {
            throw rpcError(e, logger: logger, method: method)
        }
    }
}

/// Requests that carry a client-chosen `request_id`.
protocol Idempotent {
    var requestId: String { get }
}

extension CreateOrganizationRequest: Idempotent {}
extension MoveOrganizationRequest: Idempotent {}
extension DeactivateOrganizationRequest: Idempotent {}
extension CreateAccountRequest: Idempotent {}
extension DisableAccountRequest: Idempotent {}
extension EnableAccountRequest: Idempotent {}
extension ResetPasswordRequest: Idempotent {}
extension IssueApiTokenRequest: Idempotent {}
extension RevokeApiTokenRequest: Idempotent {}
extension CreateCategoryRequest: Idempotent {}
extension CreatePostRequest: Idempotent {}
extension CreateSubjectRequest: Idempotent {}
extension TransferSubjectRequest: Idempotent {}
extension ImportSubjectsRequest: Idempotent {}
