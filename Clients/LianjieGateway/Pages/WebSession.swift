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
        base64url(Array(Digest.hmacSHA256(key: Array(token.utf8), Array("lianjie-gateway csrf v1".utf8)).prefix(24)))
    }

    /// Whether `given` is `expected`, in constant time.
    static func matches(_ given: String?, _ expected: String) -> Bool {
        guard let given, !expected.isEmpty else { return false }
        return Digest.constantTimeEqual(Array(given.utf8), Array(expected.utf8))
    }

    /// `Set-Cookie` for the session, alive until `expires` (Unix seconds) seen from `now`.
    static func setCookie(token: String, expires: Int64, now: Double, tls: Bool) -> String {
        let maxAge = max(0, expires - Int64(now))
        return "\(cookie)=\(token); Path=\(path); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    static func clearCookie(_ name: String, tls: Bool) -> String {
        "\(name)=; Path=\(path); Max-Age=0; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    static func setLoginCookie(_ value: String, tls: Bool) -> String {
        "\(loginCookie)=\(value); Path=\(path); Max-Age=1800; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
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
