/// Reads proto3 JSON field values, naming the field in every error.
public enum JSONRead {
    static func object(_ v: JSONValue, _ name: String) throws(ProtoError) -> [(String, JSONValue)] {
        guard case .object(let members) = v else { throw ProtoError(field: "", reason: "expected a JSON object for \(name)") }
        return members
    }

    private static func integerText(_ v: JSONValue, _ field: String) throws(ProtoError) -> String {
        switch v {
        case .number(let n), .string(let n):
            // proto3 JSON allows integral floats like 1.0 and 1e3; take them if exact.
            if n.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                guard let d = Double(n), d == d.rounded(), abs(d) < 9.007199254740992e15 else {
                    throw ProtoError(field: field, reason: "expected an integer, got \(n)")
                }
                return String(Int64(d))
            }
            return n
        default: throw ProtoError(field: field, reason: "expected an integer")
        }
    }

    static func integer<T: FixedWidthInteger>(_ v: JSONValue, _ field: String, as: T.Type) throws(ProtoError) -> T {
        let text = try integerText(v, field)
        guard let x = T(text) else { throw ProtoError(field: field, reason: "expected an integer within \(T.min)...\(T.max), got \(text)") }
        return x
    }

    public static func int32(_ v: JSONValue, _ field: String) throws(ProtoError) -> Int32 { try integer(v, field, as: Int32.self) }
    public static func int64(_ v: JSONValue, _ field: String) throws(ProtoError) -> Int64 { try integer(v, field, as: Int64.self) }
    public static func uint32(_ v: JSONValue, _ field: String) throws(ProtoError) -> UInt32 { try integer(v, field, as: UInt32.self) }
    public static func uint64(_ v: JSONValue, _ field: String) throws(ProtoError) -> UInt64 { try integer(v, field, as: UInt64.self) }

    public static func double(_ v: JSONValue, _ field: String) throws(ProtoError) -> Double {
        switch v {
        case .number(let n):
            guard let d = Double(n) else { throw ProtoError(field: field, reason: "expected a number, got \(n)") }
            return d
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let s):
            guard let d = Double(s) else { throw ProtoError(field: field, reason: "expected a number, got \"\(s)\"") }
            return d
        default: throw ProtoError(field: field, reason: "expected a number")
        }
    }

    public static func bool(_ v: JSONValue, _ field: String) throws(ProtoError) -> Bool {
        guard case .bool(let b) = v else { throw ProtoError(field: field, reason: "expected true or false") }
        return b
    }

    public static func string(_ v: JSONValue, _ field: String) throws(ProtoError) -> String {
        guard case .string(let s) = v else { throw ProtoError(field: field, reason: "expected a string") }
        return s
    }

    public static func bytes(_ v: JSONValue, _ field: String) throws(ProtoError) -> [UInt8] {
        guard case .string(let s) = v, let b = Base64.decode(s) else {
            throw ProtoError(field: field, reason: "expected base64 text")
        }
        return b
    }

    public static func enumeration<E: ProtoEnum>(_ type: E.Type, _ v: JSONValue, _ field: String) throws(ProtoError) -> E {
        switch v {
        case .string(let name):
            guard let e = E(protoValueName: name) else { throw ProtoError(field: field, reason: "\(name) is not a value of \(E.protoName)") }
            return e
        case .number:
            return E(rawValue: try int32(v, field))
        default: throw ProtoError(field: field, reason: "expected a value name of \(E.protoName)")
        }
    }

    public static func message<M: ProtoMessage>(_ type: M.Type, _ v: JSONValue, _ field: String) throws(ProtoError) -> M {
        do { return try M(jsonValue: v) } catch { throw error.nested(in: field) }
    }

    public static func array<T>(_ v: JSONValue, _ field: String, _ element: (JSONValue, String) throws(ProtoError) -> T) throws(ProtoError) -> [T] {
        guard case .array(let items) = v else { throw ProtoError(field: field, reason: "expected an array") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { out.append(try element(item, "\(field)[\(i)]")) }
        return out
    }
}

/// Standard base64 with padding (RFC 4648 §4); decoding also takes the URL-safe
/// alphabet and missing padding, as proto3 JSON requires.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8], urlSafe: Bool = false, padding: Bool = true) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        let a = urlSafe ? alphabet.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 } : alphabet
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(a[Int(n >> 18 & 63)])
            out.append(a[Int(n >> 12 & 63)])
            if i + 1 < bytes.count { out.append(a[Int(n >> 6 & 63)]) } else if padding { out.append(UInt8(ascii: "=")) }
            if i + 2 < bytes.count { out.append(a[Int(n & 63)]) } else if padding { out.append(UInt8(ascii: "=")) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var acc: UInt32 = 0
        var bits = 0
        var out: [UInt8] = []
        var sawPadding = false
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): sawPadding = true; continue
            default: return nil
            }
            if sawPadding { return nil }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        if bits >= 6 { return nil }
        return out
    }
}
