import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieScoring
import LianjieWire

/// The mobile pages under `/m/`: server-rendered HTML, every figure fetched from lianjied
/// with the viewer's own token.
///
/// Every page but the login page needs a session (else it redirects to the login page);
/// every POST needs the session's CSRF token; every answer carries a strict
/// Content-Security-Policy and is never cached.
struct MobileSite: Sendable {
    static let prefix = "/m"
    let upstream: Upstream
    let now: @Sendable () -> Double
    let logger: Logger
    /// Shared with the JSON API's Login: password tries per client address.
    let loginLimiter: RateLimiter
    /// The largest urlencoded form.
    let maxFormBytes = 64 * 1024
    /// The largest evidence upload (multipart), with room for the other fields.
    let maxUploadBytes: Int
    let routes: [Route]

    init(upstream: Upstream, now: @escaping @Sendable () -> Double, logger: Logger, loginLimiter: RateLimiter, maxUploadBytes: Int,
         signIn: PlatformSignIn?) {
        self.upstream = upstream
        self.now = now
        self.logger = logger
        self.loginLimiter = loginLimiter
        self.maxUploadBytes = maxUploadBytes
        routes = AccountPages.routes + PlatformSignIn.routes(signIn) + EmployeePages.routes + ManagerPages.routes + ReviewPages.routes
            + EvidencePages.routes
    }

    /// A page's answer to one request.
    typealias Handler = @Sendable (PageContext) throws -> HTTPResponse

    struct Route: Sendable {
        let method: String
        /// Path components; `*` matches one component, passed to the handler as `parameter`.
        let pattern: [String]
        let handler: Handler
        /// The login page and the static files need no session.
        var open = false
    }

    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]

    func exchange(_ head: HTTPRequestHead) -> any HTTPExchange {
        if head.path == "/m/app.css" { return FixedExchange(head, Assets.stylesheet) }
        if head.path == "/m/app.js" { return FixedExchange(head, Assets.javascript) }
        let parts = head.path.split(separator: "/").dropFirst().map(String.init)
        var allowed: [String] = []
        for route in routes where route.pattern.count == parts.count {
            var parameter: String?
            let matched = zip(route.pattern, parts).allSatisfy { p, part in
                if p == "*" { parameter = part; return true }
                return p == part
            }
            guard matched else { continue }
            guard route.method == head.method || (route.method == "GET" && head.method == "HEAD") else {
                allowed.append(route.method)
                continue
            }
            if head.method == "POST", head.header("content-type")?.lowercased().hasPrefix("multipart/form-data") == true {
                return UploadExchange(head, site: self, limit: maxUploadBytes) { request, upload in
                    self.respond(route, request, parameter: parameter, upload: upload)
                }
            }
            return BufferedExchange(head, limit: head.method == "POST" ? maxFormBytes : 0) { request in
                self.respond(route, request, parameter: parameter, upload: nil)
            }
        }
        if !allowed.isEmpty {
            return FixedExchange(head, errorPage(405, "不支持此操作", "请从页面上的按钮操作。", viewer: nil, extraHeaders: [("Allow", allowed.joined(separator: ", "))]))
        }
        return FixedExchange(head, errorPage(404, "页面不存在", "没有这个页面：\(head.path)", viewer: nil))
    }

    /// Runs a route: resolves the session, checks CSRF on POST, maps errors to pages.
    func respond(_ route: Route, _ request: HTTPRequest, parameter: String?, upload: UploadedEvidence?) -> HTTPResponse {
        var context = PageContext(request: request, site: self, parameter: parameter, upload: upload)
        if request.head.method == "POST", request.head.header("sec-fetch-site") == "cross-site" {
            return errorPage(403, "请求被拒绝", "不接受来自其他网站的提交。", viewer: nil)
        }
        if !route.open {
            guard let token = request.head.cookies[WebSession.cookie], Token.isWellFormed(token) else { return toLogin(request) }
            do {
                let me = try upstream.call(UserService.whoAmI, WhoAmIRequest(), token: token, client: request.head.peer)
                context.viewer = Viewer(token: token, csrf: WebSession.csrf(token: token), me: me)
            } catch {
                if error.status == .unauthenticated { return toLogin(request) }
                return errorPage(Problem.httpStatus(error.status), "暂时无法打开", error.message, viewer: nil)
            }
            if request.head.method == "POST", !WebSession.matches(context.form["csrf"], context.viewer!.csrf) {
                return errorPage(403, "请求已过期", "页面已过期或不是从本系统提交的，请返回重新操作。", viewer: context.viewer)
            }
        }
        do {
            return try route.handler(context)
        } catch let error as RPCError {
            if error.status == .unauthenticated { return toLogin(request) }
            return errorPage(Problem.httpStatus(error.status), "无法完成", error.message, viewer: context.viewer,
                             details: Notice.refusal(error).details)
        } catch {
            logger.error("page failed", ["path": .text(request.head.path), "error": .text("\(error)")])
            return errorPage(500, "出错了", "页面出错，请稍后再试。", viewer: context.viewer)
        }
    }

    func toLogin(_ request: HTTPRequest) -> HTTPResponse {
        let next = request.head.method == "GET" ? request.head.path : "/m/"
        var r = Self.redirect("/m/login?next=" + FormEncoding.escape(next))
        if request.head.cookies[WebSession.cookie] != nil {
            r.headers.append(("Set-Cookie", WebSession.clearCookie(WebSession.cookie, tls: request.head.tls)))
        }
        return r
    }

    static func redirect(_ location: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: 303, headers: [("Location", location), ("Cache-Control", "no-store")] + headers)
    }

    static func html(_ status: Int = 200, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")] + securityHeaders + headers,
                     body: Array(text.utf8))
    }

    func errorPage(_ status: Int, _ title: String, _ message: String, viewer: Viewer?, details: [String] = [],
                   extraHeaders: [(String, String)] = []) -> HTTPResponse {
        Self.html(status, H.page(title, viewer: viewer, notice: Notice(tone: .error, text: message, details: details),
                                 "<p><a href=\"/m/\">返回首页</a></p>"), headers: extraHeaders)
    }
}

