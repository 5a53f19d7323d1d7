import Glibc

/// Opaque, stable identifiers: a type prefix and 80 bits in base32.
public enum Identifiers {
    /// 80 random bits.
    public static func new(prefix: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 10)
        _ = bytes.withUnsafeMutableBytes { getentropy($0.baseAddress, 10) }
        return encode(prefix, bytes, Array("abcdefghjkmnpqrstuvwxyz23456789".utf8) + Array("0".utf8))
    }

    /// 40 bits of milliseconds since 2020 (good for 34 years) then 40 random bits: ids
    /// made one after another sort one after another, so a table or index keyed by them
    /// grows at its end instead of touching a random page per insert (what records written
    /// at a high rate, such as entries, use). Still opaque to callers.
    public static func ordered(prefix: String, unixMillis: Int64) -> String {
        let t = UInt64(max(0, unixMillis - 1_577_836_800_000)) & 0xFF_FFFF_FFFF
        var bytes = (0..<5).map { UInt8(truncatingIfNeeded: t >> (8 * (4 - $0))) } + [UInt8](repeating: 0, count: 5)
        _ = bytes.withUnsafeMutableBytes { getentropy($0.baseAddress! + 5, 5) }
        // Crockford's base32, whose digits rise in ASCII order, so the text sorts as the bits do.
        return encode(prefix, bytes, Array("0123456789abcdefghjkmnpqrstvwxyz".utf8))
    }

    private static func encode(_ prefix: String, _ bytes: [UInt8], _ alphabet: [UInt8]) -> String {
        var out = prefix + "_"
        var acc: UInt32 = 0
        var bits = 0
        for b in bytes {
            acc = acc << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.unicodeScalars.append(Unicode.Scalar(alphabet[Int(acc >> UInt32(bits) & 31)]))
            }
        }
        return out
    }
}
