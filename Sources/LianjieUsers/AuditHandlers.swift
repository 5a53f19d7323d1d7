import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Reading, verifying and anchoring the audit log.
struct AuditHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(UserService.listAuditEntries, audit: .none, on: &router, list)
        kit.register(UserService.verifyAuditLog, audit: .none, on: &router, verify)
        kit.register(UserService.getAuditAnchor, audit: .none, on: &router, anchor)
    }

    func list(_ request: ListAuditEntriesRequest, _ call: Call) throws -> ListAuditEntriesResponse {
        let size = try Paging.size(request.pageSize)
        var afterSequence: Int64 = 0
        if let key = try Paging.after(request.pageToken, kind: "aud") {
            guard let sequence = Int64(key), sequence >= 0 else {
                throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing")
            }
            afterSequence = sequence
        }
        let filter = AuditFilter(scope: call.caller.scope(UsersAccess.auditReaders),
                                 accountID: request.accountId.isEmpty ? nil : request.accountId,
                                 recordID: request.recordId.isEmpty ? nil : request.recordId,
                                 method: request.method.isEmpty ? nil : request.method,
                                 from: try Validate.unixNanos(request.startTime, field: "start_time"),
                                 until: try Validate.unixNanos(request.endTime, field: "end_time"))
        let rows = try call.read { try $0.auditEntries(filter, afterSequence: afterSequence, limit: size + 1) }
        let page = Array(rows.prefix(size))
        return ListAuditEntriesResponse(entries: page.map(Convert.audit),
                                        nextPageToken: rows.count > size ? Paging.token(String(page.last!.sequence), kind: "aud") : "")
    }

    private static func wholeLog(_ call: Call) throws {
        guard call.caller.coversEverything(UsersAccess.auditReaders) else {
            throw RPCError(.permissionDenied, "the whole log is for a whole-deployment administrator or auditor")
        }
    }

    func verify(_ request: VerifyAuditLogRequest, _ call: Call) throws -> VerifyAuditLogResponse {
        try Self.wholeLog(call)
        guard request.anchorSequence >= 0 else { throw RPCError.invalidArgument(field: "anchor_sequence", "must not be negative") }
        if request.anchorSequence > 0, request.anchorMac.utf8.count != 64 {
            throw RPCError.invalidArgument(field: "anchor_mac", "must be the 64 hex digits GetAuditAnchor gave")
        }
        let anchor = request.anchorSequence > 0 ? AuditLog.Anchor(sequence: request.anchorSequence, mac: request.anchorMac.lowercased()) : nil
        let verdict = try StoreErrors.call(logger: call.logger, method: call.method) { try call.kit.audit.verify(call.store, anchor: anchor) }
        return VerifyAuditLogResponse(intact: verdict.firstBroken == 0, checked: verdict.checked,
                                      firstBrokenSequence: verdict.firstBroken, problem: verdict.problem)
    }

    func anchor(_ request: GetAuditAnchorRequest, _ call: Call) throws -> GetAuditAnchorResponse {
        try Self.wholeLog(call)
        let last = try call.read { try $0.lastAuditEntry() }
        return GetAuditAnchorResponse(sequence: last?.sequence ?? 0, mac: last?.hash ?? AuditLog.genesis,
                                      time: last.map { Time(seconds: $0.time / 1_000_000_000, nanos: Int32($0.time % 1_000_000_000)) })
    }
}
