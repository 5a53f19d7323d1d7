import Foundation
import LianjieClient
import LianjieMessages
import LianjieNotifications
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// The outbox's delivery: claims with a lease, attempts with doubling pauses, dead
/// letters and an admin's retry; only the gateway drains, only an admin of the whole
/// deployment keeps.
final class NotificationServiceTests: XCTestCase {
    func enqueue(_ d: InProcessDeployment, _ n: Int, to username: String = "inspector") throws {
        let account = try d.account(username)
        try d.store.write { tx in
            for i in 0..<n {
                var x = NotificationRecord()
                x.recipient = account.id
                x.channel = "mobile"
                x.dedupeKey = "test:\(i):\(account.id)"
                x.payload = #"{"type":"test","n":\#(i)}"#
                x.createTime = d.clock.now()
                try tx.enqueueNotification(x)
            }
        }
    }

    func claim(_ g: NotificationServiceClient, max: Int32 = 0, lease: Int32 = 0) async throws -> [LianjieMessages.Notification] {
        try await g.claimNotifications(ClaimNotificationsRequest(max: max, leaseSeconds: lease)).notifications
    }

    func testClaimsHoldForTheirLeaseAndComeBackUnreported() async throws {
        let d = try InProcessDeployment()
        let gateway = try await d.serviceClient().notificationService
        let none = try await claim(gateway)
        XCTAssertEqual(none.count, 0, "nothing to claim")
        try enqueue(d, 3)
        let first = try await claim(gateway, max: 2, lease: 30)
        XCTAssertEqual(first.map(\.dedupeKey).count, 2)
        XCTAssertEqual(first.first?.recipientUsername, "inspector")
        XCTAssertTrue(first.first?.payload.contains("\"type\":\"test\"") ?? false)
        let second = try await claim(gateway, max: 10, lease: 30)
        XCTAssertEqual(second.count, 1, "the two claimed are held")
        let third = try await claim(gateway)
        XCTAssertEqual(third.count, 0)
        d.clock.advance(seconds: 31)
        let back = try await claim(gateway, max: 10)
        XCTAssertEqual(back.count, 3, "unreported claims come back")
        // The first claim's report is refused now that another claim holds the notification.
        let stale = try XCTUnwrap(first.first)
        await assertRPCError(.aborted) {
            try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: stale.id, claim: stale.claim, delivered: true))
        }
        let current = try XCTUnwrap(back.first { $0.id == stale.id })
        let delivered = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: current.id, claim: current.claim, delivered: true))
        XCTAssertEqual(delivered.state, NotificationState.delivered)
        // The claims are in the audit trail; empty polls are not.
        XCTAssertEqual(try d.auditEntries(method: NotificationService.claimNotifications.path).count, 3)
    }

    func testFailuresPauseLongerEachTimeThenDieAndAnAdminRetries() async throws {
        var settings = ServiceSettings()
        settings.notificationMaxAttempts = 3
        let d = try InProcessDeployment(settings: settings)
        let gateway = try await d.serviceClient().notificationService
        try enqueue(d, 1)
        var claimed = try await claim(gateway)
        var n: LianjieMessages.Notification = try XCTUnwrap(claimed.first)
        n = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: n.id, claim: n.claim, error: "HTTP 502"))
        XCTAssertEqual(n.state, NotificationState.pending)
        XCTAssertEqual(n.attempts, 1)
        XCTAssertEqual(n.lastError, "HTTP 502")
        XCTAssertEqual(n.nextAttemptTime?.seconds, d.clock.now() + 30)
        let early = try await claim(gateway)
        XCTAssertEqual(early.count, 0, "not before its pause")
        d.clock.advance(seconds: 30)
        claimed = try await claim(gateway)
        n = try XCTUnwrap(claimed.first)
        n = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: n.id, claim: n.claim, error: "connection refused"))
        XCTAssertEqual(n.nextAttemptTime?.seconds, d.clock.now() + 60, "the pause doubles")
        d.clock.advance(seconds: 60)
        claimed = try await claim(gateway)
        n = try XCTUnwrap(claimed.first)
        n = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: n.id, claim: n.claim, error: "HTTP 500"))
        XCTAssertEqual(n.state, NotificationState.dead, "the third failure of three")
        d.clock.advance(seconds: 7200)
        let waiting = try await claim(gateway)
        XCTAssertEqual(waiting.count, 0, "dead letters wait")

        let admin = try await d.client("admin").notificationService
        let dead = try await admin.listNotifications(ListNotificationsRequest(state: .dead))
        XCTAssertEqual(dead.notifications.map(\.id), [n.id])
        XCTAssertEqual(dead.totalSize, 1)
        let retried = try await admin.retryNotification(RetryNotificationRequest(id: n.id))
        XCTAssertEqual(retried.state, NotificationState.pending)
        XCTAssertEqual(retried.attempts, 0)
        await assertRPCError(.failedPrecondition) { try await admin.retryNotification(RetryNotificationRequest(id: n.id)) }
        claimed = try await claim(gateway)
        n = try XCTUnwrap(claimed.first)
        n = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: n.id, claim: n.claim, delivered: true))
        XCTAssertEqual(n.state, NotificationState.delivered)
        XCTAssertNotNil(n.deliveredTime)
        // A late report of a failure changes nothing once delivered.
        let late = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: n.id, error: "timeout"))
        XCTAssertEqual(late.state, NotificationState.delivered)
        XCTAssertEqual(try d.auditEntries(method: NotificationService.retryNotification.path).filter { $0.outcome == "OK" }.count, 1)
    }

    func testOnlyTheGatewayDrainsAndOnlyARootAdminKeeps() async throws {
        let d = try InProcessDeployment()
        try enqueue(d, 1)
        let inspector = try await d.client("inspector").notificationService
        await assertRPCError(.permissionDenied) { try await inspector.claimNotifications(ClaimNotificationsRequest()) }
        await assertRPCError(.permissionDenied) { try await inspector.listNotifications(ListNotificationsRequest()) }
        let districtGateway = try await d.serviceClient("gw-east", organization: "城东区供电局").notificationService
        await assertRPCError(.permissionDenied) { try await districtGateway.claimNotifications(ClaimNotificationsRequest()) }
        // Granted on one root organisation is not enough: another root's outbox is not its own.
        let rootGateway = try await d.serviceClient("gw-root", organization: "市供电局").notificationService
        await assertRPCError(.permissionDenied) { try await rootGateway.claimNotifications(ClaimNotificationsRequest()) }
        let service = try await d.serviceClient("svc", role: .service).notificationService
        await assertRPCError(.permissionDenied) { try await service.claimNotifications(ClaimNotificationsRequest()) }
        let gateway = try await d.serviceClient().notificationService
        await assertRPCError(.permissionDenied) { try await gateway.listNotifications(ListNotificationsRequest()) }
        await assertRPCError(.invalidArgument) { try await gateway.claimNotifications(ClaimNotificationsRequest(max: 101)) }
        await assertRPCError(.invalidArgument) { try await gateway.claimNotifications(ClaimNotificationsRequest(leaseSeconds: 1)) }
        await assertRPCError(.invalidArgument) { try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: "x", delivered: true)) }
        await assertRPCError(.invalidArgument) { try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: "1")) }
        await assertRPCError(.notFound) { try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: "999", delivered: true)) }
    }

    func testThePolicyDoublesToAnHour() {
        XCTAssertEqual((1...9).map { DeliveryPolicy.pause(afterFailures: $0) }, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600])
        XCTAssertEqual(DeliveryPolicy.pause(afterFailures: 1000), 3600)
        var n = NotificationRecord()
        n.seq = 1
        let policy = DeliveryPolicy(maxAttempts: 2)
        n = policy.apply(n, delivered: false, error: String(repeating: "e", count: 900), now: 100)
        XCTAssertEqual(n.lastError.count, 500)
        n = policy.apply(n, delivered: false, error: "x", now: 200)
        XCTAssertEqual(n.state, NotificationDelivery.dead)
        XCTAssertEqual(policy.apply(n, delivered: true, error: "", now: 300), n, "a dead one is left for an admin")
    }
}
