import Glibc

/// Where a server listens or a client connects: `HOST:PORT` over TCP (`127.0.0.1:7600`,
/// `localhost:7600`, `[::1]:7600`), or `unix:PATH`, a Unix-domain socket on this host
/// (`unix:/run/lianjie/gateway.sock`).
public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The socket file's path for a Unix-domain endpoint; host and port are then unused.
    public var path: String?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// A Unix-domain endpoint; `path` must satisfy `isValidSocketPath`.
    public init(unixPath: String) {
        host = ""
        port = 0
        path = unixPath
    }

    /// The prefix that names a Unix-domain endpoint.
    public static let unixPrefix = "unix:"

    /// Parses `HOST:PORT` or `unix:PATH`; nil when it is neither, the port is out of range,
    /// or the path is not absolute or too long for a socket address.
    public init?(_ text: String) {
        if text.hasPrefix(Self.unixPrefix) {
            let path = String(text.dropFirst(Self.unixPrefix.count))
            guard Self.isValidSocketPath(path) else { return nil }
            self.init(unixPath: path)
            return
        }
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        if host.contains(":") && !text.hasPrefix("[") { return nil }
        self.init(host: String(host), port: port)
    }

    /// Whether `path` can name a Unix-domain socket: absolute, no NUL, and short enough for
    /// `sockaddr_un` (107 bytes).
    public static func isValidSocketPath(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.utf8.contains(0) && path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path)
    }

    /// True for `unix:PATH`.
    public var isUnix: Bool { path != nil }

    public var description: String {
        if let path { return Self.unixPrefix + path }
        // utf8.contains, not String.contains: the latter goes through Foundation's search.
        return host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `text` as a peer (`ip:port` or `[ip6]:port`) when its host is a numeric address,
    /// else nil: what a trusted gateway may name as its client.
    public static func numericPeer(_ text: String) -> String? {
        guard text.utf8.count <= 64, let e = Endpoint(text), isNumericAddress(e.host) else { return nil }
        return e.description
    }

    /// Whether `host` is a numeric IPv4 or IPv6 address (no name, no port).
    public static func isNumericAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The address part of a peer written `ip:port` or `[ip6]:port` (the whole text if it
    /// has no port): what per-address limits count.
    public static func host(ofPeer peer: String) -> String {
        if peer.hasPrefix("["), let close = peer.firstIndex(of: "]") { return String(peer[peer.index(after: peer.startIndex)..<close]) }
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}

/// A socket call failed; the message names the call and the system's reason.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public var description: String

    package init(_ what: String, errno code: Int32 = errno) {
        description = "\(what): \(String(cString: strerror(code)))"
    }

    package init(message: String) { description = message }
}

/// Socket helpers shared by the server, the client, the bench and the tests.
public enum Socket {
    /// Resolves `endpoint` to socket addresses (numeric hosts and names alike).
    package static func resolve(_ endpoint: Endpoint, passive: Bool) throws(SocketError) -> [(family: Int32, address: [UInt8])] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if passive { hints.ai_flags = AI_PASSIVE }
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result)
        guard rc == 0, let first = result else {
            throw SocketError(message: "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var out: [(Int32, [UInt8])] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            let bytes = Array(UnsafeRawBufferPointer(start: ai.pointee.ai_addr, count: Int(ai.pointee.ai_addrlen)))
            out.append((ai.pointee.ai_family, bytes))
            p = ai.pointee.ai_next
        }
        return out
    }

    /// A blocking connect to `endpoint` (with TCP_NODELAY over TCP); the fd is left
    /// blocking and belongs to the caller.
    public static func connect(_ endpoint: Endpoint) throws(SocketError) -> Int32 {
        if let path = endpoint.path {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket") }
            guard withUnixAddress(path, { Glibc.connect(fd, $0, $1) }) == 0 else {
                let error = SocketError("cannot connect to \(endpoint)")
                close(fd)
                throw error
            }
            return fd
        }
        var lastError = SocketError(message: "no address for \(endpoint)")
        for (family, address) in try resolve(endpoint, passive: false) {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = SocketError("socket"); continue }
            let rc = address.withUnsafeBytes { raw in
                Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            guard rc == 0 else { lastError = SocketError("cannot connect to \(endpoint)"); close(fd); continue }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
        throw lastError
    }

    /// Runs `body` with `path` as a `sockaddr_un` and its length; -1 (errno ENAMETOOLONG)
    /// without running it when the path fails `Endpoint.isValidSocketPath`.
    package static func withUnixAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        guard Endpoint.isValidSocketPath(path) else {
            errno = path.hasPrefix("/") ? ENAMETOOLONG : EINVAL
            return -1
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }

    package static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return portOf(storage)
    }

    package static func portOf(_ storage: sockaddr_storage) -> Int {
        var s = storage
        return withUnsafePointer(to: &s) { p -> Int in
            let raw = UnsafeRawPointer(p)
            if Int32(storage.ss_family) == AF_INET6 {
                return Int(UInt16(bigEndian: raw.assumingMemoryBound(to: sockaddr_in6.self).pointee.sin6_port))
            }
            return Int(UInt16(bigEndian: raw.assumingMemoryBound(to: sockaddr_in.self).pointee.sin_port))
        }
    }

    /// `ip:port` (or `[ip6]:port`) of a socket address.
    package static func describe(_ storage: sockaddr_storage, length: socklen_t) -> String {
        var s = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        let rc = withUnsafePointer(to: &s) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard rc == 0 else { return "unknown" }
        let h = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Endpoint(host: h, port: portOf(storage)).description
    }
}
