import Foundation
import LianjieMessages
import LianjieSecurity

/// The browser's side of a session. The cookie holds lianjied's own session token, so the
/// gateway keeps nothing and any gateway process serves any request; the CSRF token is
/// derived from that token (HMAC-SHA256), so it needs no store either and changes with
/// every login.
enum WebSession {
    /// The session cookie: lianjied's token, HttpOnly, SameSite=Strict, Secure under TLS.
    static let cookie = "lj_session"
    /// Before login: a random value the login form repeats (double submit), so another
    /// site cannot log a browser in as someone else.
    static let loginCookie = "lj_login"
    /// Where the cookies apply.
    static let path = "/m"

    /// The CSRF token of a session: 32 base64url characters.
    static func csrf(token: String) -> String {
        Token.base64url(Array(Digest.hmacSHA256(key: Array(token.utf8), Array("lianjie-gateway csrf v1".utf8)).prefix(24)))
    }

    /// Whether `given` is `expected`, in constant time.
    static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given, !expected.isEmpty else { return false }
        return Digest.constantTimeEqual(Array(given.utf8), Array(expected.utf8))
    }

    /// A `Set-Cookie` value: HttpOnly always, Secure under TLS; `maxAge` 0 clears it.
    static func cookie(_ name: String, _ value: String, maxAge: Int64, tls: Bool, path: String = WebSession.path,
                       sameSite: String = "Strict") -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=\(sameSite)" + (tls ? "; Secure" : "")
    }

    /// The session cookie, alive until `expires` (Unix seconds) seen from `now`.
    static func setCookie(token: String, expires: Int64, now: Double, tls: Bool) -> String {
        Self.cookie(cookie, token, maxAge: max(0, expires - Int64(now)), tls: tls)
    }

    static func clearCookie(_ name: String, tls: Bool) -> String { Self.cookie(name, "", maxAge: 0, tls: tls) }

    static func setLoginCookie(_ value: String, tls: Bool) -> String { Self.cookie(loginCookie, value, maxAge: 1800, tls: tls) }
}

/// Who is looking at a page: the session's token, its CSRF token and lianjied's answer to
/// WhoAmI.
struct Viewer: Sendable {
    let token: String
    let csrf: String
    let me: WhoAmIResponse

    var account: Account { me.account ?? Account() }
    var roles: Set<Role> { Set(account.grants.map(\.role)) }
    func has(_ any: Role...) -> Bool { !roles.isDisjoint(with: any) }
    var isDiscipline: Bool { has(.inspector, .disciplineHead) }
    /// The subject record of the viewer (employees), if linked.
    var subjectID: String? { me.subjectId.isEmpty ? nil : me.subjectId }
}
