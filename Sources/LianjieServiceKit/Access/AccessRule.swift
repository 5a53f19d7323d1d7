import LianjieMessages

/// Who may call a method, before any scope check: the one table that says so is made of
/// each service module's rules (`AccessTable`). Handlers then check scope (which records)
/// with `Caller.covers` and `Caller.scope`; a record outside the caller's scope is
/// NOT_FOUND, exactly like one that does not exist.
public enum AccessRule: Sendable, Equatable {
    /// No token needed.
    case anyone
    /// Any valid token.
    case authenticated
    /// A grant with one of these roles (anywhere); otherwise PERMISSION_DENIED.
    case roles(Set<Role>)
}

/// Every method's `AccessRule`, keyed by method path, gathered from the service modules.
public struct AccessTable: Sendable {
    public private(set) var rules: [String: AccessRule] = [:]

    public init() {}

    /// Adds a module's rules; a method may appear in one module only.
    public mutating func add(_ moduleRules: [String: AccessRule]) {
        for (path, rule) in moduleRules {
            precondition(rules[path] == nil, "\(path) has two access rules")
            rules[path] = rule
        }
    }

    public func rule(_ path: String) -> AccessRule? { rules[path] }
}
