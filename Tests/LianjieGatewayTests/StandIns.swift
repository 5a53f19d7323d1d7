import Foundation
import LianjieGateway
import LianjieRPC
import LianjieSecurity
import Synchronization

/// The messaging platform, as the tests stand it up on loopback: an authorize endpoint
/// that sends the browser back with a code for whoever the test says is signing in, and a
/// user-info endpoint that takes each code once.
final class StandInPlatform: Sendable {
    static let appID = "lianjie-h5"
    static let secret = "platform-secret-0123456789"
    struct State {
        var signingIn = ""
        var codes: [String: String] = [:]  // code → user
        var exchanges = 0
    }

    final class Shared: Sendable { let m = Mutex(State()) }

    private let shared = Shared()
    private let server: HTTPServer

    var port: Int { server.port }
    var url: String { "http://127.0.0.1:\(port)" }
    var exchanges: Int { shared.m.withLock { $0.exchanges } }

    init() throws {
        let shared = self.shared
        server = try HTTPServer(configuration: Self.configuration, logger: Logger(level: .error, sink: { _ in })) { head in
            BufferedExchange(head, limit: 64 * 1024) { request in Self.answer(request, shared) }
        }
    }

    deinit { server.stop() }

    /// Who the next sign-in is.
    func signIn(as user: String) { shared.m.withLock { $0.signingIn = user } }

    static var configuration: HTTPServerConfiguration {
        var c = HTTPServerConfiguration()
        c.endpoint = Endpoint(host: "127.0.0.1", port: 0)
        return c
    }

    private static func answer(_ request: HTTPRequest, _ shared: Shared) -> HTTPResponse {
        switch request.head.path {
        case "/authorize":
            let q = request.head.query
            guard q["client_id"] == appID, q["response_type"] == "code", let back = q["redirect_uri"], let s = q["state"] else {
                return HTTPResponse(status: 400, contentType: "text/plain", text: "bad authorize request")
            }
            let code = Token.generate()
            shared.m.withLock { $0.codes[code] = $0.signingIn }
            return HTTPResponse(status: 302, headers: [("Location", back + "?" + FormEncoding.encode([("code", code), ("state", s)]))])
        case "/userinfo":
            let form = request.form
            guard form["client_id"] == appID, form["client_secret"] == secret, form["grant_type"] == "authorization_code" else {
                return HTTPResponse(status: 401, contentType: "application/json", text: #"{"errcode":40001,"errmsg":"invalid credential"}"#)
            }
            let user = shared.m.withLock { s -> String? in
                s.exchanges += 1
                return s.codes.removeValue(forKey: form["code"] ?? "")  // single use
            }
            guard let user else { return HTTPResponse(status: 200, contentType: "application/json", text: #"{"errcode":40029,"errmsg":"invalid code"}"#) }
            return HTTPResponse(status: 200, contentType: "application/json", text: #"{"errcode":0,"errmsg":"ok","userid":"\#(user)"}"#)
        default:
            return HTTPResponse(status: 404)
        }
    }
}

/// The enterprise-messaging webhook, as the tests stand it up: checks each post's
/// signature, answers with the status the test scripts (200 once the script is used up),
/// and keeps what it was sent.
final class StandInWebhook: Sendable {
    static let secret = "webhook-secret-abcdefghijklmnop"
    struct Post: @unchecked Sendable {
        // @unchecked: values only (the JSON view is made on demand).
        var body: [UInt8]
        var delivery: String
        var signatureValid: Bool
        var status: Int
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    final class Shared: Sendable { let m = Mutex<(script: [Int], posts: [Post])>(([], [])) }
    private let shared = Shared()
    private let server: HTTPServer

    var url: String { "http://127.0.0.1:\(server.port)/hook" }
    var posts: [Post] { shared.m.withLock { $0.posts } }

    init() throws {
        let shared = self.shared
        server = try HTTPServer(configuration: StandInPlatform.configuration, logger: Logger(level: .error, sink: { _ in })) { head in
            BufferedExchange(head, limit: 1 << 20) { request in
                let ts = request.head.header("x-lianjie-timestamp") ?? ""
                let expected = "sha256=" + Digest.hex(Digest.hmacSHA256(key: Array(Self.secret.utf8), Array("\(ts).".utf8) + request.body))
                let valid = request.head.header("x-lianjie-signature") == expected
                let status = shared.m.withLock { s -> Int in
                    let status = valid ? (s.script.isEmpty ? 200 : s.script.removeFirst()) : 401
                    s.posts.append(Post(body: request.body, delivery: request.head.header("x-lianjie-delivery") ?? "", signatureValid: valid,
                                        status: status))
                    return status
                }
                return HTTPResponse(status: status, contentType: "text/plain", text: status == 200 ? "ok" : "no")
            }
        }
    }

    deinit { server.stop() }

    /// The statuses of the next posts (then 200s).
    func answer(_ statuses: [Int]) { shared.m.withLock { $0.script = statuses } }
}
