import Foundation
import LianjieGateway
import LianjieMessages
import LianjieServiceTestSupport
import LianjieStore
import LianjieTestSupport
import XCTest

/// The mobile pages over HTTP as a browser uses them: sessions, CSRF, scope, and the
/// record → review → appeal → decide loop with a photo.
final class PagesTests: XCTestCase {
    /// One GET path of every page (ids made up where a page takes one).
    static let pages = ["/m/", "/m/me", "/m/me/entries", "/m/me/talks", "/m/me/dossier", "/m/team", "/m/team/sub_x", "/m/entries/new",
                        "/m/cases", "/m/review", "/m/appeals", "/m/alerts", "/m/opinions", "/m/password"]
    /// One POST path of every form.
    static let forms = ["/m/logout", "/m/password", "/m/me/entries/ent_x/appeal", "/m/me/talks/tlk_x/ack", "/m/entries/new",
                        "/m/cases/cas_x/report", "/m/review/ent_x/confirm", "/m/review/ent_x/reject", "/m/appeals/ent_x/decide",
                        "/m/alerts/alr_x/acknowledge", "/m/alerts/alr_x/dismiss", "/m/alerts/alr_x/case", "/m/opinions/opn_x/review",
                        "/m/opinions/opn_x/sign"]

    func password(_ u: String) -> String { InProcessDeployment.passwords[u]! }

