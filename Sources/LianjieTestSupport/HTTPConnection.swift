import Foundation
import LianjieRPC

/// An HTTP/1.1 answer as a test or the bench reads it.
public struct HTTPReply: Sendable {
    public var status: Int
    /// Names lower-cased.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    public func headers(_ name: String) -> [String] { headers.filter { $0.0 == name.lowercased() }.map(\.1) }
    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body parsed as JSON (Foundation's objects), nil when it is not JSON.
    public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
}

/// One keep-alive HTTP/1.1 connection over a blocking socket: requests go one at a time.
/// Enough HTTP for tests and the bench (Content-Length and chunked bodies), nothing more.
public final class HTTPConnection {
    public let fd: Int32
    private var pending: [UInt8] = []
    public private(set) var closedByServer = false

    public init(port: Int, host: String = "127.0.0.1") throws {
        fd = try Socket.connect(Endpoint(host: host, port: port))
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Sends a request and reads its answer.
    public func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPReply {
        try write(Self.encode(method, path, headers: headers, body: body))
        return try readReply()
    }

    /// A request's bytes (Host and Content-Length added).
    public static func encode(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Writes raw bytes (a test may send a request in pieces, or a malformed one).
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += n
        }
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw Failure(description: "recv failed: errno \(errno)") }
            if n == 0 { closedByServer = true; return false }
            pending.append(contentsOf: chunk[0..<n])
            return true
        }
    }

    private func line() throws -> String {
        while true {
            if let i = pending.firstIndex(of: 0x0A) {
                let l = pending[..<i]
                pending.removeFirst(i + 1)
                return String(decoding: l.last == 0x0D ? l.dropLast() : l, as: UTF8.self)
            }
            guard try fill() else { throw Failure(description: "the connection closed mid-answer") }
        }
    }

    private func bytes(_ n: Int) throws -> [UInt8] {
        while pending.count < n { guard try fill() else { throw Failure(description: "the connection closed mid-body") } }
        let out = Array(pending[..<n])
        pending.removeFirst(n)
        return out
    }

    /// Reads one answer.
    public func readReply() throws -> HTTPReply {
        let status = try line()
        let parts = status.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let code = Int(parts[1]) else { throw Failure(description: "not an HTTP status line: \(status)") }
        var headers: [(String, String)] = []
        while true {
            let l = try line()
            if l.isEmpty { break }
            guard let colon = l.firstIndex(of: ":") else { continue }
            headers.append((l[..<colon].lowercased(), l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var reply = HTTPReply(status: code, headers: headers, body: [])
        if let length = reply.header("content-length").flatMap({ Int($0) }) {
            reply.body = try bytes(length)
        } else if reply.header("transfer-encoding")?.lowercased() == "chunked" {
            while true {
                let size = Int(try line().split(separator: ";").first.map(String.init) ?? "", radix: 16) ?? 0
                if size == 0 { _ = try line(); break }
                reply.body += try bytes(size)
                _ = try line()
            }
        } else if code != 204, code != 304 {
            while try fill() {}
            reply.body = pending
            pending = []
        }
        return reply
    }
}
