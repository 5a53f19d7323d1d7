import Foundation
import LianjieClient
import LianjieGateway
import LianjieMessages
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieTestSupport
import XCTest

/// Sign-in from the messaging app against a stand-in platform, and notifications out to a
/// stand-in webhook that fails and recovers.
final class SignInAndNotifyTests: XCTestCase {
    /// A deployment with the gateway's own service account, and a gateway using its token.
    func fixture(settings: ServiceSettings = ServiceSettings(), platform: StandInPlatform? = nil, webhook: StandInWebhook? = nil) async throws -> GatewayFixture {
        let d = try GatewayFixture.deployment(settings: settings)
        let token = try await d.serviceClient().token
        return try GatewayFixture(deployment: d) { c in
            c.serviceToken = token
            c.publicURL = "http://gateway.invalid"
            if let platform {
                c.platform = .init(authorizeURL: platform.url + "/authorize", userInfoURL: platform.url + "/userinfo",
                                   appID: StandInPlatform.appID, secret: StandInPlatform.secret)
            }
            if let webhook {
                c.webhook = .init(url: webhook.url, secret: StandInWebhook.secret)
                c.notifyPollSeconds = 0.05
            }
        }
    }

    /// Waits until lianjied has recorded `n` failed attempts in all (the gateway reports
    /// each after the webhook answers: the clock must not move before that).
    func failuresRecorded(_ d: InProcessDeployment, _ n: Int) -> Bool {
        Wait.blocking { ((try? d.store.read { try $0.notifications(state: nil, page: Page(after: nil, limit: 500)) }) ?? []).reduce(0) { $0 + $1.attempts } >= n }
    }

    func link(_ d: InProcessDeployment, _ username: String, _ platformUser: String) async throws {
        let admin = try await d.users("admin")
        _ = try await admin.updateAccount(UpdateAccountRequest(account: Account(id: try d.account(username).id, platformUserId: platformUser),
                                                               updateMask: ["platform_user_id"]))
    }

    /// Opens `/m/oauth/start`, goes to the platform and back; the answer to `/m/oauth`.
    func signIn(_ web: WebClient, _ platform: StandInPlatform) throws -> (HTTPReply, code: String, state: String) {
        let start = try web.get("/m/oauth/start")
        XCTAssertEqual(start.status, 303)
        let authorize = try XCTUnwrap(start.header("location"))
        XCTAssertTrue(authorize.hasPrefix(platform.url + "/authorize?"), authorize)
        let path = String(authorize.dropFirst(platform.url.count))
        let back = try HTTPConnection(port: platform.port).send("GET", path)
        XCTAssertEqual(back.status, 302)
        let location = try XCTUnwrap(back.header("location"))
        XCTAssertTrue(location.hasPrefix("http://gateway.invalid/m/oauth?"), location)
        let query = FormEncoding.decode(String(location.split(separator: "?", maxSplits: 1)[1]))
        let code = try XCTUnwrap(query["code"]), state = try XCTUnwrap(query["state"])
        return (try web.get("/m/oauth?" + FormEncoding.encode([("code", code), ("state", state)])), code, state)
    }

    func testSignInFromTheMessagingAppOpensTheLinkedPersonsSession() async throws {
        let platform = try StandInPlatform()
        let f = try await fixture(platform: platform)
        try await link(f.deployment, "employee", "zhangwei01")
        platform.signIn(as: "zhangwei01")
        let web = WebClient(port: f.gateway.port)
        let (answer, code, _) = try signIn(web, platform)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertTrue(answer.text.contains("url=/m/"))
        let cookie = try XCTUnwrap(answer.headers("set-cookie").first { $0.hasPrefix("lj_session=") && !$0.contains("Max-Age=0") })
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let home = try web.get("/m/")
        XCTAssertEqual(home.status, 200)
        XCTAssertTrue(home.text.contains("张伟"), "the employee's own home")
        XCTAssertEqual(try f.deployment.auditEntries(method: UserService.openPlatformSession.path).last?.outcome, "OK")

        // The same code again (a replay), from another browser: no session.
        let thief = WebClient(port: f.gateway.port)
        let start = try thief.get("/m/oauth/start")
        let state = try XCTUnwrap(FormEncoding.decode(String(start.header("location")!.split(separator: "?")[1]))["state"])
        let replay = try thief.get("/m/oauth?" + FormEncoding.encode([("code", code), ("state", state)]))
        XCTAssertEqual(replay.status, 403)
        XCTAssertTrue(replay.text.contains("企信登录未成功"))
        XCTAssertNil(thief.cookies["lj_session"])
        XCTAssertEqual(try thief.get("/m/").status, 303, "still no session")

        // A forged code, a missing one, a state that is not the browser's own: no session.
        for (code, state) in [("forged-code", state), ("", state), (code, "not-the-state")] {
            let other = WebClient(port: f.gateway.port)
            _ = try other.get("/m/oauth/start")
            let r = try other.get("/m/oauth?" + FormEncoding.encode([("code", code), ("state", state)]))
            XCTAssertTrue([400, 403].contains(r.status), "\(code)/\(state): \(r.status)")
            XCTAssertNil(other.cookies["lj_session"])
        }
        // Without having started (no state cookie at all).
        XCTAssertEqual(try WebClient(port: f.gateway.port).get("/m/oauth?code=x&state=y").status, 403)
    }

