import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity

/// Everyone's pages: login (password, for PC browsers), logout, change password, home.
enum AccountPages {
    static let routes: [MobileSite.Route] = [
        .init(method: "GET", pattern: ["login"], handler: loginForm, open: true),
        .init(method: "POST", pattern: ["login"], handler: login, open: true),
        .init(method: "POST", pattern: ["logout"], handler: logout),
        .init(method: "GET", pattern: ["password"], handler: passwordForm),
        .init(method: "POST", pattern: ["password"], handler: changePassword),
        .init(method: "GET", pattern: [], handler: home),
    ]

    /// Where to go after login: a page of this site only (never another host).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/m/"), !next.contains("//"), !next.contains("\\"), !next.hasPrefix("/m/login"), next.utf8.count <= 512,
              ASCII.isVisible(next) else { return "/m/" }
        return next
    }

    static func loginForm(_ c: PageContext) throws -> HTTPResponse {
        try loginPage(c, status: 200, notice: c.query["signin"] == "unmapped"
                      ? Notice(tone: .error, text: "企信账号尚未关联到廉洁评价系统的账号，请联系管理员。") : nil)
    }

    static func loginPage(_ c: PageContext, status: Int, notice: Notice?, username: String = "") throws -> HTTPResponse {
        var headers: [(String, String)] = []
        var value = c.request.head.cookies[WebSession.loginCookie] ?? ""
        if !Token.isWellFormed(value) {
            value = Token.generate()
            headers.append(("Set-Cookie", WebSession.setLoginCookie(value, tls: c.request.head.tls)))
        }
        let body = H.form("/m/login", nil, [
            H.hidden("next", safeNext(c.query["next"] ?? c.form["next"])),
            H.field("用户名", "username", value: username, extra: "autocomplete=\"username\" autocapitalize=\"none\""),
            H.field("密码", "password", type: "password", extra: "autocomplete=\"current-password\""),
        ], submit: "登录", csrf: value)
            + "<p class=\"muted\">在企信中打开时会自动登录。电脑浏览器请用用户名和密码登录。</p>"
        return MobileSite.html(status, H.page("登录", viewer: nil, notice: notice, body), headers: headers)
    }

    static func login(_ c: PageContext) throws -> HTTPResponse {
        guard let expected = c.request.head.cookies[WebSession.loginCookie], WebSession.matches(c.form["csrf"], expected) else {
            return try loginPage(c, status: 403, notice: Notice(tone: .error, text: "登录页已过期，请重新输入。"))
        }
        let username = c.field("username")
        if let wait = c.site.loginLimiter.take(c.request.head.clientAddress) {
            return try loginPage(c, status: 429, notice: Notice(tone: .error, text: "尝试次数过多，请 \(wait) 秒后再试。"), username: username)
        }
        do {
            let r = try c.call(UserService.login, LoginRequest(username: username, password: c.form["password"] ?? ""))
            let tls = c.request.head.tls
            return MobileSite.redirect(safeNext(c.form["next"]), headers: [
                ("Set-Cookie", WebSession.setCookie(token: r.token, expires: r.expiresAtUnix, now: c.site.now(), tls: tls)),
                ("Set-Cookie", WebSession.clearCookie(WebSession.loginCookie, tls: tls)),
            ])
        } catch {
            let text = error.status == .unauthenticated ? "用户名或密码不正确。" : error.message
            return try loginPage(c, status: Problem.httpStatus(error.status), notice: Notice(tone: .error, text: text), username: username)
        }
    }

    static func logout(_ c: PageContext) throws -> HTTPResponse {
        _ = try? c.call(UserService.logout, LogoutRequest())
        return MobileSite.redirect("/m/login", headers: [("Set-Cookie", WebSession.clearCookie(WebSession.cookie, tls: c.request.head.tls))])
    }

    static func passwordForm(_ c: PageContext) throws -> HTTPResponse {
        c.page("修改密码", passwordFields(c))
    }

    static func passwordFields(_ c: PageContext) -> String {
        H.form("/m/password", c.viewer, [
            H.field("当前密码", "old", type: "password", extra: "autocomplete=\"current-password\""),
            H.field("新密码（至少 12 位）", "new", type: "password", extra: "autocomplete=\"new-password\" minlength=\"12\""),
            H.field("再次输入新密码", "again", type: "password", extra: "autocomplete=\"new-password\" minlength=\"12\""),
        ], submit: "修改密码")
    }

    static func changePassword(_ c: PageContext) throws -> HTTPResponse {
        guard c.form["new"] == c.form["again"] else {
            return MobileSite.html(400, H.page("修改密码", viewer: c.viewer, notice: Notice(tone: .error, text: "两次输入的新密码不一致。"), passwordFields(c)))
        }
        do {
            _ = try c.call(UserService.changePassword, ChangePasswordRequest(oldPassword: c.form["old"] ?? "", newPassword: c.form["new"] ?? ""))
        } catch {
            if error.status == .unauthenticated { throw error }
            return MobileSite.html(Problem.httpStatus(error.status),
                                   H.page("修改密码", viewer: c.viewer, notice: Notice(tone: .error, text: error.message), passwordFields(c)))
        }
        return MobileSite.redirect("/m/?done=password")
    }

    static func home(_ c: PageContext) throws -> HTTPResponse {
        let v = c.me
        var body = ""
        if v.subjectID != nil {
            body += H.card("我的廉洁情况", text: "查看本人的廉洁画像、已确认的记录（可申辩）、谈话提醒和廉洁档案。",
                           actions: "<p class=\"actions\">" + H.link("我的画像", "/m/me") + H.link("我的记录", "/m/me/entries")
                               + H.link("谈话提醒", "/m/me/talks") + H.link("我的档案", "/m/me/dossier") + "</p>")
        }
        if v.has(.manager) {
            body += H.card("班组长", text: "查看团队成员的评价等级和画像，现场记录廉洁情况（可拍照取证），报告整改情况。",
                           actions: "<p class=\"actions\">" + H.link("我的团队", "/m/team") + H.link("记录情况", "/m/entries/new")
                               + H.link("整改", "/m/cases") + "</p>")
        }
        if v.isDiscipline {
            let pending = (try? c.call(EntryService.listEntries, ListEntriesRequest(status: .submitted, pageSize: 1)).totalSize) ?? 0
            body += H.card("纪检", badge: pending > 0 ? H.badge("待审核 \(pending)", "warn") : "",
                           text: "审核记录、处理申辩和预警、推进案件、签署廉洁意见。",
                           actions: "<p class=\"actions\">" + H.link("待审核", "/m/review") + H.link("申辩", "/m/appeals")
                               + H.link("预警", "/m/alerts") + H.link("案件", "/m/cases") + H.link("意见", "/m/opinions") + "</p>")
        }
        if v.has(.hr) {
            body += H.card("人力资源", text: "查看廉洁意见的申请和办理情况。", actions: "<p class=\"actions\">" + H.link("廉洁意见", "/m/opinions") + "</p>")
        }
        if body.isEmpty { body = H.empty("此账号在手机端没有可用的功能，请在电脑上使用命令行或接口。") }
        return c.page("首页", body)
    }
}
