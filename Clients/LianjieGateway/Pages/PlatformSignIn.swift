import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity

/// Sign-in from the messaging app (企信), no password on the phone: the OAuth2
/// authorization-code flow the platform offers its H5 apps.
///
/// The app's menu opens `/m/oauth/start`, which sends the browser to the platform's
/// authorize URL with a fresh `state` (kept in a cookie); the platform sends it back to
/// `/m/oauth` with a single-use `code`. The gateway exchanges the code at the platform's
/// user-info endpoint for the platform's user id, and asks lianjied, as its own service
/// account, for a session of the account linked to that user (OpenPlatformSession). A
/// missing or wrong state, a code the platform refuses, and an unlinked user all end on a
/// page that says so, with no session (and any earlier one in that browser cleared).
struct PlatformSignIn: Sendable {
    let settings: GatewayConfiguration.PlatformSettings
    let publicURL: String
    let serviceToken: String
    let http: OutboundHTTP

    static let stateCookie = "lj_oauth"
    static let statePath = "/m/oauth"

    var redirectURI: String { publicURL + "/m/oauth" }

    static func routes(_ signIn: PlatformSignIn?) -> [MobileSite.Route] {
        [
            .init(method: "GET", pattern: ["oauth", "start"], handler: { c in try start(signIn, c) }, open: true),
            .init(method: "GET", pattern: ["oauth"], handler: { c in try finish(signIn, c) }, open: true),
        ]
    }

    static func notConfigured(_ c: PageContext) -> HTTPResponse {
        c.site.errorPage(404, "未开通企信登录", "本系统尚未配置企信登录，请用用户名和密码登录。", viewer: nil)
    }

    static func start(_ signIn: PlatformSignIn?, _ c: PageContext) throws -> HTTPResponse {
        guard let s = signIn else { return notConfigured(c) }
        let state = Token.generate()
        var url = s.settings.authorizeURL
        url += url.contains("?") ? "&" : "?"
        url += FormEncoding.encode([("client_id", s.settings.appID), ("redirect_uri", s.redirectURI), ("response_type", "code"), ("state", state)])
        // Lax, not Strict: the browser comes back from the platform's site with it.
        let cookie = WebSession.cookie(stateCookie, state, maxAge: 600, tls: c.request.head.tls, path: statePath, sameSite: "Lax")
        return MobileSite.redirect(url, headers: [("Set-Cookie", cookie)])
    }

    static func finish(_ signIn: PlatformSignIn?, _ c: PageContext) throws -> HTTPResponse {
        guard let s = signIn else { return notConfigured(c) }
        let tls = c.request.head.tls
        // Whatever happens next, this browser's earlier session and the state end here.
        let clear = [("Set-Cookie", WebSession.clearCookie(WebSession.cookie, tls: tls)),
                     ("Set-Cookie", WebSession.cookie(stateCookie, "", maxAge: 0, tls: tls, path: statePath, sameSite: "Lax"))]
        func refuse(_ status: Int, _ text: String) -> HTTPResponse {
            MobileSite.html(status, H.page("企信登录", viewer: nil, notice: Notice(tone: .error, text: text),
                                           "<p><a href=\"/m/oauth/start\">重新从企信登录</a> · <a href=\"/m/login\">用户名密码登录</a></p>"),
                            headers: clear)
        }
        guard let state = c.query["state"], let expected = c.request.head.cookies[stateCookie], WebSession.matches(state, expected) else {
            return refuse(403, "登录链接已失效，请从企信重新打开。")
        }
        guard let code = c.query["code"], (1...512).contains(code.utf8.count), ASCII.isVisible(code) else {
            return refuse(400, "企信没有给出登录凭据，请从企信重新打开。")
        }
        let userID: String
        do {
            userID = try s.exchange(code)
        } catch {
            c.site.logger.info("platform sign-in refused", ["reason": .text(error.description), "peer": .text(c.request.head.peer)])
            return refuse(403, "企信登录未成功（凭据无效或已使用），请从企信重新打开。")
        }
        let session: LoginResponse
        do {
            session = try c.site.upstream.call(UserService.openPlatformSession, OpenPlatformSessionRequest(platformUserId: userID),
                                               token: s.serviceToken, client: c.request.head.peer)
        } catch {
            switch error.status {
            case .notFound: return refuse(403, "您的企信账号尚未关联到廉洁评价系统的账号，请联系管理员。")
            case .failedPrecondition: return refuse(403, "关联的账号已停用，请联系管理员。")
            default:
                c.site.logger.error("platform sign-in failed", ["status": .text(error.status.name), "message": .text(error.message)])
                return refuse(503, "暂时无法登录，请稍后再试。")
            }
        }
        // A page of this site moves on to the home page, so the new Strict cookie goes with
        // that request (after a redirect chain begun on the platform's site it would not).
        return MobileSite.html(200, """
            <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/m/">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>正在进入 · 廉洁评价</title>
            <link rel="stylesheet" href="/m/app.css"></head><body><main><p>登录成功，正在进入…</p><p><a href="/m/">进入首页</a></p></main></body></html>
            """, headers: [clear[1], ("Set-Cookie", WebSession.setCookie(token: session.token, expires: session.expiresAtUnix, now: c.site.now(), tls: tls))])
    }

    /// The platform's user id for a code, from its user-info endpoint.
    func exchange(_ code: String) throws(SignInFailure) -> String {
        guard let url = URL(string: settings.userInfoURL) else { throw SignInFailure("the user-info URL is not a URL") }
        let body = FormEncoding.encode([("client_id", settings.appID), ("client_secret", settings.secret), ("code", code),
                                        ("grant_type", "authorization_code"), ("redirect_uri", redirectURI)])
        let answer: OutboundHTTP.Answer
        do {
            answer = try http.send("POST", url, headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                   body: Array(body.utf8))
        } catch { throw SignInFailure("the platform did not answer: \((error as? OutboundHTTP.Failure)?.description ?? "\(error)")") }
        guard answer.status == 200 else { throw SignInFailure("the platform answered HTTP \(answer.status)") }
        guard let text = String(validating: answer.body, as: UTF8.self), let json = try? JSONValue(parsing: text) else {
            throw SignInFailure("the platform's answer is not JSON")
        }
        if let code = json["errcode"], code != .number("0") { throw SignInFailure("the platform refused the code (errcode \(code.serialized()))") }
        guard case .string(let user)? = json[settings.userIDField], !user.isEmpty else {
            throw SignInFailure("the platform's answer has no \(settings.userIDField)")
        }
        return user
    }

    struct SignInFailure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }
}
