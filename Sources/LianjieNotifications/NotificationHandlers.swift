import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// The outbox's delivery: the gateway claims and reports; an admin lists and retries.
struct NotificationHandlers: Sendable {
    static let notFound = RPCError(.notFound, "no such notification")

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(NotificationService.claimNotifications, audit: .change, on: &router, claim)
        kit.register(NotificationService.reportNotificationDelivery, audit: .change, on: &router, report)
        kit.register(NotificationService.listNotifications, audit: .read, on: &router, list)
        kit.register(NotificationService.retryNotification, audit: .change, on: &router, retry)
    }

    /// The outbox spans every organisation (every root): the role must be held on the whole
    /// deployment.
    private func requireRoot(_ call: Call, _ roles: Set<Role>) throws {
        guard call.caller.coversEverything(roles) else {
            throw RPCError(.permissionDenied, "the outbox spans every organisation: this needs a grant on the whole deployment")
        }
    }

    private func claim(_ request: ClaimNotificationsRequest, _ call: Call) throws -> ClaimNotificationsResponse {
        try requireRoot(call, NotificationAccess.drainers)
        var v = Violations()
        if request.max < 0 || request.max > 100 { v.add("max", "must be 1-100 (0 for 20)") }
        if request.leaseSeconds != 0 && !(5...600).contains(request.leaseSeconds) { v.add("lease_seconds", "must be 5-600 (0 for 60)") }
        try v.check()
        let limit = request.max == 0 ? 20 : Int(request.max)
        let now = call.now
        let lease = now + Int64(request.leaseSeconds == 0 ? 60 : request.leaseSeconds)
        // Most polls find nothing: answered from a read, with nothing written or audited.
        guard try call.read({ try !$0.claimable(now: now) }) == false else { return ClaimNotificationsResponse() }
        call.target = AuditLog.Target(type: "notification_claim", id: "")
        return try call.write { tx in
            let claimed = try tx.claimNotifications(now: now, leaseUntil: lease, limit: limit)
            return ClaimNotificationsResponse(notifications: claimed.map { n in
                var m = Self.message(n)
                m.claim = String(n.leaseUntil)
                return m
            })
        }
    }

    private func report(_ request: ReportNotificationDeliveryRequest, _ call: Call) throws -> Notification {
        try requireRoot(call, NotificationAccess.drainers)
        guard let seq = Int64(request.id), seq > 0 else { throw RPCError.invalidArgument(field: "id", "is not a notification id") }
        var v = Violations()
        if !request.delivered && request.error.trimmingSpaces.isEmpty { v.add("error", "is required for a failed attempt") }
        if request.error.count > 500 { v.add("error", "is longer than 500 characters") }
        try v.check()
        call.target = AuditLog.Target(type: "notification", id: request.id)
        let policy = DeliveryPolicy(maxAttempts: call.kit.settings.notificationMaxAttempts)
        let now = call.now
        return try call.write { tx in
            guard let n = try tx.notification(seq: seq) else { throw Self.notFound }
            // The claim a report is made under must be the one the notification is held
            // under now (a lease that ended and was taken over belongs to another drainer).
            if n.state == NotificationDelivery.pending, request.claim != String(n.leaseUntil) {
                throw RPCError(.aborted, "this claim has ended and another holds the notification now; it reports the outcome")
            }
            let next = policy.apply(n, delivered: request.delivered, error: request.error, now: now)
            if next != n { try tx.saveNotificationDelivery(next) }
            return Self.message(next)
        }
    }

    private func list(_ request: ListNotificationsRequest, _ call: Call) throws -> ListNotificationsResponse {
        try requireRoot(call, NotificationAccess.keepers)
        let size = try Paging.size(request.pageSize)
        let after = try Paging.afterSeq(request.pageToken, kind: "notification")
        let state: Int?
        switch request.state {
        case .unspecified: state = nil
        case .pending: state = NotificationDelivery.pending
        case .delivered: state = NotificationDelivery.delivered
        case .dead: state = NotificationDelivery.dead
        default: throw RPCError.invalidArgument(field: "state", "is not a notification state")
        }
        call.target = AuditLog.Target(type: "notification_list", id: "")
        let (rows, total) = try call.read { r in
            (try r.notifications(state: state, page: Page(after: after, limit: size + 1)), try r.notificationCount(state: state))
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map { AuditLog.Target(type: "notification", id: String($0.seq)) }
        return ListNotificationsResponse(notifications: page.map(Self.message),
                                         nextPageToken: rows.count > size ? Paging.token(String(page.last!.seq), kind: "notification") : "",
                                         totalSize: Int32(total))
    }

    private func retry(_ request: RetryNotificationRequest, _ call: Call) throws -> Notification {
        try requireRoot(call, NotificationAccess.keepers)
        guard let seq = Int64(request.id), seq > 0 else { throw RPCError.invalidArgument(field: "id", "is not a notification id") }
        call.target = AuditLog.Target(type: "notification", id: request.id)
        let policy = DeliveryPolicy(maxAttempts: call.kit.settings.notificationMaxAttempts)
        let now = call.now
        return try call.write { tx in
            guard let n = try tx.notification(seq: seq) else { throw Self.notFound }
            guard n.state == NotificationDelivery.dead else {
                throw RPCError(.failedPrecondition, "the notification is \(n.state == NotificationDelivery.delivered ? "delivered" : "pending"), not dead")
            }
            let next = policy.retry(n, now: now)
            try tx.saveNotificationDelivery(next)
            return Self.message(next)
        }
    }

    static func message(_ n: NotificationRecord) -> Notification {
        let state: NotificationState
        switch n.state {
        case NotificationDelivery.delivered: state = .delivered
        case NotificationDelivery.dead: state = .dead
        default: state = .pending
        }
        return Notification(id: String(n.seq), dedupeKey: n.dedupeKey, recipientAccountId: n.recipient, recipientUsername: n.recipientUsername,
                            recipientPlatformUserId: n.recipientPlatformUserID, payload: n.payload, createTime: CalendarDays.time(n.createTime),
                            state: state, attempts: Int32(n.attempts),
                            nextAttemptTime: n.state == NotificationDelivery.pending ? CalendarDays.time(n.nextAttemptTime) : nil,
                            lastError: n.lastError, deliveredTime: CalendarDays.time(n.deliveredTime))
    }
}
