import Glibc

/// The pieces generated `writeJSON(c:into:)` and `writeJSON(wire:into:)` methods write JSON
/// with: the same text as `JSONValue`'s compact form, appended straight to a `JSONBuffer`.
enum JSONOut {
    /// Opens a member: a comma unless it is the object's first (`more`), then `member`,
    /// the quoted name and its colon as the generator wrote them.
    @inline(__always)
    static func key(_ member: StaticString, _ more: inout Bool, _ out: inout JSONBuffer) {
        if more { out.append(0x2C) }
        more = true
        out.append(member)
    }

    /// A JSON number (int32, uint32).
    static func integer(_ v: Int64, _ out: inout JSONBuffer) {
        if v < 0 { out.append(0x2D) }
        unsigned(v.magnitude, &out)
    }

    /// A 64-bit integer as proto3 JSON writes it: a quoted decimal.
    static func quotedInteger(_ v: Int64, _ out: inout JSONBuffer) {
        out.append(0x22)
        integer(v, &out)
        out.append(0x22)
    }

    static func quotedUnsigned(_ v: UInt64, _ out: inout JSONBuffer) {
        out.append(0x22)
        unsigned(v, &out)
        out.append(0x22)
    }

    static func bool(_ v: Bool, _ out: inout JSONBuffer) {
        out.append(v ? "true" : "false")
    }

    /// An enum value as `ProtoEnum.jsonValue` says (its name, or its number when this build
    /// does not know it), written without that `JSONValue` between; the tests hold the two
    /// to the same bytes.
    static func enumeration<E: ProtoEnum>(_ v: E, _ out: inout JSONBuffer) {
        if let name = v.protoValueJSON { out.append(name) } else { integer(Int64(v.rawValue), &out) }
    }

    /// A C string as `JSONValue.quote(CRead.string(p))` writes it: up to its NUL, invalid
    /// UTF-8 repaired as `String(cString:)` repairs it; nil is `""`.
    static func cString(_ p: UnsafePointer<CChar>?, _ out: inout JSONBuffer) {
        guard let p else { out.append("\"\""); return }
        let length = strlen(p)
        let ascii = p.withMemoryRebound(to: UInt8.self, capacity: length) { bytes -> Bool in
            let buffer = UnsafeBufferPointer(start: bytes, count: length)
            guard buffer.allSatisfy({ $0 < 0x80 }) else { return false }
            JSONValue.quote(utf8: buffer, into: &out)
            return true
        }
        if !ascii {
            var text = String(cString: p)
            text.withUTF8 { JSONValue.quote(utf8: $0, into: &out) }
        }
    }

    /// A JSON array of a C array's `n` elements.
    static func cArray<T>(_ n: Int, _ p: UnsafeMutablePointer<T>, _ out: inout JSONBuffer, _ item: (T, inout JSONBuffer) -> Void) {
        out.append(0x5B)
        for i in 0..<n {
            if i > 0 { out.append(0x2C) }
            item(p[i], &out)
        }
        out.append(0x5D)
    }

    /// The member `member` (see `key`) holding a JSON array of the messages of a C array of
    /// message pointers, null ones passed over as `CRead.messages` passes them; nothing at
    /// all when no message is there (the Swift value's array would be empty).
    static func messages<C>(_ member: StaticString, _ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, _ more: inout Bool,
                            _ out: inout JSONBuffer, _ item: (UnsafePointer<C>, inout JSONBuffer) -> Void) {
        guard let p else { return }
        var any = false
        for i in 0..<n {
            guard let m = p[i] else { continue }
            if any {
                out.append(0x2C)
            } else {
                key(member, &more, &out)
                out.append(0x5B)
                any = true
            }
            item(m, &out)
        }
        if any { out.append(0x5D) }
    }

    /// A float or double as `JSONValue(floating:)` writes it.
    static func floating(_ v: Double, _ out: inout JSONBuffer) {
        var text: [UInt8] = []
        JSONValue(floating: v).write(compactInto: &text)
        out.append(text)
    }

    /// Bytes as proto3 JSON writes them: base64 in quotes.
    static func base64(_ bytes: [UInt8], _ out: inout JSONBuffer) {
        var text = Base64.encode(bytes)
        text.withUTF8 { JSONValue.quote(utf8: $0, into: &out) }
    }

    private static func unsigned(_ v: UInt64, _ out: inout JSONBuffer) {
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
            out.append(UnsafeRawBufferPointer(rebasing: d[(20 - count)...]))
        }
    }
}
