import LianjieMessages
import LianjieRPC
import LianjieStore

/// Reading and verifying the audit log.
struct AuditHandlers: Sendable {
    func register(on router: inout Router, _ registry: HandlerRegistry) {
        registry.register(UserService.listAuditEntries, audit: .none, on: &router, list)
        registry.register(UserService.verifyAuditLog, audit: .none, on: &router, verify)
    }

    func list(_ request: ListAuditEntriesRequest, _ call: Call) throws -> ListAuditEntriesResponse {
        let size = try Paging.size(request.pageSize)
        var afterSequence: Int64 = 0
        if let key = try Paging.after(request.pageToken, kind: "aud") {
            guard let sequence = Int64(key) else { throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing") }
            afterSequence = sequence
        }
        let filter = AuditFilter(scope: call.caller.scope(AccessPolicy.auditReaders),
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

    func verify(_ request: VerifyAuditLogRequest, _ call: Call) throws -> VerifyAuditLogResponse {
        guard call.caller.coversEverything(AccessPolicy.auditReaders) else {
            throw RPCError(.permissionDenied, "verifying the whole log needs a whole-deployment administrator or auditor")
        }
        let verdict = try Services.storeCall(logger: call.logger, method: call.method) { try AuditLog.verify(call.store) }
        return VerifyAuditLogResponse(intact: verdict.firstBroken == 0, checked: verdict.checked,
                                      firstBrokenSequence: verdict.firstBroken, problem: verdict.problem)
    }
}
