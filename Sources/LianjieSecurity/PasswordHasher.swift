import CCrypt
import Glibc

/// yescrypt password hashes through libcrypt, as the system itself stores them.
///
/// Hashing costs about 18 ms and 32 MiB: call it from a worker thread, never an event
/// loop. Thread-safe (each call uses its own heap-allocated `crypt_data`).
public enum PasswordHasher {
    /// A new `$y$…` hash of `password` with a fresh random salt.
    /// - Throws: `SecurityError` if libcrypt cannot make a salt or a hash.
    public static func hash(_ password: String) throws(SecurityError) -> String {
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$y$", 0, nil, 0, &salt, Int32(salt.count)) != nil else {
            throw SecurityError("cannot generate a password salt")
        }
        let result = crypt(password, settings: salt)
        guard let result, !result.hasPrefix("*") else { throw SecurityError("cannot hash the password") }
        return result
    }

    /// Whether `password` matches `storedHash`, compared in constant time.
    public static func verify(_ password: String, against storedHash: String) -> Bool {
        guard storedHash.hasPrefix("$"), let computed = crypt(password, settings: Array(storedHash.utf8CString)),
              !computed.hasPrefix("*") else { return false }
        return Digest.constantTimeEqual(Array(computed.utf8), Array(storedHash.utf8))
    }

    /// A hash of a random password: verifying against it costs what a real check costs,
    /// so an unknown user takes as long to refuse as a wrong password.
    public static let decoyHash: String = (try? hash(Token.generate())) ?? "$y$j9T$decoy$"

    private static func crypt(_ password: String, settings: [CChar]) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        memset(data, 0, MemoryLayout<crypt_data>.size)
        defer {
            memset(data, 0, MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        guard let out = crypt_r(password, settings, data) else { return nil }
        return String(cString: out)
    }
}

/// Rules a new password must meet.
public enum PasswordPolicy {
    public static let minimumLength = 10

    /// Why `password` is too weak for `username`, or nil when it is acceptable.
    public static func weakness(of password: String, username: String) -> String? {
        if password.count < minimumLength { return "must be at least \(minimumLength) characters" }
        let lower = password.lowercased()
        if !username.isEmpty, lower.contains(username.lowercased()) { return "must not contain the username" }
        if Set(password).count < 4 { return "must use at least 4 different characters" }
        if commonPasswords.contains(lower) || commonPasswords.contains(where: { lower.hasPrefix($0) && lower.count - $0.count <= 3 }) {
            return "is one of the most common passwords"
        }
        return nil
    }

    /// Passwords (and stems) that top every leaked-password list, lower-cased.
    static let commonPasswords: Set<String> = [
        "123456", "123456789", "12345678", "1234567890", "1234567", "password", "password1", "qwerty",
        "qwerty123", "qwertyuiop", "111111", "123123", "abc123", "1q2w3e4r", "1q2w3e4r5t", "000000",
        "iloveyou", "admin", "admin123", "administrator", "welcome", "welcome1", "letmein", "monkey",
        "dragon", "sunshine", "princess", "football", "baseball", "master", "superman", "trustno1",
        "passw0rd", "p@ssw0rd", "p@ssword", "zaq12wsx", "1qaz2wsx", "qazwsx", "asdfghjkl", "changeme",
        "secret", "default", "root", "toor", "guest", "login", "test", "test123", "a123456", "aa123456",
        "woaini", "woaini1314", "5201314", "wang", "zhang", "li", "888888", "666666", "88888888",
        "11111111", "12341234", "00000000", "147258369", "987654321", "lianjie", "lianjie123",
    ]
}

/// A security primitive failed; the message is safe to log (it never holds a secret).
public struct SecurityError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
