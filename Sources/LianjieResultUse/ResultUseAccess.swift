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
    /// Ask for integrity opinions.
    public static let opinionRequesters: Set<Role> = [.hr]
    /// Read opinions (HR only once signed).
    public static let opinionReaders: Set<Role> = Roles.discipline.union([.hr])
    /// Sign an opinion second.
    public static let secondSigners: Set<Role> = [.disciplineHead]
    /// Declare conflicts of interest: every role that acts on subjects.
    public static let declarers: Set<Role> = Roles.discipline.union([.admin, .manager, .hr])
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
        ResultUseService.requestOpinions.path: .roles(opinionRequesters),
        ResultUseService.getOpinion.path: .roles(opinionReaders),
        ResultUseService.listOpinions.path: .roles(opinionReaders),
        ResultUseService.reviewOpinion.path: .roles(handlers),
        ResultUseService.signOpinion.path: .roles(secondSigners),
        ResultUseService.declareConflict.path: .roles(declarers),
        ResultUseService.listConflicts.path: .roles(declarers),
        ResultUseService.withdrawConflict.path: .roles(declarers),
    ]
}
