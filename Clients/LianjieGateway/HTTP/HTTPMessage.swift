import CMicroHTTPD
import Foundation
import LianjieRPC

/// A request's line and headers, read before its body.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The path, percent-decoded, without the query.
    public var path: String
    /// Query arguments, percent-decoded (the last of a repeated name wins).
    public var query: [String: String]
    /// Header names lower-cased, in arrival order.
    public var headers: [(String, String)]
    public var cookies: [String: String]
    /// `ip:port` of the client.
    public var peer: String
    /// Whether the request came over TLS.
    public var tls: Bool

    public init(method: String, path: String, query: [String: String] = [:], headers: [(String, String)] = [],
                cookies: [String: String] = [:], peer: String = "127.0.0.1:1", tls: Bool = false) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.cookies = cookies
        self.peer = peer
        self.tls = tls
    }

    /// The first value of header `name` (lower-case).
    public func header(_ name: String) -> String? {
        // Lengths first: most names differ in length, and that costs no string comparison.
        let length = name.utf8.count
        return headers.first { $0.0.utf8.count == length && $0.0 == name }?.1
    }

    /// `Content-Length`, when given and well-formed (Int.max for any length past it).
    public var contentLength: Int? {
        guard var value = header("content-length") else { return nil }
        return value.withUTF8 { u -> Int? in
            // Digits only (any number of leading zeros); past Int.max it reads as Int.max,
            // larger than any limit.
            let digits = ASCII.trimmed(u)
            guard !digits.isEmpty else { return nil }
            var n = 0
            for i in digits {
                let digit = u[i] &- 0x30
                guard digit < 10 else { return nil }
                let (times10, o1) = n.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int(digit))
                n = o1 || o2 ? Int.max : next
            }
            return n
        }
    }

    /// Whether the request says it has a body (a length above zero, or chunked).
    public var hasBody: Bool {
        if let n = contentLength { return n > 0 }
        return header("transfer-encoding") != nil
    }

    /// The client's address without the port (what per-client limits count).
    public var clientAddress: String { Endpoint.host(ofPeer: peer) }

    init(connection: OpaquePointer, method: String, url: String, tls: Bool) {
        /// What one pass over the request's values collects, by kind (a struct reached through
        /// a pointer: no object, and no run-time exclusivity check per value).
        struct Values {
            var headers: [(String, String)] = []
            var query: [(String, String)] = []
            var cookies: [(String, String)] = []
        }
        var values = Values()
        values.headers.reserveCapacity(16)
        let iterator: MHD_KeyValueIterator = { cls, kind, key, value in
            guard let cls, let key else { return .YES }
            let v = cls.assumingMemoryBound(to: Values.self)
            let text = value.map { String(cString: $0) } ?? ""
            switch kind {
            case .HEADER_KIND: v.pointee.headers.append((ASCII.lowercased(cString: key), text))
            case .GET_ARGUMENT_KIND: v.pointee.query.append((String(cString: key), text))
            case .COOKIE_KIND: v.pointee.cookies.append((String(cString: key), text))
            default: break
            }
            return .YES
        }
        _ = withUnsafeMutablePointer(to: &values) { lj_mhd_request_values(connection, iterator, $0) }
        self.method = method
        self.path = url
        self.query = values.query.isEmpty ? [:] : Dictionary(values.query, uniquingKeysWith: { _, last in last })
        self.headers = values.headers
        self.cookies = values.cookies.isEmpty ? [:] : Dictionary(values.cookies, uniquingKeysWith: { first, _ in first })
        self.tls = tls
        if let info = lj_mhd_connection_info(connection, .CONNECTION_INFO_SOCKET_CONTEXT), let raw = info.pointee.socket_context {
            peer = Unmanaged<HTTPServer.Peer>.fromOpaque(raw).takeUnretainedValue().text
        } else {
            peer = "unknown"
        }
    }
}

extension HTTPRequestHead {
    /// `ip:port` or `[ip6]:port` of a socket address (inet_ntop: no resolver involved).
    static func describe(_ address: UnsafePointer<sockaddr>) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN) + 1) { text -> String in
            if address.pointee.sa_family == sa_family_t(AF_INET6) {
                return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a -> String in
                    var ip = a.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &ip, text.baseAddress, socklen_t(text.count)) != nil else { return "unknown" }
                    return "[\(String(cString: text.baseAddress!))]:\(UInt16(bigEndian: a.pointee.sin6_port))"
                }
            }
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a -> String in
                var ip = a.pointee.sin_addr
                guard inet_ntop(AF_INET, &ip, text.baseAddress, socklen_t(text.count)) != nil else { return "unknown" }
                return "\(String(cString: text.baseAddress!)):\(UInt16(bigEndian: a.pointee.sin_port))"
            }
        }
    }
}

