import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Alerts: listed and read by the staff of the subject's organisation, acknowledged,
/// dismissed with a reason, or marked for a case; every step kept with who and when.
struct AlertHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EvaluationService.listAlerts, audit: .read, on: &router, list)
        kit.register(EvaluationService.getAlert, audit: .read, on: &router) { request, call in
            let alert = try Self.visible(request.id, call, roles: EvaluationAccess.staff)
            return try call.read { r in RecordMessages.alert(alert, events: try r.alertEvents(alertID: alert.id)) }
        }
        kit.register(EvaluationService.acknowledgeAlert, audit: .change, on: &router) { request, call in
            try Self.change(request.id, requestID: request.requestId, call, roles: EvaluationAccess.staff, from: [.open], to: .acknowledged,
                            action: "acknowledged", note: request.note)
        }
        kit.register(EvaluationService.dismissAlert, audit: .change, on: &router) { request, call in
            guard !request.reason.trimmingSpaces.isEmpty else { throw RPCError.invalidArgument(field: "reason", "is required: say why no action is needed") }
            return try Self.change(request.id, requestID: request.requestId, call, roles: EvaluationAccess.runners, from: [.open, .acknowledged],
                                   to: .dismissed, action: "dismissed", note: request.reason)
        }
        kit.register(EvaluationService.markAlertForCase, audit: .change, on: &router) { request, call in
            try Self.change(request.id, requestID: request.requestId, call, roles: EvaluationAccess.runners, from: [.open, .acknowledged],
                            to: .markedForCase, action: "marked_for_case", note: request.note)
        }
    }

    static let notFound = RPCError(.notFound, "no such alert")

    /// The alert when one of the caller's `roles` covers its subject's organisation (and it
    /// is not about the caller themself).
    static func visible(_ id: String, _ call: Call, roles: Set<Role>) throws -> AlertRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        guard let alert = try call.read({ try $0.alert(id: id) }) else { throw notFound }
        // Named before the scope check, so a refused attempt is traced to the alert.
        call.target = AuditLog.Target(type: "alert", id: alert.id, organizationID: alert.organizationID, organizationPath: alert.organizationPath)
        guard call.caller.covers(roles, path: alert.organizationPath), alert.subjectID != call.caller.subjectID else { throw notFound }
        return alert
    }

    private static func change(_ id: String, requestID: String, _ call: Call, roles: Set<Role>, from: Set<AlertState>, to: AlertState,
                               action: String, note: String) throws -> Alert {
        guard note.count <= 2000 else { throw RPCError.invalidArgument(field: action == "dismissed" ? "reason" : "note", "at most 2000 characters") }
        let alert = try visible(id, call, roles: roles)
        let now = call.now
        return try call.write(requestID: requestID) { tx in
            guard var current = try tx.alert(id: alert.id) else { throw notFound }
            guard from.contains(AlertState(rawValue: current.state)) else {
                throw RPCError(.failedPrecondition, "the alert is \(Convert.name(AlertState(rawValue: current.state), prefix: "ALERT_STATE_")); it cannot be \(action.replacing("_", with: " ")) now")
            }
            current.state = to.rawValue
            try tx.updateAlert(current, event: AlertEventRecord(alertID: current.id, time: now, accountID: call.caller.id, action: action,
                                                               note: note.trimmingSpaces))
            return RecordMessages.alert(current, events: try tx.alertEvents(alertID: current.id))
        }
    }

    private func list(_ request: ListAlertsRequest, _ call: Call) throws -> ListAlertsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "alert")
        var filter = AlertFilter()
        filter.scope = call.caller.scope(EvaluationAccess.staff)
        if !call.caller.subjectID.isEmpty { filter.excludeSubjectID = call.caller.subjectID }
        var v = Violations()
        if request.state != .unspecified {
            if request.state.protoValueName == nil { v.add("state", "is not an alert state") } else { filter.state = request.state.rawValue }
        }
        if let p = request.period {
            if let core = CalendarDays.period(p) { filter.period = Convert.periodKey(core) } else { v.add("period", "is not a period") }
        }
        try v.check()
        let narrowed = try call.listingScope(type: "alert_list", organizationID: request.organizationId, subject: request.subject, roles: EvaluationAccess.staff)
        filter.underPath = narrowed.underPath
        filter.subjectID = narrowed.subjectID
        let final = filter
        let (rows, total) = try call.read { r in
            (try r.alerts(final, page: Page(after: after, limit: size + 1)), try r.alertCount(final))
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map { AuditLog.Target(type: "alert", id: $0.id, organizationID: $0.organizationID, organizationPath: $0.organizationPath) }
        return ListAlertsResponse(alerts: page.map { RecordMessages.alert($0, events: []) },
                                  nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "alert") : "",
                                  totalSize: Int32(total))
    }
}
