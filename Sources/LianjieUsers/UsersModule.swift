import LianjieMessages
public import LianjieRPCServer
public import LianjieServiceKit
import LianjieStore

/// User management, `lianjie.v1.UserService`: sessions, organisations, accounts and
/// their grants, API tokens, subjects and their placements, roster imports, the audit log.
public enum UsersModule {
    /// The service names this module answers (for health checks).
    public static let serviceNames: Set<String> = [UserService.name]

    /// Who may call each of its methods.
    public static var accessRules: [String: AccessRule] { UsersAccess.rules }

    /// Teaches the kit how to check a replayed request's record is still in reach.
    public static func prepare(_ kit: inout ServiceKit) {
        kit.checkReplays(of: "account") { caller, record, r in
            guard let account = try r.account(id: record.targetID) else { return false }
            return try AccountHandlers.reaches(caller, account, r)
        }
        kit.checkReplays(of: "api_token") { caller, record, r in
            guard let token = try r.apiToken(id: record.targetID), let account = try r.account(id: token.accountID) else { return false }
            return try AccountHandlers.reaches(caller, account, r)
        }
    }

    /// Registers every `UserService` method.
    public static func register(on router: inout Router, _ kit: ServiceKit) {
        SessionHandlers(kit: kit).register(on: &router)
        OrganizationHandlers().register(on: &router, kit)
        AccountHandlers().register(on: &router, kit)
        SubjectHandlers().register(on: &router, kit)
        AuditHandlers().register(on: &router, kit)
    }
}

extension CreateOrganizationRequest: Idempotent {}
extension MoveOrganizationRequest: Idempotent {}
extension DeactivateOrganizationRequest: Idempotent {}
extension CreateAccountRequest: Idempotent {}
extension DisableAccountRequest: Idempotent {}
extension EnableAccountRequest: Idempotent {}
extension ResetPasswordRequest: Idempotent {}
extension IssueApiTokenRequest: Idempotent {}
extension RevokeApiTokenRequest: Idempotent {}
extension CreateCategoryRequest: Idempotent {}
extension CreatePostRequest: Idempotent {}
extension CreateSubjectRequest: Idempotent {}
extension TransferSubjectRequest: Idempotent {}
extension ImportSubjectsRequest: Idempotent {}