/// One request to a page, with what the page needs to answer it.
struct PageContext: Sendable {
    let request: HTTPRequest
    let site: MobileSite
    /// The path component a route's `*` matched.
    let parameter: String?
    /// The evidence a multipart form carried, already uploaded to lianjied.
    let upload: UploadedEvidence?
    var viewer: Viewer?
    let form: [String: String]

    init(request: HTTPRequest, site: MobileSite, parameter: String?, upload: UploadedEvidence?) {
        self.request = request
        self.site = site
        self.parameter = parameter
        self.upload = upload
        self.form = upload?.fields ?? request.form
    }

    var query: [String: String] { request.head.query }

    /// A call to lianjied as the viewer.
    func call<Request, Response>(_ method: RPCMethod<Request, Response>, _ r: Request) throws(RPCError) -> Response {
        try site.upstream.call(method, r, token: viewer?.token, client: request.head.peer)
    }

    /// The viewer; pages behind a session always have one.
    var me: Viewer { viewer! }

    /// A form field, trimmed.
    func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A form's `YYYY-MM-DD` field as a date; nil when it is not a day that exists.
    func date(_ name: String) -> CalendarDate? { Day(field(name)).map(Beijing.calendarDate) }

    /// An id that will become a path component or a call's argument: letters, digits, `_`
    /// and `-` only.
    func identifier(_ value: String?) throws(RPCError) -> String {
        guard let value, !value.isEmpty, value.count <= 64, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw RPCError(.notFound, "没有这一项")
        }
        return value
    }

    /// A fresh request id for a form's action; the form carries it so a resubmission is
    /// answered, not repeated.
    func requestID() -> String { field("rid").isEmpty ? UUID().uuidString : field("rid") }

    func page(_ title: String, notice: Notice? = nil, _ body: String) -> HTTPResponse {
        MobileSite.html(200, H.page(title, viewer: viewer, notice: notice ?? doneNotice, body))
    }

    /// The notice a redirect after a successful action asks for (`?done=KEY`).
    var doneNotice: Notice? {
        guard let key = query["done"], let text = Self.doneTexts[key] else { return nil }
        return .ok(text)
    }

    static let doneTexts: [String: String] = [
        "recorded": "已记录，等待纪检人员审核。", "confirmed": "已确认。", "rejected": "已退回。", "appealed": "申辩已提交。",
        "upheld": "申辩成立，记录已撤销。", "dismissed": "申辩不成立，记录维持。", "password": "密码已修改。",
        "acknowledged": "已确认收到。", "alert-acknowledged": "预警已确认。", "alert-dismissed": "预警已排除。",
        "case-opened": "已立案。", "reported": "整改情况已报告。", "signed": "已签署。", "reviewed": "已审核。",
        "requested": "申请已提交，纪检人员审核、负责人签署后可在此查看。",
    ]
}
