/// What user management reads.
public protocol UsersReader {
    // Accounts and credentials
    func accountCount() throws -> Int
    func account(id: String) throws -> AccountRecord?
    /// Case-insensitive.
    func account(username: String) throws -> AccountRecord?
    /// The account linked to this messaging-platform user, if any.
    func account(platformUserID: String) throws -> AccountRecord?
    /// Accounts with a grant inside `scope` (or every account for `.everything`), keyset on
    /// the lower-cased username.
    func accounts(scope: ScopeFilter, includeDisabled: Bool, page: Page) throws -> [AccountRecord]
    func accountCount(scope: ScopeFilter, includeDisabled: Bool) throws -> Int
    func session(tokenHash: [UInt8]) throws -> SessionRecord?
    /// Unrevoked, unexpired sessions of an account last used at or after `idleSince`, newest first.
    func sessions(accountID: String, now: Int64, idleSince: Int64) throws -> [SessionRecord]
    func apiToken(tokenHash: [UInt8]) throws -> ApiTokenRecord?
    func apiToken(id: String) throws -> ApiTokenRecord?
    func apiTokens(accountID: String) throws -> [ApiTokenRecord]

    // Organisations
    func organization(id: String) throws -> OrganizationRecord?
    /// Organisations whose path starts with one of the scope's, ordered by path (parents
    /// before children), keyset on the path.
    func organizations(scope: ScopeFilter, includeInactive: Bool, page: Page) throws -> [OrganizationRecord]
    func organizationCount(scope: ScopeFilter, includeInactive: Bool) throws -> Int
    /// Active organisations directly under `id`.
    func activeChildCount(of id: String) throws -> Int

    // Categories and posts
    func category(id: String) throws -> CategoryRecord?
    func category(code: String) throws -> CategoryRecord?
    func categories() throws -> [CategoryRecord]
    func post(id: String) throws -> PostRecord?
    func post(code: String) throws -> PostRecord?
    func posts(categoryID: String?) throws -> [PostRecord]

    // Subjects
    func subject(id: String) throws -> SubjectRecord?
    func subject(employeeNumber: String) throws -> SubjectRecord?
    /// A subject by id or else by employee number, with its organisation, in one lookup.
    func subjectWithOrganization(key: String) throws -> (SubjectRecord, OrganizationRecord)?
    /// The subject whose self-view account is `accountID`.
    func subject(accountID: String) throws -> SubjectRecord?
    func subjects(_ filter: SubjectFilter, page: Page) throws -> [SubjectRecord]
    func subjectCount(_ filter: SubjectFilter) throws -> Int
    /// Active subjects in organisation `id` itself.
    func activeSubjectCount(organizationID: String) throws -> Int
    /// Oldest first.
    func placements(subjectID: String) throws -> [PlacementRecord]

}

/// What user management changes.
public protocol UsersWriter: UsersReader {
    /// ALREADY_EXISTS-style `.conflict` when the username is taken.
    func createAccount(_ account: AccountRecord) throws
    /// Replaces an account's display name, grants, disabled state, reason and password
    /// hash, and bumps its version.
    func updateAccount(_ account: AccountRecord) throws
    /// Sets only the password hash (and bumps the version) if the account is still at
    /// `version` and enabled; false, changing nothing, otherwise.
    func setPasswordHash(accountID: String, hash: String, ifVersion version: Int64) throws -> Bool
    /// Counts one more failed login, atomically: if an earlier lock has run out (it ended
    /// at or before `now`), the count starts again from zero; when the count reaches
    /// `lockAfter`, the account is locked until `lockUntil`. Returns the failures in a row,
    /// this one included.
    func recordFailedLogin(accountID: String, now: Int64, lockAfter: Int, lockUntil: Int64) throws -> Int
    /// Clears the failure count and any lock (after a successful login).
    func resetLoginFailures(accountID: String) throws

    func createSession(_ session: SessionRecord) throws
    /// Records that a session was used at `time` (never moves it back).
    func touchSession(tokenHash: [UInt8], at time: Int64) throws
    /// Marks a session revoked; false when there was none or it already was.
    @discardableResult
    func revokeSession(tokenHash: [UInt8], at time: Int64) throws -> Bool
    /// Revokes every live session of an account but `except`; returns how many.
    @discardableResult
    func revokeSessions(accountID: String, except: [UInt8]?, at time: Int64) throws -> Int

    func createApiToken(_ token: ApiTokenRecord) throws
    func revokeApiToken(id: String, at time: Int64) throws
    /// Revokes every live API token of an account (when it is disabled); returns how many.
    @discardableResult
    func revokeApiTokens(accountID: String, at time: Int64) throws -> Int

    func createOrganization(_ organization: OrganizationRecord) throws
    /// Replaces name, kind, active and update time, and bumps the version.
    func updateOrganization(_ organization: OrganizationRecord) throws
    /// Re-parents an organisation and rewrites the paths of its whole subtree.
    func moveOrganization(id: String, newParentID: String, newPath: String, at time: Int64) throws

    func createCategory(_ category: CategoryRecord) throws
    func createPost(_ post: PostRecord) throws

    /// `.conflict` when the employee number is taken. Adds the first placement.
    func createSubject(_ subject: SubjectRecord, placement: PlacementRecord) throws
    /// Replaces every field but the id and creation time, and bumps the version.
    func updateSubject(_ subject: SubjectRecord) throws
    /// Ends the open placement on `placement.fromDate` and opens `placement`.
    func addPlacement(_ placement: PlacementRecord) throws
}

/// What a subject listing selects.
public struct SubjectFilter: Sendable, Equatable {
    public var scope: ScopeFilter
    /// Only subjects in this subtree (a path), within the scope.
    public var underPath: String?
    public var categoryID: String?
    public var status: Int32?
    /// Only the subject linked to this account (an employee's self-view).
    public var accountID: String?

    public init(scope: ScopeFilter, underPath: String? = nil, categoryID: String? = nil, status: Int32? = nil, accountID: String? = nil) {
        self.scope = scope
        self.underPath = underPath
        self.categoryID = categoryID
        self.status = status
        self.accountID = accountID
    }
}