    func testAnUnlinkedUserGetsAClearPageAndLosesAnyEarlierSession() async throws {
        let platform = try StandInPlatform()
        let f = try await fixture(platform: platform)
        let web = WebClient(port: f.gateway.port)
        try web.login("inspector", InProcessDeployment.passwords["inspector"]!)
        XCTAssertNotNil(web.cookies["lj_session"])
        platform.signIn(as: "stranger")
        let (answer, _, _) = try signIn(web, platform)
        XCTAssertEqual(answer.status, 403)
        XCTAssertTrue(answer.text.contains("尚未关联"))
        XCTAssertNil(web.cookies["lj_session"], "never someone else's session: the earlier one is cleared")
        XCTAssertEqual(try f.deployment.auditEntries(method: UserService.openPlatformSession.path).last?.outcome, "NOT_FOUND")
        // A gateway without the platform configured says so.
        let plain = try GatewayFixture()
        XCTAssertEqual(try WebClient(port: plain.gateway.port).get("/m/oauth/start").status, 404)
    }

    func testWebhookDeliverySurvivesAReceiverThatFailsAndRecovers() async throws {
        let webhook = try StandInWebhook()
        webhook.answer([503, 500])
        let f = try await fixture(webhook: webhook)
        let d = f.deployment
        try await link(d, "inspector", "wangjijian")

        // An alert: the manager records an undeclared conflict, an inspector confirms it.
        let manager = try await d.entries("manager")
        let entry = try await manager.submitEntry(SubmitEntryRequest(subjectId: "HV0002", tag: "CONFLICT_UNDECLARED",
                                                                     occurredOn: CalendarDate(year: 2026, month: 11, day: 30), quantity: "1",
                                                                     description: "未申报配偶在施工单位任职", source: .mobile))
        _ = try await d.entries("inspector-b").confirmEntry(ConfirmEntryRequest(id: entry.id))
        XCTAssertTrue(Wait.blocking { webhook.posts.count >= 1 })
        let first = try XCTUnwrap(webhook.posts.first)
        XCTAssertTrue(first.signatureValid)
        XCTAssertEqual(first.status, 503)

        // lianjied pauses 30 s after a failure, 60 s after the second: its clock moves.
        XCTAssertTrue(failuresRecorded(d, 2))
        d.clock.advance(seconds: 30)
        f.gateway.notifier?.poke()
        XCTAssertTrue(Wait.blocking { webhook.posts.count >= 3 })
        d.clock.advance(seconds: 60)
        f.gateway.notifier?.poke()
        XCTAssertTrue(Wait.blocking { webhook.posts.contains { $0.status == 200 } })
        let delivered = webhook.posts.filter { $0.status == 200 }
        let alertPost = try XCTUnwrap(delivered.first { ($0.json?["payload"] as? [String: Any])?["type"] as? String == "alert" })
        XCTAssertTrue(Wait.blocking { (try? d.store.read { try $0.pendingNotifications(limit: 100) })?.isEmpty ?? false }, "every one delivered")
        // Each delivery that failed was posted again, with the same dedupe key, until a 2xx.
        let posts = webhook.posts
        for failed in posts where failed.status != 200 {
            XCTAssertTrue(posts.contains { $0.delivery == failed.delivery && $0.status == 200 }, "\(failed.delivery) was delivered in the end")
        }
        XCTAssertEqual(posts.filter { $0.status != 200 }.count, 2)
        XCTAssertEqual(Set(posts.map(\.delivery)).count, posts.filter { $0.status == 200 }.count, "each delivered once")
        XCTAssertTrue(posts.allSatisfy(\.signatureValid))
        XCTAssertFalse(alertPost.json.map { String(describing: $0) }?.contains("配偶") ?? true, "no entry content in a notification")
        // Whoever was linked is addressed by their platform id.
        XCTAssertTrue(webhook.posts.contains { (($0.json?["recipient"] as? [String: Any])?["platformUserId"] as? String) == "wangjijian" })
    }

    func testDeadLettersAreListedAndRetriedByAnAdminThroughTheJSONAPI() async throws {
        var settings = ServiceSettings()
        settings.notificationMaxAttempts = 2
        let webhook = try StandInWebhook()
        webhook.answer([500, 500])
        let f = try await fixture(settings: settings, webhook: webhook)
        let d = f.deployment
        try d.store.write { tx in
            var n = NotificationRecord()
            n.recipient = try d.account("inspector").id
            n.channel = "mobile"
            n.dedupeKey = "test:dead"
            n.payload = #"{"type":"test"}"#
            n.createTime = d.clock.now()
            try tx.enqueueNotification(n)
        }
        f.gateway.notifier?.poke()
        XCTAssertTrue(failuresRecorded(d, 1))
        d.clock.advance(seconds: 30)
        f.gateway.notifier?.poke()
        XCTAssertTrue(Wait.blocking { (try? d.store.read { try $0.notificationCount(state: NotificationDelivery.dead) }) == 1 })

        let admin = try f.login("admin")
        let listed = try f.call("lianjie.v1.NotificationService/ListNotifications", #"{"state":"NOTIFICATION_STATE_DEAD"}"#, token: admin)
        XCTAssertEqual(listed.status, 200, listed.text)
        let dead = try XCTUnwrap((listed.json?["notifications"] as? [[String: Any]])?.first)
        XCTAssertEqual(dead["lastError"] as? String, "HTTP 500")
        let id = try XCTUnwrap(dead["id"] as? String)
        let retried = try f.call("lianjie.v1.NotificationService/RetryNotification", #"{"id":"\#(id)"}"#, token: admin)
        XCTAssertEqual(retried.status, 200, retried.text)
        f.gateway.notifier?.poke()
        XCTAssertTrue(Wait.blocking { webhook.posts.contains { $0.status == 200 && $0.delivery == "test:dead" } })
        XCTAssertTrue(Wait.blocking { (try? d.store.read { try $0.notificationCount(state: NotificationDelivery.delivered) }) == 1 })
        // Only an admin: the inspector is refused.
        let inspector = try f.login("inspector")
        XCTAssertEqual(try f.call("lianjie.v1.NotificationService/ListNotifications", token: inspector).status, 403)
    }
}
