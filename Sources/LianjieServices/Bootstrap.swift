import Foundation
public import LianjieRPC
import LianjieSecurity
public import LianjieStore

/// Creates the first administrator on an empty store.
public enum Bootstrap {
    public enum Outcome: Sendable, Equatable {
        /// The store already has accounts; nothing was done.
        case notNeeded
        /// No accounts and no bootstrap variable: the server runs, but nobody can log in yet.
        case noAdministrator
        case created(username: String)
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads `LIANJIE_BOOTSTRAP_ADMIN=name:password` (`spec`) and, on an empty store,
    /// creates that administrator with the admin role on the whole deployment.
    /// - Throws: `Failure` for a malformed spec or a weak password (nothing is created).
    public static func run(store: any Store, spec: String?, logger: Logger) throws -> Outcome {
        guard try store.read({ try $0.accountCount() }) == 0 else { return .notNeeded }
        guard let spec, !spec.isEmpty else {
            logger.notice("no accounts yet", ["hint": "restart with LIANJIE_BOOTSTRAP_ADMIN=name:password to create the first administrator"])
            return .noAdministrator
        }
        let (username, password) = try parse(spec)
        let account = AccountRecord(id: Identifiers.new(prefix: "acc"), username: username, displayName: username,
                                    passwordHash: try PasswordHasher.hash(password),
                                    grants: [GrantRecord(role: "admin", organizationID: "")],
                                    createTime: Int64(Date().timeIntervalSince1970))
        try store.write { tx in
            try tx.createAccount(account)
            try AuditLog.append(tx, accountID: "", method: "bootstrap", target: AuditLog.Target(type: "account", id: account.id),
                                peer: "local", outcome: "OK")
        }
        logger.notice("bootstrap administrator created", ["username": .text(username), "account": .text(account.id)])
        return .created(username: username)
    }

    /// Splits and checks `name:password`.
    /// - Throws: `Failure` for a malformed spec, a bad username or a weak password.
    public static func parse(_ spec: String) throws -> (username: String, password: String) {
        guard let colon = spec.firstIndex(of: ":") else {
            throw Failure(description: "LIANJIE_BOOTSTRAP_ADMIN must be name:password")
        }
        let username = String(spec[..<colon])
        let password = String(spec[spec.index(after: colon)...])
        guard Self.isValidUsername(username) else {
            throw Failure(description: "LIANJIE_BOOTSTRAP_ADMIN: the username must be 1-64 letters, digits, '.', '-' or '_'")
        }
        if let weakness = PasswordPolicy.weakness(of: password, username: username) {
            throw Failure(description: "LIANJIE_BOOTSTRAP_ADMIN: the password \(weakness)")
        }
        return (username, password)
    }

    static func isValidUsername(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D || c == 0x5F
        }
    }
}

/// Opaque, stable identifiers: a type prefix and 80 random bits in base32.
enum Identifiers {
    static func new(prefix: String) -> String {
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
