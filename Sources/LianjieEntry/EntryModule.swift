import LianjieMessages
public import LianjieRPCServer
public import LianjieServiceKit
import LianjieStore

/// Data entry, `lianjie.v1.EntryService`: the versioned scheme, entries with their review
/// and appeal, evidence files, work orders and the rules that derive entries from them.
public enum EntryModule {
    /// The service names this module answers (for health checks).
    public static let serviceNames: Set<String> = [EntryService.name]

    /// Who may call each of its methods.
    public static var accessRules: [String: AccessRule] { EntryAccess.rules }

    /// Teaches the kit how to check a replayed request's record is still in reach.
    public static func prepare(_ kit: inout ServiceKit) {
        kit.checkReplays(of: "entry") { caller, record, r in
            guard let entry = try r.entry(id: record.targetID) else { return false }
            // Whoever recorded it (a service account too) still reaches what it recorded.
            return try entry.recordedBy == caller.id || EntryHandlers.reaches(caller, entry, r)
        }
    }

    /// Registers every `EntryService` method.
    public static func register(on router: inout Router, _ kit: ServiceKit) {
        let schemes = kit.schemes
        SchemeHandlers(schemes: schemes).register(on: &router, kit)
        EntryHandlers(schemes: schemes).register(on: &router, kit)
        EvidenceHandlers().register(on: &router, kit)
        WorkOrderHandlers(schemes: schemes).register(on: &router, kit)
    }
}

extension ReplaceSchemeDraftRequest: Idempotent {}
extension AddSchemeTagRequest: Idempotent {}
extension RetireSchemeTagRequest: Idempotent {}
extension PublishSchemeRequest: Idempotent {}
extension DiscardSchemeDraftRequest: Idempotent {}
extension SubmitEntryRequest: Idempotent {}
extension ConfirmEntryRequest: Idempotent {}
extension RejectEntryRequest: Idempotent {}
extension RevokeEntryRequest: Idempotent {}
extension AppealEntryRequest: Idempotent {}
extension DecideAppealRequest: Idempotent {}
extension StartEvidenceUploadRequest: Idempotent {}
extension FinishEvidenceUploadRequest: Idempotent {}
extension ImportWorkOrdersRequest: Idempotent {}
extension RunWorkOrderRulesRequest: Idempotent {}
