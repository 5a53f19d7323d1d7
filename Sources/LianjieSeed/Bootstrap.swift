import Foundation
public import LianjieRPC
import LianjieSecurity
public import LianjieServiceKit
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
    public static func run(store: any Store, spec: String?, audit: AuditLog, clock: any ServiceClock = SystemClock(),
                           logger: Logger) throws -> Outcome {
        guard try store.read({ try $0.accountCount() }) == 0 else { return .notNeeded }
        guard let spec, !spec.isEmpty else {
            logger.notice("no accounts yet", ["hint": "restart with LIANJIE_BOOTSTRAP_ADMIN=name:password to create the first administrator"])
            return .noAdministrator
        }
        let (username, password) = try parse(spec)
        let account = AccountRecord(id: Identifiers.new(prefix: "acc"), username: username, displayName: username,
                                    passwordHash: try PasswordHasher.hash(password),
                                    grants: [GrantRecord(role: "admin", organizationID: "")],
                                    createTime: clock.now())
        try store.write { tx in
            try tx.createAccount(account)
            try audit.append(tx, time: clock.nowNanos(), accountID: "", method: "bootstrap", target: AuditLog.Target(type: "account", id: account.id),
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
        guard Validate.isUsername(username) else {
            throw Failure(description: "LIANJIE_BOOTSTRAP_ADMIN: the username must be 1-64 letters, digits, '.', '-' or '_'")
        }
        if let weakness = PasswordPolicy.weakness(of: password, username: username) {
            throw Failure(description: "LIANJIE_BOOTSTRAP_ADMIN: the password \(weakness)")
        }
        return (username, password)
    }
}
