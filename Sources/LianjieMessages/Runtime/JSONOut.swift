/// The pieces generated `writeJSON(into:)` methods write JSON with: the same text as
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

    /// A JSON array of `items`, each written by `item`.
    @inlinable
    public static func array<T>(_ items: [T], _ out: inout [UInt8], _ item: (T, inout [UInt8]) -> Void) {
        out.append(0x5B)
        for i in items.indices {
            if i > 0 { out.append(0x2C) }
            item(items[i], &out)
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
