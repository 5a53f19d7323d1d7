public import LianjieMessages
public import LianjieServiceKit

/// Who may call each `UserService` method: user management's part of the access table.
/// Handlers then check scope (which records) with `Caller.covers` and `Caller.scope`;
/// a record outside the caller's scope is NOT_FOUND, exactly like one that does not exist.
public enum UsersAccess {
    /// Roles that read organisations and (except auditors) subjects.
    public static let readers: Set<Role> = [.admin, .inspector, .disciplineHead, .manager, .hr, .auditor]
    public static let subjectReaders: Set<Role> = [.admin, .inspector, .disciplineHead, .manager, .hr]
    public static let subjectWriters: Set<Role> = [.admin, .inspector, .disciplineHead]
    public static let auditReaders: Set<Role> = [.admin, .auditor]

    public static let rules: [String: AccessRule] = [
        UserService.login.path: .anyone,
        UserService.logout.path: .authenticated,
        UserService.openPlatformSession.path: .roles([.gateway]),
        UserService.whoAmI.path: .authenticated,
        UserService.changePassword.path: .authenticated,
        UserService.listSessions.path: .authenticated,
        UserService.revokeSession.path: .authenticated,

        UserService.createOrganization.path: .roles([.admin]),
        UserService.getOrganization.path: .roles(readers),
        UserService.updateOrganization.path: .roles([.admin]),
        UserService.moveOrganization.path: .roles([.admin]),
        UserService.deactivateOrganization.path: .roles([.admin]),
        UserService.listOrganizations.path: .roles(readers),

        UserService.createAccount.path: .roles([.admin]),
        // Everyone may read their own account; others' need admin (checked in the handler).
        UserService.getAccount.path: .authenticated,
        UserService.updateAccount.path: .roles([.admin]),
        UserService.listAccounts.path: .roles([.admin]),
        UserService.disableAccount.path: .roles([.admin]),
        UserService.enableAccount.path: .roles([.admin]),
        UserService.resetPassword.path: .roles([.admin]),
        UserService.issueApiToken.path: .roles([.admin]),
        UserService.listApiTokens.path: .roles([.admin]),
        UserService.revokeApiToken.path: .roles([.admin]),

        UserService.createCategory.path: .roles([.admin]),
        UserService.listCategories.path: .authenticated,
        UserService.createPost.path: .roles([.admin]),
        UserService.listPosts.path: .authenticated,

        UserService.createSubject.path: .roles(subjectWriters),
        // Employees reach their own record; staff roles their scope (checked in the handler).
        UserService.getSubject.path: .roles(subjectReaders.union([.employee])),
        UserService.updateSubject.path: .roles(subjectWriters),
        UserService.transferSubject.path: .roles(subjectWriters),
        UserService.listSubjects.path: .roles(subjectReaders.union([.employee])),
        UserService.listPlacements.path: .roles(subjectReaders.union([.employee])),
        UserService.importSubjects.path: .roles(subjectWriters),

        UserService.listAuditEntries.path: .roles(auditReaders),
        UserService.verifyAuditLog.path: .roles(auditReaders),
        UserService.getAuditAnchor.path: .roles(auditReaders),
    ]
}
