public import LianjieMessages
public import LianjieServiceKit

/// Who may call each `ResultUseService` method: result use's part of the access table.
/// Handlers then check scope with `Caller.covers`; what lies outside it is NOT_FOUND.
public enum ResultUseAccess {
    /// Open, assign, dispose, verify, close, dismiss and reopen cases; record talks.
    public static let handlers: Set<Role> = Roles.discipline
    /// Read cases about the subjects in their scope.
    public static let readers: Set<Role> = Roles.discipline.union([.manager])
    /// Report a rectification: the subject's manager.
    public static let reporters: Set<Role> = [.manager]
    /// Take the appraisal export: HR, the HR system's service account, discipline staff.
    public static let appraisers: Set<Role> = Roles.discipline.union([.hr, .service])

    public static let rules: [String: AccessRule] = [
        ResultUseService.createCase.path: .roles(handlers),
        ResultUseService.getCase.path: .roles(readers),
        ResultUseService.listCases.path: .roles(readers),
        ResultUseService.assignCase.path: .roles(handlers),
        ResultUseService.disposeCase.path: .roles(handlers),
        ResultUseService.startRectification.path: .roles(handlers),
        ResultUseService.reportRectification.path: .roles(reporters),
        ResultUseService.verifyCase.path: .roles(handlers),
        ResultUseService.closeCase.path: .roles(handlers),
        ResultUseService.dismissCase.path: .roles(handlers),
        ResultUseService.reopenCase.path: .roles(handlers),
        ResultUseService.recordTalk.path: .roles(handlers),
        ResultUseService.listTalks.path: .roles(readers.union([.employee])),
        ResultUseService.acknowledgeTalk.path: .roles([.employee]),
        ResultUseService.listAppraisals.path: .roles(appraisers),
        ResultUseService.getDossier.path: .roles(handlers.union([.employee])),
    ]
}
