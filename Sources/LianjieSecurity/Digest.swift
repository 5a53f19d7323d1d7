import COpenSSL
import Glibc

/// SHA-256 and HMAC-SHA-256 through OpenSSL's libcrypto; thread-safe.
public enum Digest {
    /// SHA-256 fetched from the provider once: OpenSSL 3 otherwise looks it up on every
    /// digest, which costs more than hashing a token. (An `EVP_MD` is immutable once fetched
    /// and safe to share between threads.)
    fileprivate nonisolated(unsafe) static let sha256Method: OpaquePointer = {
        guard let md = EVP_MD_fetch(nil, "SHA256", nil) else { preconditionFailure("OpenSSL has no SHA256") }
        return md
    }()

    /// The SHA-256 of `bytes` (32 bytes).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, sha256Method, nil)
        }
        precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
        return out
    }

    /// The SHA-256 of a string's UTF-8 bytes (hashed in place, not copied first).
    public static func sha256(_ text: String) -> [UInt8] {
        var text = text
        return text.withUTF8 { input in
            [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                var length: UInt32 = 0
                let ok = EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, sha256Method, nil)
                precondition(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed")
                count = 32
            }
        }
    }

    /// SHA-256 over data that arrives in pieces (a file read chunk by chunk).
    /// Not thread-safe: one hasher per task.
    public final class SHA256Stream {
        private let context: OpaquePointer

        public init() {
            guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, Digest.sha256Method, nil) == 1 else {
                preconditionFailure("EVP_DigestInit_ex(SHA-256) failed")
            }
            context = c
        }

        deinit { EVP_MD_CTX_free(context) }

        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
        }

        /// The digest of everything given so far (32 bytes); the stream is spent after it.
        public func finish() -> [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            precondition(EVP_DigestFinal_ex(context, &out, &length) == 1 && length == 32, "EVP_DigestFinal_ex failed")
            return out
        }
    }

    /// HMAC-SHA-256 under one key used for many messages (the audit chain's): the key's
    /// inner and outer pad blocks are hashed once, and each MAC starts from copies of those
    /// two states (RFC 2104), so a MAC costs two short hashes instead of OpenSSL's one-shot
    /// `HMAC`, which looks the algorithm up and sets up a MAC context on every call.
    /// Thread-safe: the two states are only read after `init`.
    public final class HMACKey: @unchecked Sendable {
        // @unchecked: `inner` and `outer` are written in `init` only; `mac` copies them
        // (EVP_MD_CTX_copy_ex reads its source) and works on contexts of its own.
        private let inner: OpaquePointer, outer: OpaquePointer

        public init(_ key: [UInt8]) {
            var block = key.count > 64 ? Digest.sha256(key) : key
            block += [UInt8](repeating: 0, count: 64 - block.count)
            func absorb(_ pad: UInt8) -> OpaquePointer {
                let padded = block.map { $0 ^ pad }
                guard let c = EVP_MD_CTX_new(), EVP_DigestInit_ex(c, Digest.sha256Method, nil) == 1,
                      EVP_DigestUpdate(c, padded, padded.count) == 1 else { preconditionFailure("EVP_DigestInit_ex(SHA-256) failed") }
                return c
            }
            inner = absorb(0x36)
            outer = absorb(0x5c)
        }

        deinit {
            EVP_MD_CTX_free(inner)
            EVP_MD_CTX_free(outer)
        }

        /// HMAC-SHA-256 of `message` (32 bytes).
        public func mac(_ message: UnsafeRawBufferPointer) -> [UInt8] {
            guard let c = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed") }
            defer { EVP_MD_CTX_free(c) }
            var digest = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            precondition(EVP_MD_CTX_copy_ex(c, inner) == 1 && (message.isEmpty || EVP_DigestUpdate(c, message.baseAddress, message.count) == 1)
                         && EVP_DigestFinal_ex(c, &digest, &length) == 1 && length == 32, "HMAC(SHA-256) inner hash failed")
            var out = [UInt8](repeating: 0, count: 32)
            precondition(EVP_MD_CTX_copy_ex(c, outer) == 1 && EVP_DigestUpdate(c, digest, 32) == 1
                         && EVP_DigestFinal_ex(c, &out, &length) == 1 && length == 32, "HMAC(SHA-256) outer hash failed")
            return out
        }

        /// HMAC-SHA-256 of a string's UTF-8 bytes (32 bytes).
        public func mac(_ text: String) -> [UInt8] {
            var text = text
            return text.withUTF8 { mac(UnsafeRawBufferPointer($0)) }
        }
    }

    /// HMAC-SHA-256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let p = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count, &out, &length)
            }
        }
        precondition(p != nil && length == 32, "HMAC(SHA-256) failed")
        return out
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes from hex digits (either case); nil for an odd count or a non-hex character.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = value(digits[i]), let lo = value(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Equality whose time does not depend on where the inputs differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}

/// Bearer tokens: 256 random bits, base64url without padding (43 characters).
public enum Token {
    /// A new token from the kernel's CSPRNG.
    public static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let rc = bytes.withUnsafeMutableBytes { getentropy($0.baseAddress, 32) }
        precondition(rc == 0, "getentropy failed")
        return base64url(bytes)
    }

    /// What is stored for a token: its SHA-256, never the token.
    public static func storageHash(_ token: String) -> [UInt8] { Digest.sha256(token) }

    /// Whether `text` has the shape of a token (43 base64url characters).
    public static func isWellFormed(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            bytes.count == 43 && bytes.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
            }
        }
    }

    /// `bytes` in base64url without padding.
    public static func base64url(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = UInt32(bytes[i]) << 16 | (i + 1 < bytes.count ? UInt32(bytes[i + 1]) << 8 : 0) | (i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if i + 1 < bytes.count { out.append(alphabet[Int(n >> 6 & 63)]) }
            if i + 2 < bytes.count { out.append(alphabet[Int(n & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
