import Glibc

/// Opaque, stable identifiers: a type prefix and 80 random bits in base32.
public enum Identifiers {
    public static func new(prefix: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 10)
        _ = bytes.withUnsafeMutableBytes { getentropy($0.baseAddress, 10) }
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789".utf8) + Array("0".utf8)
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
