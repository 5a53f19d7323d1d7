public import LianjieMessages
public import LianjieServiceKit

/// Who may call each `EntryService` method: data entry's part of the access table.
/// Handlers then check scope (which subjects) with `Caller.covers`; a record outside the
/// caller's scope is NOT_FOUND, exactly like one that does not exist.
public enum EntryAccess {
    /// Edit and publish the scheme (with a grant covering a root organisation).
    public static let schemeEditors: Set<Role> = [.admin, .inspector, .disciplineHead]
    /// Record entries: inspectors in their scope, managers for their team, other systems.
    public static let recorders: Set<Role> = [.inspector, .disciplineHead, .manager, .service]
    /// Confirm, reject, revoke, decide appeals.
    public static let reviewers: Set<Role> = [.inspector, .disciplineHead]
    /// Read entries about the subjects in their scope (employees read their own apart).
    public static let readers: Set<Role> = [.inspector, .disciplineHead, .manager]

    public static let rules: [String: AccessRule] = [
        EntryService.getScheme.path: .authenticated,
        EntryService.listSchemeVersions.path: .authenticated,
        EntryService.replaceSchemeDraft.path: .roles(schemeEditors),
        EntryService.updateSchemeDraft.path: .roles(schemeEditors),
        EntryService.addSchemeTag.path: .roles(schemeEditors),
        EntryService.updateSchemeTag.path: .roles(schemeEditors),
        EntryService.retireSchemeTag.path: .roles(schemeEditors),
        EntryService.publishScheme.path: .roles(schemeEditors),
        EntryService.discardSchemeDraft.path: .roles(schemeEditors),

        EntryService.submitEntry.path: .roles(recorders),
        EntryService.getEntry.path: .roles(readers.union([.employee])),
        EntryService.listEntries.path: .roles(readers.union([.employee])),
        EntryService.confirmEntry.path: .roles(reviewers),
        EntryService.rejectEntry.path: .roles(reviewers),
        EntryService.revokeEntry.path: .roles(reviewers),
        EntryService.appealEntry.path: .roles([.employee]),
        EntryService.decideAppeal.path: .roles(reviewers),

        EntryService.startEvidenceUpload.path: .roles(recorders),
        EntryService.putEvidenceChunk.path: .roles(recorders),
        EntryService.getEvidenceUpload.path: .roles(recorders),
        EntryService.finishEvidenceUpload.path: .roles(recorders),
        // Whoever uploaded it, or reads an entry it is attached to (checked in the handler).
        EntryService.getEvidence.path: .roles(readers.union(recorders).union([.employee])),

        EntryService.importWorkOrders.path: .roles([.service, .inspector, .disciplineHead]),
        EntryService.getWorkOrder.path: .roles([.inspector, .disciplineHead, .manager, .service]),
        EntryService.listWorkOrders.path: .roles([.inspector, .disciplineHead, .manager, .service]),
        EntryService.listWorkOrderRules.path: .roles([.inspector, .disciplineHead, .manager, .service]),
        EntryService.runWorkOrderRules.path: .roles([.inspector, .disciplineHead]),
    ]
}
