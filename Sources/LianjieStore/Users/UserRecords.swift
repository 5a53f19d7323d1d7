/// Rows as the store keeps them: plain values, no protobuf types (the store sits below
/// the messages layer). Times are Unix seconds unless named otherwise.

/// A role held on an organisation subtree, as stored.

public struct GrantRecord: Sendable, Equatable, Hashable {
    /// `admin`, `inspector`, `manager`, `hr`, `employee`, `service`, `auditor`.
    public var role: String
    /// Root of the subtree; empty for the whole deployment.
    public var organizationID: String

    public init(role: String, organizationID: String) {
        self.role = role
        self.organizationID = organizationID
    }
}

public struct AccountRecord: Sendable, Equatable {
    public var id: String
    public var username: String
    public var displayName: String
    /// yescrypt; empty for a service account (it cannot log in).
    public var passwordHash: String
    public var grants: [GrantRecord]
    public var createTime: Int64
    public var disabled: Bool
    public var failedLogins: Int
    /// Until when logins are refused; 0 when not locked.
    public var lockedUntil: Int64
    /// `person` or `service`.
    public var kind: String
    public var disabledReason: String
    /// Bumped on every update; the etag.
    public var version: Int64
    /// The person's user id on the enterprise messaging platform; empty when not linked.
    public var platformUserID: String

    public init(id: String, username: String, displayName: String, passwordHash: String, grants: [GrantRecord],
                createTime: Int64, disabled: Bool = false, failedLogins: Int = 0, lockedUntil: Int64 = 0,
                kind: String = "person", disabledReason: String = "", version: Int64 = 1, platformUserID: String = "") {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.grants = grants
        self.createTime = createTime
        self.disabled = disabled
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.kind = kind
        self.disabledReason = disabledReason
        self.version = version
        self.platformUserID = platformUserID
    }
}

public struct SessionRecord: Sendable, Equatable {
    /// SHA-256 of the bearer token; the token itself is never stored.
    public var tokenHash: [UInt8]
    public var accountID: String
    public var createTime: Int64
    public var expireTime: Int64
    /// When it was revoked; 0 while valid.
    public var revokeTime: Int64
    /// The address the session was created from.
    public var peer: String
    /// When it was last used, to a resolution of about a minute (for the idle timeout).
    public var lastSeenTime: Int64

    public init(tokenHash: [UInt8], accountID: String, createTime: Int64, expireTime: Int64,
                revokeTime: Int64 = 0, peer: String, lastSeenTime: Int64? = nil) {
        self.lastSeenTime = lastSeenTime ?? createTime
        self.tokenHash = tokenHash
        self.accountID = accountID
        self.createTime = createTime
        self.expireTime = expireTime
        self.revokeTime = revokeTime
        self.peer = peer
    }
}

public struct ApiTokenRecord: Sendable, Equatable {
    public var id: String
    public var accountID: String
    public var tokenHash: [UInt8]
    public var description: String
    public var prefix: String
    public var createTime: Int64
    public var expireTime: Int64
    public var revokeTime: Int64

    public init(id: String, accountID: String, tokenHash: [UInt8], description: String, prefix: String,
                createTime: Int64, expireTime: Int64, revokeTime: Int64 = 0) {
        self.id = id
        self.accountID = accountID
        self.tokenHash = tokenHash
        self.description = description
        self.prefix = prefix
        self.createTime = createTime
        self.expireTime = expireTime
        self.revokeTime = revokeTime
    }
}

public struct OrganizationRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The proto enum's number.
    public var kind: Int32
    /// Empty for a root.
    public var parentID: String
    /// `/rootID/…/id/`: every ancestor and itself, so a subtree is a path prefix.
    public var path: String
    public var active: Bool
    public var createTime: Int64
    public var updateTime: Int64
    public var version: Int64

    public init(id: String, name: String, kind: Int32, parentID: String, path: String, active: Bool = true,
                createTime: Int64, updateTime: Int64, version: Int64 = 1) {
        self.id = id
        self.name = name
        self.kind = kind
        self.parentID = parentID
        self.path = path
        self.active = active
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }

    /// Ancestor ids from the root down to the parent.
    public var ancestorIDs: [String] {
        path.split(separator: "/").map(String.init).dropLast()
    }
}

public struct CategoryRecord: Sendable, Equatable {
    public var id: String
    public var code: String
    public var name: String

    public init(id: String, code: String, name: String) {
        self.id = id
        self.code = code
        self.name = name
    }
}

public struct PostRecord: Sendable, Equatable {
    public var id: String
    public var code: String
    public var name: String
    public var categoryID: String
    /// A decimal as text, e.g. "1.20".
    public var riskCoefficient: String

    public init(id: String, code: String, name: String, categoryID: String, riskCoefficient: String) {
        self.id = id
        self.code = code
        self.name = name
        self.categoryID = categoryID
        self.riskCoefficient = riskCoefficient
    }
}

public struct SubjectRecord: Sendable, Equatable {
    public var id: String
    public var employeeNumber: String
    public var name: String
    public var organizationID: String
    public var categoryID: String
    public var postID: String
    /// The proto enums' numbers.
    public var positionLevel: Int32
    public var status: Int32
    /// Empty when no account is linked.
    public var accountID: String
    /// `YYYY-MM-DD`, or empty.
    public var postEntryDate: String
    public var createTime: Int64
    public var updateTime: Int64
    public var version: Int64

    public init(id: String, employeeNumber: String, name: String, organizationID: String, categoryID: String,
                postID: String, positionLevel: Int32, status: Int32, accountID: String, postEntryDate: String,
                createTime: Int64, updateTime: Int64, version: Int64 = 1) {
        self.id = id
        self.employeeNumber = employeeNumber
        self.name = name
        self.organizationID = organizationID
        self.categoryID = categoryID
        self.postID = postID
        self.positionLevel = positionLevel
        self.status = status
        self.accountID = accountID
        self.postEntryDate = postEntryDate
        self.createTime = createTime
        self.updateTime = updateTime
        self.version = version
    }
}

public struct PlacementRecord: Sendable, Equatable {
    public var subjectID: String
    public var organizationID: String
    /// `YYYY-MM-DD`.
    public var fromDate: String
    /// Empty while current.
    public var toDate: String
    public var reason: String
    public var changedBy: String

    public init(subjectID: String, organizationID: String, fromDate: String, toDate: String = "",
                reason: String, changedBy: String) {
        self.subjectID = subjectID
        self.organizationID = organizationID
        self.fromDate = fromDate
        self.toDate = toDate
        self.reason = reason
        self.changedBy = changedBy
    }
}
