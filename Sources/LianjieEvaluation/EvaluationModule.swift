import LianjieMessages
public import LianjieRPCServer
public import LianjieServiceKit
import LianjieStore

/// Evaluation analysis, `lianjie.v1.EvaluationService`: evaluation runs with their results,
/// what-if before publishing a scheme, portraits, statistics and alerts.
public enum EvaluationModule {
    /// The service names this module answers (for health checks).
    public static let serviceNames: Set<String> = [EvaluationService.name]

    /// Who may call each of its methods.
    public static var accessRules: [String: AccessRule] { EvaluationAccess.rules }

    /// Teaches the kit how to check a replayed request's record is still in reach, and
    /// raises the entry alert rules when an entry is confirmed or derived, and the case
    /// rule when a case falls overdue.
    public static func prepare(_ kit: inout ServiceKit) {
        kit.checkReplays(of: "evaluation_run") { caller, record, r in
            guard let run = try r.evaluationRun(id: record.targetID) else { return false }
            return RunHandlers.reaches(caller, path: run.organizationPath)
        }
        let raiser = AlertRaiser(schemes: kit.schemes)
        kit.observeEntries { change, tx in try raiser.entryChanged(change, tx) }
        kit.observeOverdueCases { overdue, tx in try raiser.caseOverdue(overdue, tx) }
    }

    /// Registers every `EvaluationService` method.
    public static func register(on router: inout Router, _ kit: ServiceKit) {
        let engine = RunEngine(kit: kit)
        RunHandlers(engine: engine, alerts: AlertRaiser(schemes: kit.schemes)).register(on: &router, kit)
        SimulationHandler().register(on: &router, kit)
        PortraitHandler().register(on: &router, kit)
        StatisticsHandler().register(on: &router, kit)
        AlertHandlers().register(on: &router, kit)
    }
}

extension CreateEvaluationRunRequest: Idempotent {}
extension CancelEvaluationRunRequest: Idempotent {}
extension PublishEvaluationRunRequest: Idempotent {}
extension AcknowledgeAlertRequest: Idempotent {}
extension DismissAlertRequest: Idempotent {}
extension MarkAlertForCaseRequest: Idempotent {}
