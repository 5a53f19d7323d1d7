import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import Synchronization

/// Drains lianjied's notification outbox to the messaging platform's webhook, on a thread
/// of its own: claims due notifications (a lease, so two gateways never post the same one
/// at once), POSTs each as signed JSON, and reports the outcome. Delivered means a 2xx
/// answer; anything else is reported failed, and lianjied schedules the next attempt
/// with a doubling pause, or makes the notification dead after its last allowed attempt.
/// At least once: a repeat carries the same `X-Lianjie-Delivery` (the dedupe key).
///
/// The body: `{"deliveryId", "dedupeKey", "recipient": {"accountId", "username",
/// "platformUserId"}, "payload": {…}, "createTime"}`. Headers: `X-Lianjie-Timestamp` (Unix
/// seconds) and `X-Lianjie-Signature: sha256=HEX`, the HMAC-SHA256 of
/// `TIMESTAMP + "." + BODY` under the shared secret.
public final class Notifier: Sendable {
    let upstream: Upstream
    let webhook: GatewayConfiguration.WebhookSettings
    let serviceToken: String
    let http: OutboundHTTP
    let pollSeconds: Double
    let logger: Logger
    let now: @Sendable () -> Double
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Mutex<(delivered: Int, failed: Int)>((0, 0))

    static let batch: Int32 = 10
    /// Long enough for a whole batch at the longest a post may take (OutboundHTTP's
    /// timeout) and its report.
    static let lease = Int32(batch) * Int32(OutboundHTTP.defaultTimeout + 5)

    init(upstream: Upstream, webhook: GatewayConfiguration.WebhookSettings, serviceToken: String, http: OutboundHTTP,
         pollSeconds: Double, logger: Logger, now: @escaping @Sendable () -> Double) {
        self.upstream = upstream
        self.webhook = webhook
        self.serviceToken = serviceToken
        self.http = http
        self.pollSeconds = pollSeconds
        self.logger = logger
        self.now = now
    }

    /// Posts delivered and failed so far (for tests and logs).
    public var delivered: Int { counters.withLock { $0.delivered } }
    public var failed: Int { counters.withLock { $0.failed } }

    func start() {
        let t = Thread { [self] in self.run() }
        t.name = "lianjie-notifier"
        t.start()
    }

    /// Stops after the post under way, and waits for that.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.signal()
        finished.wait()
    }

    /// Polls now instead of at the end of the pause (tests, and after lianjied says so).
    public func poke() { wake.signal() }

    private func run() {
        defer { finished.signal() }
        while !stopped.load(ordering: .relaxed) {
            var claimed: [LianjieMessages.Notification] = []
            do {
                claimed = try upstream.call(NotificationService.claimNotifications,
                                            ClaimNotificationsRequest(max: Self.batch, leaseSeconds: Self.lease), token: serviceToken,
                                            client: nil).notifications
            } catch {
                logger.warning("cannot claim notifications", ["status": .text(error.status.name), "message": .text(error.message)])
            }
            for n in claimed where !stopped.load(ordering: .relaxed) { deliver(n) }
            if claimed.count < Int(Self.batch) { _ = wake.wait(timeout: .now() + pollSeconds) }
        }
    }

    private func deliver(_ n: LianjieMessages.Notification) {
        let (body, headers) = Self.signed(n, secret: webhook.secret, timestamp: Int64(now()))
        var report = ReportNotificationDeliveryRequest(id: n.id, delivered: false)
        report.claim = n.claim
        do {
            guard let url = URL(string: webhook.url) else { throw OutboundHTTP.Failure(description: "webhook_url is not a URL") }
            let answer = try http.send("POST", url, headers: headers, body: body)
            if (200..<300).contains(answer.status) { report.delivered = true } else { report.error = "HTTP \(answer.status)" }
        } catch {
            report.error = (error as? OutboundHTTP.Failure)?.description ?? "\(error)"
        }
        counters.withLock { if report.delivered { $0.delivered += 1 } else { $0.failed += 1 } }
        if !report.delivered {
            logger.info("notification not delivered", ["id": .text(n.id), "attempt": .int(Int64(n.attempts) + 1), "reason": .text(report.error)])
        }
        do {
            _ = try upstream.call(NotificationService.reportNotificationDelivery, report, token: serviceToken, client: nil)
        } catch {
            // Unreported: the claim's lease ends and the notification is posted again (the
            // receiver drops the repeat by its dedupe key).
            logger.warning("cannot report a notification's delivery", ["id": .text(n.id), "status": .text(error.status.name)])
        }
    }

    /// The webhook's body and headers for `n`, signed with `secret` at `timestamp`.
    static func signed(_ n: LianjieMessages.Notification, secret: String, timestamp: Int64) -> (body: [UInt8], headers: [(String, String)]) {
        let payload = (try? JSONValue(parsing: n.payload)) ?? .string(n.payload)
        var created = JSONValue.null
        if let t = n.createTime { created = .string(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(t.seconds)))) }
        let value = JSONValue.object([
            ("deliveryId", .string(n.id)), ("dedupeKey", .string(n.dedupeKey)),
            ("recipient", .object([("accountId", .string(n.recipientAccountId)), ("username", .string(n.recipientUsername)),
                                   ("platformUserId", .string(n.recipientPlatformUserId))])),
            ("payload", payload), ("createTime", created),
        ])
        let body = value.utf8()
        let mac = Digest.hmacSHA256(key: Array(secret.utf8), Array("\(timestamp).".utf8) + body)
        return (body, [("Content-Type", "application/json"), ("X-Lianjie-Timestamp", String(timestamp)),
                       ("X-Lianjie-Signature", "sha256=" + Digest.hex(mac)), ("X-Lianjie-Delivery", n.dedupeKey),
                       ("Idempotency-Key", n.dedupeKey)])
    }
}
