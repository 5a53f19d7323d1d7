/// The PROXY protocol header (HAProxy's specification) that a trusted TLS terminator or
/// balancer sends before anything else, naming the client it relays: version 1 (a text
/// line, what stunnel's `protocol = proxy` sends) and version 2 (binary). A pure parser.
enum ProxyHeader: Equatable {
    /// More bytes are needed.
    case incomplete
    /// Not a valid header: the connection must be closed.
    case invalid(String)
    /// A header that names no client (v2 LOCAL, v1 UNKNOWN: the proxy's own health check);
    /// `length` bytes belong to it.
    case local(length: Int)
    /// The relayed client's `ip:port`; `length` bytes belong to the header.
    case proxied(peer: String, length: Int)

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Prefix = Array("PROXY ".utf8)
    /// No valid header is longer (v2 with TLVs is capped here; v1 is at most 107).
    static let maxLength = 16 + 512

    static func parse(_ b: [UInt8]) -> ProxyHeader {
        if b.isEmpty { return .incomplete }
        if b[0] == v2Signature[0] {
            let n = min(b.count, v2Signature.count)
            guard Array(b[0..<n]) == Array(v2Signature[0..<n]) else { return .invalid("not a PROXY protocol header") }
            return parseV2(b)
        }
        let n = min(b.count, v1Prefix.count)
        guard Array(b[0..<n]) == Array(v1Prefix[0..<n]) else { return .invalid("not a PROXY protocol header") }
        return parseV1(b)
    }

    private static func parseV2(_ b: [UInt8]) -> ProxyHeader {
        guard b.count >= 16 else { return .incomplete }
        guard b[12] >> 4 == 2 else { return .invalid("PROXY v2: unknown version") }
        let length = Int(b[14]) << 8 | Int(b[15])
        guard 16 + length <= maxLength else { return .invalid("PROXY v2: header too long") }
        guard b.count >= 16 + length else { return .incomplete }
        switch b[12] & 0x0F {
        case 0: return .local(length: 16 + length)
        case 1: break
        default: return .invalid("PROXY v2: unknown command")
        }
        let a = Array(b[16..<(16 + length)])
        switch b[13] >> 4 {
        case 1:  // IPv4: src, dst, sport, dport
            guard a.count >= 12 else { return .invalid("PROXY v2: short IPv4 addresses") }
            let host = a[0..<4].map(String.init).joined(separator: ".")
            return .proxied(peer: "\(host):\(Int(a[8]) << 8 | Int(a[9]))", length: 16 + length)
        case 2:  // IPv6
            guard a.count >= 36 else { return .invalid("PROXY v2: short IPv6 addresses") }
            var groups: [String] = []
            for i in stride(from: 0, to: 16, by: 2) { groups.append(String(Int(a[i]) << 8 | Int(a[i + 1]), radix: 16)) }
            return .proxied(peer: "[\(groups.joined(separator: ":"))]:\(Int(a[32]) << 8 | Int(a[33]))", length: 16 + length)
        case 0:
            return .local(length: 16 + length)
        default:
            return .invalid("PROXY v2: unsupported address family")
        }
    }

    private static func parseV1(_ b: [UInt8]) -> ProxyHeader {
        let window = b.prefix(107)
        guard let cr = window.firstIndex(of: 0x0D) else {
            return b.count >= 107 ? .invalid("PROXY v1: no line end within 107 bytes") : .incomplete
        }
        guard cr + 1 < b.count else { return .incomplete }
        guard b[cr + 1] == 0x0A else { return .invalid("PROXY v1: bad line end") }
        let line = String(decoding: b[0..<cr], as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return .invalid("PROXY v1: malformed") }
        if parts[1] == "UNKNOWN" { return .local(length: cr + 2) }
        guard parts.count == 6, parts[1] == "TCP4" || parts[1] == "TCP6", let port = Int(parts[4]), (0...65535).contains(port),
              isAddress(parts[2], v6: parts[1] == "TCP6") else {
            return .invalid("PROXY v1: malformed")
        }
        let host = String(parts[2])
        return .proxied(peer: parts[1] == "TCP6" ? "[\(host)]:\(port)" : "\(host):\(port)", length: cr + 2)
    }

    private static func isAddress(_ s: Substring, v6: Bool) -> Bool {
        guard !s.isEmpty, s.count <= 45 else { return false }
        if v6 { return s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { o in Int(o).map { (0...255).contains($0) && o.count <= 3 } ?? false }
    }
}
