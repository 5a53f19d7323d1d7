import Glibc

/// The pieces generated `writeJSON(c:into:)` methods write JSON with: the same text as
/// `JSONValue`'s compact form, appended straight to bytes.
public enum JSONOut {
    /// Opens a member: a comma unless it is the object's first (`more`), then `member`,
    /// the quoted name and its colon as the generator wrote them.
    @inlinable
    public static func key(_ member: StaticString, _ more: inout Bool, _ out: inout [UInt8]) {
        if more { out.append(0x2C) }
        more = true
        member.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// A JSON number (int32, uint32).
    public static func integer(_ v: Int64, _ out: inout [UInt8]) {
        if v < 0 { out.append(0x2D) }
        unsigned(v.magnitude, &out)
    }

    /// A 64-bit integer as proto3 JSON writes it: a quoted decimal.
    public static func quotedInteger(_ v: Int64, _ out: inout [UInt8]) {
        out.append(0x22)
        integer(v, &out)
        out.append(0x22)
    }

    public static func quotedUnsigned(_ v: UInt64, _ out: inout [UInt8]) {
        out.append(0x22)
        unsigned(v, &out)
        out.append(0x22)
    }

    public static func bool(_ v: Bool, _ out: inout [UInt8]) {
        out += (v ? "true" : "false").utf8
    }

    /// An enum value: its name, or its number when this build does not know it.
    public static func enumeration<E: ProtoEnum>(_ v: E, _ out: inout [UInt8]) {
        if let name = v.protoValueName { JSONValue.quote(name, into: &out) } else { integer(Int64(v.rawValue), &out) }
    }

    /// A C string as `JSONValue.quote(CRead.string(p))` writes it: up to its NUL, invalid
    /// UTF-8 repaired as `String(cString:)` repairs it; nil is `""`.
    static func cString(_ p: UnsafePointer<CChar>?, _ out: inout [UInt8]) {
        guard let p else { out += "\"\"".utf8; return }
        let length = strlen(p)
        let ascii = p.withMemoryRebound(to: UInt8.self, capacity: length) { bytes -> Bool in
            let buffer = UnsafeBufferPointer(start: bytes, count: length)
            guard buffer.allSatisfy({ $0 < 0x80 }) else { return false }
            JSONValue.quote(utf8: buffer, into: &out)
            return true
        }
        if !ascii { JSONValue.quote(String(cString: p), into: &out) }
    }

    /// A JSON array of a C array's `n` elements.
    static func cArray<T>(_ n: Int, _ p: UnsafeMutablePointer<T>, _ out: inout [UInt8], _ item: (T, inout [UInt8]) -> Void) {
        out.append(0x5B)
        for i in 0..<n {
            if i > 0 { out.append(0x2C) }
            item(p[i], &out)
        }
        out.append(0x5D)
    }

    /// Whether a C array of message pointers holds any message (`CRead.messages` passes
    /// over null ones).
    static func hasMessages<C>(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?) -> Bool {
        guard let p, n > 0 else { return false }
        return (0..<n).contains { p[$0] != nil }
    }

    /// A JSON array of the messages of a C array of message pointers, null ones passed over.
    static func messages<C>(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, _ out: inout [UInt8],
                            _ item: (UnsafePointer<C>, inout [UInt8]) -> Void) {
        out.append(0x5B)
        var first = true
        for i in 0..<(p == nil ? 0 : n) {
            guard let m = p![i] else { continue }
            if !first { out.append(0x2C) }
            first = false
            item(m, &out)
        }
        out.append(0x5D)
    }

    private static func unsigned(_ v: UInt64, _ out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = v, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(truncatingIfNeeded: n % 10) + 0x30
                n /= 10
                count += 1
            } while n > 0
            out.append(contentsOf: d[(20 - count)...])
        }
    }
}
