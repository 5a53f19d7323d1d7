public import LianjieMessages
public import LianjieStore

/// An authenticated caller: the account, how it authenticated, and each of its grants
/// resolved to the organisation path it covers.
///
/// Scope rules: a grant on organisation X covers X and every organisation below it (a
/// path prefix); a grant with no organisation covers the whole deployment.
///
/// A class, immutable: one resolved caller is shared by the cache and every call it makes.
public final class Caller: Sendable {
    public struct Grant: Sendable {
        public var role: Role
        /// Nil for the whole deployment.
        public var path: String?

        public init(role: Role, path: String?) {
            self.role = role
            self.path = path
        }
    }

    public let account: AccountRecord
    /// The session this call was made with; nil for an API token.
    public let sessionHash: [UInt8]?
    public let sessionExpireTime: Int64
    public let grants: [Grant]
    /// The subject whose self-view this account is (an employee's own record), if any.
    public let subjectID: String

    public var id: String { account.id }

    public init(account: AccountRecord, sessionHash: [UInt8]?, sessionExpireTime: Int64, grants: [Grant], subjectID: String = "") {
        self.account = account
        self.sessionHash = sessionHash
        self.sessionExpireTime = sessionExpireTime
        self.grants = grants
        self.subjectID = subjectID
    }

    public func has(anyOf roles: Set<Role>) -> Bool {
        grants.contains { roles.contains($0.role) }
    }

    /// What the grants with one of `roles` let the caller see.
    public func scope(_ roles: Set<Role>) -> ScopeFilter {
        let relevant = grants.filter { roles.contains($0.role) }
        if relevant.contains(where: { $0.path == nil }) { return .everything }
        return .subtrees(relevant.compactMap(\.path))
    }

    /// Whether a grant with one of `roles` covers the organisation at `path`.
    public func covers(_ roles: Set<Role>, path: String) -> Bool {
        grants.contains { g in roles.contains(g.role) && (g.path == nil || path.hasPrefix(g.path!)) }
    }

    /// Whether a grant with one of `roles` covers the whole deployment or a root
    /// organisation (a top-level bureau): what deployment-wide settings such as the
    /// evaluation scheme require.
    public func coversRoot(_ roles: Set<Role>) -> Bool {
        grants.contains { g in roles.contains(g.role) && (g.path == nil || g.path!.split(separator: "/").count == 1) }
    }

    /// Whether a grant with one of `roles` covers the whole deployment.
    public func coversEverything(_ roles: Set<Role>) -> Bool {
        grants.contains { roles.contains($0.role) && $0.path == nil }
    }
}

/// Stored role names ↔ the proto enum.
public enum RoleNames {
    public static let byName: [String: Role] = [
        "admin": .admin, "inspector": .inspector, "manager": .manager, "hr": .hr,
        "employee": .employee, "service": .service, "auditor": .auditor, "discipline_head": .disciplineHead,
        "gateway": .gateway,
    ]

    public static func role(_ name: String) -> Role { byName[name] ?? .unspecified }

    public static func name(_ role: Role) -> String? { byName.first { $0.value == role }?.key }
}

/// Role sets more than one module needs.
public enum Roles {
    /// Discipline inspection: inspectors and the heads of discipline inspection, who may do
    /// everything an inspector may do in their subtree (and sign second, and receive
    /// escalations).
    public static let discipline: Set<Role> = [.inspector, .disciplineHead]
    /// Stored names of `discipline`, for queries by role.
    public static let disciplineNames = ["inspector", "discipline_head"]
}
