import Foundation
import LianjieGateway
import LianjieSecurity
import LianjieTestSupport
import XCTest

/// A browser as far as the pages care: keeps cookies, posts forms with the CSRF token of
/// the page it last saw, follows nothing by itself (tests look at redirects).
final class WebClient {
    let port: Int
    var cookies: [String: String] = [:]
    /// The last page's body.
    var last = ""
    private var connection: HTTPConnection?

    init(port: Int) { self.port = port }

    private func send(_ method: String, _ path: String, headers: [(String, String)], body: [UInt8]) throws -> HTTPReply {
        var h = headers
        if !cookies.isEmpty { h.append(("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
        if connection == nil || connection!.closedByServer { connection = try HTTPConnection(port: port) }
        let reply: HTTPReply
        do { reply = try connection!.send(method, path, headers: h, body: body) } catch {
            connection = try HTTPConnection(port: port)
            reply = try connection!.send(method, path, headers: h, body: body)
        }
        if reply.header("connection")?.lowercased() == "close" { connection = nil }
        for c in reply.headers("set-cookie") {
            let pair = c.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            if c.contains("Max-Age=0") { cookies[String(pair[0])] = nil } else { cookies[String(pair[0])] = String(pair[1]) }
        }
        last = reply.text
        return reply
    }

    @discardableResult
    func get(_ path: String) throws -> HTTPReply { try send("GET", path, headers: [], body: []) }

    /// Follows redirects within the site, as a browser would after a form.
    func follow(_ reply: HTTPReply) throws -> HTTPReply {
        var r = reply
        var hops = 0
        while r.status == 303 || r.status == 302, let location = r.header("location"), hops < 5 {
            let path = location.hasPrefix("http") ? String(location.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" }) : location
            r = try get(path)
            hops += 1
        }
        return r
    }

    /// The CSRF token of the last page's forms.
    var csrf: String? { capture(#"name="csrf" value="([^"]+)""#) }

    /// The first match of a regular expression's first group in the last page.
    func capture(_ pattern: String) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern),
              let m = re.firstMatch(in: last, range: NSRange(last.startIndex..., in: last)), m.numberOfRanges > 1,
              let r = Range(m.range(at: 1), in: last) else { return nil }
        return String(last[r])
    }

    /// Posts a urlencoded form (with the last page's CSRF token unless one is given).
    @discardableResult
    func post(_ path: String, _ fields: [(String, String)], csrf: String? = nil) throws -> HTTPReply {
        var all = fields
        if let token = csrf ?? self.csrf { all.insert(("csrf", token), at: 0) }
        return try send("POST", path, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                        body: Array(FormEncoding.encode(all).utf8))
    }

    /// Posts a multipart form: fields in order, then the file (if any) as `photo`.
    @discardableResult
    func postMultipart(_ path: String, _ fields: [(String, String)], file: (name: String, type: String, bytes: [UInt8])?,
                       boundary: String = "----lianjie\(UUID().uuidString.prefix(8))") throws -> HTTPReply {
        let body = Multipart.body(fields, file: file, boundary: boundary)
        return try send("POST", path, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: body)
    }

    /// Logs in through the login form.
    func login(_ username: String, _ password: String) throws {
        try get("/m/login")
        let r = try post("/m/login", [("username", username), ("password", password), ("next", "/m/")])
        XCTAssertEqual(r.status, 303, "login as \(username): \(r.text)")
        _ = try follow(r)
    }
}

enum Multipart {
    static func body(_ fields: [(String, String)], file: (name: String, type: String, bytes: [UInt8])?, boundary: String) -> [UInt8] {
        var out: [UInt8] = []
        for (k, v) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8)
        }
        if let file {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"\(file.name)\"\r\nContent-Type: \(file.type)\r\n\r\n".utf8)
            out += file.bytes
            out += Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    /// A small valid JPEG-looking file (the server checks the magic bytes), `size` bytes.
    static func jpeg(size: Int) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00]
        var x: UInt32 = 12345
        while b.count < size - 2 { x = x &* 1_103_515_245 &+ 12345; b.append(UInt8(truncatingIfNeeded: x >> 16)) }
        return b + [0xFF, 0xD9]
    }

    static func sha256(_ bytes: [UInt8]) -> String { Digest.hex(Digest.sha256(bytes)) }
}