extension HTTPRequestHead {
    /// Behind a trusted reverse proxy: the client its `X-Forwarded-For` names last (the
    /// one it saw), and TLS when its `X-Forwarded-Proto` says https. From any other peer
    /// the headers are ignored.
    mutating func applyProxy(trusted: Set<String>) {
        guard trusted.contains(Endpoint.host(ofPeer: peer)) else { return }
        if let forwarded = header("x-forwarded-for"), let last = forwarded.split(separator: ",").last {
            let address = String(ASCII.trimmed(last))
            if Endpoint.isNumericAddress(address) { peer = Endpoint(host: address, port: 0).description }
        }
        if header("x-forwarded-proto")?.lowercased() == "https" { tls = true }
    }
}

/// Small text helpers on the request path, without Foundation's Unicode machinery.
enum ASCII {
    /// Whether every byte is a visible ASCII character (no space, no control).
    static func isVisible<S: StringProtocol>(_ text: S) -> Bool { text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } }

    /// A C string with its ASCII capitals in lower case (header names; other bytes as
    /// they are, invalid UTF-8 repaired).
    static func lowercased(cString p: UnsafePointer<CChar>) -> String {
        let n = strlen(p)
        return p.withMemoryRebound(to: UInt8.self, capacity: n) { bytes in
            String(unsafeUninitializedCapacity: n) { out in
                for i in 0..<n { out[i] = lowercased(bytes[i]) }
                return n
            }
        }
    }

    /// Whether `text` starts with `prefix` (lower-case ASCII), ignoring ASCII case.
    static func hasPrefixIgnoringCase(_ text: String, _ prefix: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { t in
            prefix.withUTF8Buffer { p in
                guard t.count >= p.count else { return false }
                for i in 0..<p.count where lowercased(t[i]) != p[i] { return false }
                return true
            }
        }
    }

    /// An ASCII capital in lower case; any other byte as it is.
    @inline(__always)
    static func lowercased(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }

    /// The positions of `bytes` within `range` without the spaces and tabs at either end.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>? = nil) -> Range<Int> {
        var start = range?.lowerBound ?? 0, end = range?.upperBound ?? bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return start..<end
    }

    /// `s` without leading and trailing spaces and tabs.
    static func trimmed<S: StringProtocol>(_ text: S) -> Substring {
        let s = Substring(text)
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end > start, u[u.index(before: end)] == 0x20 || u[u.index(before: end)] == 0x09 { end = u.index(before: end) }
        return s[start..<end]
    }
}

/// A request with its whole body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// The body as `application/x-www-form-urlencoded` fields (the last of a repeated
    /// name wins); empty when it is not such a body.
    public var form: [String: String] {
        guard let type = head.header("content-type")?.lowercased(), type.hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        return FormEncoding.decode(String(decoding: body, as: UTF8.self))
    }
}

/// An answer: status, headers and a body held in memory, or streamed (`stream`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// A body sent piece by piece as the client takes it, instead of `body`.
    public var stream: HTTPBodyStream?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], stream: HTTPBodyStream? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = stream
    }

    public init(status: Int, contentType: String, text: String, headers: [(String, String)] = []) {
        self.init(status: status, headers: [("Content-Type", contentType)] + headers, body: Array(text.utf8))
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    static func tooLarge(limit: Int) -> HTTPResponse {
        Problem(status: 413, title: "PAYLOAD_TOO_LARGE", detail: "the request body is larger than this endpoint's limit of \(limit) bytes").response
    }
}

/// A body of known length read piece by piece while it is sent, so a large file passes
/// through without being held whole.
public struct HTTPBodyStream: Sendable {
    public var length: Int64
    /// The bytes from `offset` on (at least one), or nil when they cannot be had (the
    /// connection is then cut, the answer unfinished).
    public var read: @Sendable (_ offset: Int64) -> [UInt8]?

    public init(length: Int64, read: @escaping @Sendable (_ offset: Int64) -> [UInt8]?) {
        self.length = length
        self.read = read
    }
}

/// `application/x-www-form-urlencoded` and URL query text.
public enum FormEncoding {
    public static func decode(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            out[name] = parts.count > 1 ? unescape(parts[1]) : ""
        }
        return out
    }

    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    public static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func unescape(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }
}

/// A socket address for binding, from an endpoint with a numeric or named host.
struct SocketAddress {
    let family: Int32
    let bytes: [UInt8]

    init(_ endpoint: Endpoint) throws {
        do {
            guard let first = try Socket.resolve(endpoint, passive: true).first else {
                throw HTTPServerError("no address for \(endpoint)")
            }
            family = first.family
            bytes = first.address
        } catch let e as SocketError {
            throw HTTPServerError(e.description)
        }
    }

    var isIPv6: Bool { family == AF_INET6 }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>) -> T) -> T {
        bytes.withUnsafeBytes { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
    }
}