    func testEveryPageRefusesWithoutASession() throws {
        let f = try GatewayFixture()
        let web = WebClient(port: f.gateway.port)
        for path in Self.pages {
            let r = try web.get(path)
            XCTAssertEqual(r.status, 303, path)
            XCTAssertEqual(r.header("location"), "/m/login?next=" + FormEncoding.escape(path), path)
            XCTAssertFalse(r.text.contains("<main"), path)
        }
        for path in Self.forms {
            let r = try web.post(path, [("x", "1")], csrf: "forged")
            XCTAssertEqual(r.status, 303, path)
            XCTAssertTrue(r.header("location")?.hasPrefix("/m/login") == true, path)
        }
        // A forged or stale cookie is no session either, and is cleared.
        web.cookies["lj_session"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let r = try web.get("/m/review")
        XCTAssertEqual(r.status, 303)
        XCTAssertTrue(r.headers("set-cookie").contains { $0.hasPrefix("lj_session=;") && $0.contains("Max-Age=0") })
    }

    func testEveryFormRefusesWithoutItsCSRFToken() throws {
        let f = try GatewayFixture()
        let manager = WebClient(port: f.gateway.port)
        try manager.login("manager", password("manager"))
        let inspector = WebClient(port: f.gateway.port)
        try inspector.login("inspector", password("inspector"))
        for path in Self.forms {
            for token in [nil, "", "forged-token", try XCTUnwrap(manager.csrf)] as [String?] {
                let r = try inspector.post(path, [("reason", "x")], csrf: token ?? "")
                XCTAssertEqual(r.status, 403, "\(path) with token \(token ?? "none")")
                XCTAssertTrue(r.text.contains("请求已过期"), path)
            }
        }
        // A cross-site post is refused even with the right token.
        try inspector.get("/m/")
        let token = try XCTUnwrap(inspector.csrf)
        XCTAssertEqual(try inspector.post("/m/logout", [], csrf: token).status, 303, "same-site logout works")
        XCTAssertEqual(try inspector.get("/m/").status, 303, "logged out")
        _ = manager
    }

    func testLoginSetsAStrictHttpOnlyCookieAndTheLoginFormHasItsOwnToken() throws {
        let f = try GatewayFixture()
        let web = WebClient(port: f.gateway.port)
        let form = try web.get("/m/login?next=/m/review")
        XCTAssertEqual(form.status, 200)
        XCTAssertNotNil(form.header("content-security-policy"))
        XCTAssertTrue(form.header("content-security-policy")!.contains("default-src 'none'"))
        XCTAssertEqual(form.header("x-frame-options"), "DENY")
        XCTAssertEqual(form.header("cache-control"), "no-store")
        let loginCookie = try XCTUnwrap(form.headers("set-cookie").first { $0.hasPrefix("lj_login=") })
        XCTAssertTrue(loginCookie.contains("HttpOnly") && loginCookie.contains("SameSite=Strict"))

        // Without the login cookie's value in the form: refused (login CSRF).
        let forged = try web.post("/m/login", [("username", "inspector"), ("password", password("inspector"))], csrf: "x")
        XCTAssertEqual(forged.status, 403)
        XCTAssertNil(web.cookies["lj_session"])

        try web.get("/m/login")
        let wrong = try web.post("/m/login", [("username", "inspector"), ("password", "not-the-password")])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertTrue(wrong.text.contains("用户名或密码不正确"))
        XCTAssertFalse(wrong.text.contains("not-the-password"), "the password is not echoed")

        let ok = try web.post("/m/login", [("username", "inspector"), ("password", password("inspector")), ("next", "/m/review")])
        XCTAssertEqual(ok.status, 303)
        XCTAssertEqual(ok.header("location"), "/m/review")
        let session = try XCTUnwrap(ok.headers("set-cookie").first { $0.hasPrefix("lj_session=") })
        XCTAssertTrue(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/m"))
        XCTAssertFalse(session.contains("Secure"), "plain HTTP: no Secure flag (TLS adds it)")
        XCTAssertEqual(try web.get("/m/review").status, 200)

        // `next` never leaves the site.
        for next in ["https://evil.example/", "//evil.example/", "/m/../x", "/elsewhere"] {
            let other = WebClient(port: f.gateway.port)
            try other.get("/m/login")
            let r = try other.post("/m/login", [("username", "inspector"), ("password", password("inspector")), ("next", next)])
            XCTAssertTrue(["/m/", "/m/../x"].contains(r.header("location") ?? ""), "\(next) → \(r.header("location") ?? "")")
        }
    }

    func testStaticAssetsAndUnknownPages() throws {
        let f = try GatewayFixture()
        let web = WebClient(port: f.gateway.port)
        let css = try web.get("/m/app.css")
        XCTAssertEqual(css.status, 200)
        XCTAssertEqual(css.header("content-type"), "text/css; charset=utf-8")
        XCTAssertEqual(try web.get("/m/app.js").header("content-type"), "text/javascript; charset=utf-8")
        XCTAssertEqual(try web.get("/m/nothing/here").status, 404)
        XCTAssertEqual(try web.get("/").header("location"), "/m/")
    }

    func testNoPageShowsAnotherDistrictsSubject() throws {
        let f = try GatewayFixture(history: true)
        let west = try f.deployment.store.read { r in try ["HV0018", "HV0019", "HV0020"].compactMap { try r.subject(employeeNumber: $0) } }
        XCTAssertEqual(west.count, 3)
        let east = try XCTUnwrap(try f.deployment.store.read { try $0.subject(employeeNumber: "HV0002") })
        for (user, hidden) in [("inspector", west), ("head", west), ("manager", west), ("inspector2", [east]), ("head2", [east])] {
            let web = WebClient(port: f.gateway.port)
            try web.login(user, password(user))
            for path in Self.pages where !path.contains("sub_x") {
                let r = try web.get(path)
                for s in hidden { XCTAssertFalse(r.text.contains(s.name), "\(user) sees \(s.name) on \(path)") }
            }
            for s in hidden {
                let r = try web.get("/m/team/\(s.id)")
                XCTAssertTrue([403, 404].contains(r.status), "\(user) opens \(s.name)'s portrait: \(r.status)")
                XCTAssertFalse(r.text.contains(s.name))
            }
        }
    }

    func testRecordWithPhotoThenReviewAppealAndDecide() throws {
        let f = try GatewayFixture()
        let employeeSubject = try XCTUnwrap(try f.deployment.store.read { try $0.subject(employeeNumber: "HV0001") })

        // The manager records an entry about 张伟 with a photo of 2.5 MiB (streamed in chunks).
        let manager = WebClient(port: f.gateway.port)
        try manager.login("manager", password("manager"))
        let form = try manager.get("/m/entries/new")
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.text.contains("capture=\"environment\""))
        let photo = Multipart.jpeg(size: 2_621_440)
        let recorded = try manager.postMultipart("/m/entries/new", [
            ("csrf", try XCTUnwrap(manager.csrf)), ("rid", "rid-1"), ("subject", employeeSubject.id), ("tag", "COMMON/BANQUET_ACCEPTED"),
            ("occurred_on", "2026-11-30"), ("description", "在客户单位接受宴请，现场拍照"),
            ("size", String(photo.count)), ("sha256", Multipart.sha256(photo)),
        ], file: ("现场.jpg", "image/jpeg", photo))
        XCTAssertEqual(recorded.status, 303, recorded.text)
        XCTAssertEqual(recorded.header("location"), "/m/entries/new?done=recorded")
        let entries = try f.deployment.store.read { try $0.entries(EntryFilter(scope: .everything, subjectID: employeeSubject.id), page: Page(after: nil, limit: 10)) }
        XCTAssertEqual(entries.count, 1)
        let entry = try XCTUnwrap(entries.first)
        XCTAssertEqual(entry.evidenceIDs.count, 1)
        let evidence = try XCTUnwrap(try f.deployment.store.read { try $0.evidence(id: entry.evidenceIDs[0]) })
        XCTAssertEqual(evidence.sha256, Multipart.sha256(photo))
        XCTAssertEqual(evidence.size, Int64(photo.count))

        // An inspector sees the photo on the phone (passed through in pieces) and confirms.
        let inspector = WebClient(port: f.gateway.port)
        try inspector.login("inspector", password("inspector"))
        let queue = try inspector.get("/m/review")
        XCTAssertTrue(queue.text.contains("在客户单位接受宴请"))
        XCTAssertTrue(queue.text.contains("src=\"/m/evidence/\(evidence.id)\""))
        let shown = try inspector.get("/m/evidence/\(evidence.id)")
        XCTAssertEqual(shown.status, 200)
        XCTAssertEqual(shown.header("content-type"), "image/jpeg")
        XCTAssertEqual(shown.header("content-security-policy"), "default-src 'none'; sandbox")
        XCTAssertEqual(shown.body.count, photo.count)
        XCTAssertTrue(shown.body == photo, "the very bytes")
        let employeeEarly = WebClient(port: f.gateway.port)
        try employeeEarly.login("employee", password("employee"))
        XCTAssertEqual(try employeeEarly.get("/m/evidence/\(evidence.id)").status, 404, "not before the entry is confirmed")
        let west = WebClient(port: f.gateway.port)
        try west.login("inspector2", password("inspector2"))
        let refused = try west.get("/m/evidence/\(evidence.id)")
        XCTAssertEqual(refused.status, 404)
        XCTAssertFalse(refused.body.count > 100_000, "nothing of the file")
        try inspector.get("/m/review")  // back to the queue (the page the form is on)
        let confirmed = try inspector.post("/m/review/\(entry.id)/confirm", [("rid", "c-1"), ("etag", "")])
        XCTAssertEqual(confirmed.header("location"), "/m/review?done=confirmed", confirmed.text)
        XCTAssertTrue(try inspector.follow(confirmed).text.contains("已确认。"))

        // The employee sees it and appeals.
        let employee = WebClient(port: f.gateway.port)
        try employee.login("employee", password("employee"))
        let mine = try employee.get("/m/me/entries")
        XCTAssertTrue(mine.text.contains("在客户单位接受宴请"))
        XCTAssertTrue(mine.text.contains("提出申辩"))
        let appealed = try employee.post("/m/me/entries/\(entry.id)/appeal", [("rid", "a-1"), ("statement", "当天是社区公益活动的工作餐，并非宴请。")])
        XCTAssertEqual(appealed.header("location"), "/m/me/entries?done=appealed", appealed.text)
        XCTAssertTrue(try employee.follow(appealed).text.contains("申辩待处理"))
        XCTAssertEqual(try employee.get("/m/evidence/\(evidence.id)").body.count, photo.count, "the evidence about them, once confirmed")

        // Not the inspector who confirmed it (four eyes): a second inspector decides it.
        XCTAssertTrue(try inspector.post("/m/appeals/\(entry.id)/decide", [("rid", "d-0"), ("decision", "dismissed"), ("reason", "x")])
            .text.contains("four eyes"))
        let second = WebClient(port: f.gateway.port)
        try second.login("inspector-b", password("inspector-b"))
        let queued = try second.get("/m/appeals")
        XCTAssertTrue(queued.text.contains("社区公益活动"))
        let decided = try second.post("/m/appeals/\(entry.id)/decide", [("rid", "d-1"), ("decision", "dismissed"), ("reason", "有照片和当事人确认，宴请属实。")])
        XCTAssertEqual(decided.header("location"), "/m/appeals?done=dismissed", decided.text)
        let after = try employee.get("/m/me/entries")
        XCTAssertTrue(after.text.contains("申辩不成立"))
        XCTAssertTrue(after.text.contains("宴请属实"))
    }

    func testFormsShowRefusalsAndKeepWhatWasTyped() throws {
        let f = try GatewayFixture()
        let manager = WebClient(port: f.gateway.port)
        try manager.login("manager", password("manager"))
        try manager.get("/m/entries/new")
        let subject = try XCTUnwrap(try f.deployment.store.read { try $0.subject(employeeNumber: "HV0002") })
        // Evidence required but none sent.
        let refused = try manager.postMultipart("/m/entries/new", [
            ("csrf", try XCTUnwrap(manager.csrf)), ("subject", subject.id), ("tag", "COMMON/BANQUET_ACCEPTED"),
            ("occurred_on", "2026-11-30"), ("description", "描述保留"), ("size", ""), ("sha256", ""),
        ], file: nil)
        XCTAssertEqual(refused.status, 400, refused.text)
        XCTAssertTrue(refused.text.contains("描述保留"), "what was typed is kept")
        XCTAssertTrue(refused.text.contains("requires evidence") || refused.text.contains("证据"), refused.text)

        // A photo whose digest does not match what the page announced is refused; nothing is recorded.
        let photo = Multipart.jpeg(size: 10_000)
        let mismatch = try manager.postMultipart("/m/entries/new", [
            ("csrf", try XCTUnwrap(manager.csrf)), ("subject", subject.id), ("tag", "COMMON/BANQUET_ACCEPTED"),
            ("occurred_on", "2026-11-30"), ("description", "x"), ("size", String(photo.count)), ("sha256", String(repeating: "0", count: 64)),
        ], file: ("a.jpg", "image/jpeg", photo))
        XCTAssertNotEqual(mismatch.status, 303, mismatch.text)
        XCTAssertTrue(mismatch.text.contains("照片未能上传"), mismatch.text)
        XCTAssertEqual(try f.deployment.store.read { try $0.entryCount(EntryFilter(scope: .everything)) }, 0)

        // A refusal midway through a large upload (a stale CSRF token, over 16 MiB) is still
        // answered with its page: the rest of the declared body is read and dropped.
        let large = Multipart.jpeg(size: 17 * 1024 * 1024)
        let stale = try manager.postMultipart("/m/entries/new", [("csrf", "stale-token"), ("size", String(large.count)), ("sha256", Multipart.sha256(large))],
                                              file: ("big.jpg", "image/jpeg", large))
        XCTAssertEqual(stale.status, 403)
        XCTAssertTrue(stale.text.contains("请求已过期"))

        // Two files in one form: the second is dropped, one piece of evidence is made.
        try manager.get("/m/entries/new")
        let one = Multipart.jpeg(size: 5_000)
        var body = Multipart.body([("csrf", try XCTUnwrap(manager.csrf)), ("subject", subject.id), ("tag", "COMMON/BANQUET_ACCEPTED"),
                                   ("occurred_on", "2026-11-30"), ("description", "两张照片"), ("size", String(one.count)), ("sha256", Multipart.sha256(one))],
                                  file: ("a.jpg", "image/jpeg", one), boundary: "b-two")
        body.removeLast("--b-two--\r\n".utf8.count)
        body += Array("--b-two\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8) + one
            + Array("\r\n--b-two--\r\n".utf8)
        let two = try HTTPConnection(port: f.gateway.port).send("POST", "/m/entries/new", headers: [("Content-Type", "multipart/form-data; boundary=b-two"),
                                                                                    ("Cookie", "lj_session=\(manager.cookies["lj_session"]!)")], body: body)
        XCTAssertEqual(two.status, 303, two.text)
        let recorded = try f.deployment.store.read { try $0.entries(EntryFilter(scope: .everything), page: Page(after: nil, limit: 10)) }
        XCTAssertEqual(recorded.map(\.evidenceIDs.count), [1])

        // `next` with control characters is not followed.
        let web = WebClient(port: f.gateway.port)
        try web.get("/m/login")
        let r = try web.post("/m/login", [("username", "inspector"), ("password", password("inspector")), ("next", "/m/x\r\nSet-Cookie: a=b")])
        XCTAssertEqual(r.header("location"), "/m/")

        // A form over the upload limit is answered 413 before its body is read.
        let small = try GatewayFixture { $0.maxUploadBytes = 100_000 }
        let m2 = WebClient(port: small.gateway.port)
        try m2.login("manager", password("manager"))
        try m2.get("/m/entries/new")
        let big = Multipart.jpeg(size: 200_000)
        let tooBig = try m2.postMultipart("/m/entries/new", [("csrf", try XCTUnwrap(m2.csrf)), ("size", String(big.count)), ("sha256", Multipart.sha256(big))],
                                          file: ("big.jpg", "image/jpeg", big))
        XCTAssertEqual(tooBig.status, 413)
        XCTAssertTrue(tooBig.text.contains("文件太大"))
    }
}

extension PagesTests {
    /// The id in the first form on the last page whose action matches `pattern` (one
    /// group: the id).
    func formID(_ web: WebClient, _ pattern: String) throws -> String {
        try XCTUnwrap(web.capture(pattern), "no form like \(pattern) on the page")
    }

    func testEveryRolesActionsWorkFromThePages() throws {
        let f = try GatewayFixture(history: true)

        // The employee acknowledges the talk waiting for them.
        let employee = WebClient(port: f.gateway.port)
        try employee.login("employee", password("employee"))
        try employee.get("/m/me/talks")
        let talk = try formID(employee, #"action="/m/me/talks/([^/"]+)/ack""#)
        let acked = try employee.post("/m/me/talks/\(talk)/ack", [("rid", "t-1")])
        XCTAssertEqual(acked.header("location"), "/m/me/talks?done=acknowledged", acked.text)
        XCTAssertTrue(try employee.follow(acked).text.contains("已确认"))
        XCTAssertEqual(try employee.get("/m/me").status, 200)
        XCTAssertTrue(try employee.get("/m/me/dossier").text.contains("历次评价"))

        // The manager reports the rectification of the team's case.
        let manager = WebClient(port: f.gateway.port)
        try manager.login("manager", password("manager"))
        try manager.get("/m/cases")
        let rectifying = try formID(manager, #"action="/m/cases/([^/"]+)/report""#)
        let reported = try manager.post("/m/cases/\(rectifying)/report", [("rid", "r-1"), ("report", "已补报个人有关事项，退出相关工单办理。")])
        XCTAssertEqual(reported.header("location"), "/m/cases?done=reported", reported.text)
        XCTAssertTrue(try manager.follow(reported).text.contains("已报告"))
        XCTAssertTrue(try manager.get("/m/team").text.contains("张伟"))

        // The inspector acknowledges one alert, opens a case from another, dismisses a third.
        let inspector = WebClient(port: f.gateway.port)
        try inspector.login("inspector", password("inspector"))
        try inspector.get("/m/alerts")
        let first = try formID(inspector, #"action="/m/alerts/([^/"]+)/acknowledge""#)
        XCTAssertEqual(try inspector.post("/m/alerts/\(first)/acknowledge", [("rid", "a-1")]).header("location"), "/m/alerts?done=alert-acknowledged")
        try inspector.get("/m/alerts")
        let second = try formID(inspector, #"action="/m/alerts/([^/"]+)/case""#)
        let subject = try XCTUnwrap(inspector.capture(#"action="/m/alerts/\#(second)/case"><input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="rid" value="[^"]+"><input type="hidden" name="subject" value="([^"]+)""#))
        let opened = try inspector.post("/m/alerts/\(second)/case", [("rid", "c-1"), ("subject", subject), ("summary", "预警转问题线索")])
        XCTAssertEqual(opened.header("location"), "/m/cases?done=case-opened", opened.text)
        XCTAssertTrue(try inspector.follow(opened).text.contains("预警转问题线索"))
        try inspector.get("/m/alerts")
        let third = try formID(inspector, #"action="/m/alerts/([^/"]+)/dismiss""#)
        XCTAssertEqual(try inspector.post("/m/alerts/\(third)/dismiss", [("rid", "d-1"), ("reason", "经核实为正常业务往来")]).header("location"),
                       "/m/alerts?done=alert-dismissed")

        // The inspector reviews the waiting opinion; the head signs it.
        try inspector.get("/m/opinions")
        let opinion = try formID(inspector, #"action="/m/opinions/([^/"]+)/review""#)
        let reviewed = try inspector.post("/m/opinions/\(opinion)/review", [("rid", "o-1"), ("conclusion", "no_objection"), ("change_reason", "")])
        XCTAssertEqual(reviewed.header("location"), "/m/opinions?done=reviewed", reviewed.text)
        let head = WebClient(port: f.gateway.port)
        try head.login("head", password("head"))
        try head.get("/m/opinions")
        XCTAssertEqual(try formID(head, #"action="/m/opinions/([^/"]+)/sign""#), opinion)
        let signed = try head.post("/m/opinions/\(opinion)/sign", [("rid", "s-1")])
        XCTAssertEqual(signed.header("location"), "/m/opinions?done=signed", signed.text)
        let hr = WebClient(port: f.gateway.port)
        try hr.login("hr", password("hr"))
        XCTAssertEqual(try hr.get("/m/opinions").text.components(separatedBy: "已签署").count - 1, 2, "HR sees both opinions signed")

        // HR asks for opinions on two people from the phone; a bad number is refused with
        // what was typed kept.
        try hr.get("/m/opinions")
        XCTAssertTrue(hr.last.contains("申请廉洁意见"))
        let bad = try hr.post("/m/opinions/request", [("rid", "q-0"), ("purpose", "promotion"), ("purpose_note", "拟任营销部副主任"),
                                                      ("subjects", "HV0003, NOPE99"), ("due_date", "2026-12-20")])
        XCTAssertNotEqual(bad.status, 303)
        XCTAssertTrue(bad.text.contains("拟任营销部副主任"), "kept")
        let asked = try hr.post("/m/opinions/request", [("rid", "q-1"), ("purpose", "promotion"), ("purpose_note", "拟任营销部副主任"),
                                                        ("subjects", "HV0003，HV0005"), ("due_date", "2026-12-20")])
        XCTAssertEqual(asked.header("location"), "/m/opinions?done=requested", asked.text)
        try inspector.get("/m/opinions")
        XCTAssertTrue(inspector.last.contains("李娜") || inspector.last.contains("HV0003"), "the new opinions wait for review")

        // Everyone changes their password from the page.
        try hr.get("/m/password")
        let mismatch = try hr.post("/m/password", [("old", password("hr")), ("new", "Xin-Mima-2026-Renshi"), ("again", "different-one")])
        XCTAssertEqual(mismatch.status, 400)
        let changed = try hr.post("/m/password", [("old", password("hr")), ("new", "Xin-Mima-2026-Renshi"), ("again", "Xin-Mima-2026-Renshi")])
        XCTAssertEqual(changed.header("location"), "/m/?done=password", changed.text)
        let again = WebClient(port: f.gateway.port)
        try again.login("hr", "Xin-Mima-2026-Renshi")
        XCTAssertEqual(try again.get("/m/").status, 200)
    }
}
