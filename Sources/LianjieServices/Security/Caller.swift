import LianjieMessages
import LianjieStore

/// An authenticated caller: the account, how it authenticated, and each of its grants
/// resolved to the organisation path it covers.
///
/// Scope rules: a grant on organisation X covers X and every organisation below it (a
/// path prefix); a grant with no organisation covers the whole deployment.
struct Caller: Sendable {
    struct Grant: Sendable {
        var role: Role
        /// Nil for the whole deployment.
        var path: String?
    }

    var account: AccountRecord
    /// The session this call was made with; nil for an API token.
    var sessionHash: [UInt8]?
    var sessionExpireTime: Int64
    var grants: [Grant]

    var id: String { account.id }

    func has(anyOf roles: Set<Role>) -> Bool {
        grants.contains { roles.contains($0.role) }
    }

    /// What the grants with one of `roles` let the caller see.
    func scope(_ roles: Set<Role>) -> ScopeFilter {
        let relevant = grants.filter { roles.contains($0.role) }
        if relevant.contains(where: { $0.path == nil }) { return .everything }
        return .subtrees(relevant.compactMap(\.path))
    }

    /// Whether a grant with one of `roles` covers the organisation at `path`.
    func covers(_ roles: Set<Role>, path: String) -> Bool {
        grants.contains { g in roles.contains(g.role) && (g.path == nil || path.hasPrefix(g.path!)) }
    }

    /// Whether a grant with one of `roles` covers the whole deployment.
    func coversEverything(_ roles: Set<Role>) -> Bool {
        grants.contains { roles.contains($0.role) && $0.path == nil }
    }
}

/// Stored role names ↔ the proto enum.
enum RoleNames {
    static let byName: [String: Role] = [
        "admin": .admin, "inspector": .inspector, "manager": .manager, "hr": .hr,
        "employee": .employee, "service": .service, "auditor": .auditor,
    ]

    static func role(_ name: String) -> Role { byName[name] ?? .unspecified }

    static func name(_ role: Role) -> String? { byName.first { $0.value == role }?.key }
}
