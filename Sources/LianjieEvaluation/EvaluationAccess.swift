public import LianjieMessages
public import LianjieServiceKit

/// Who may call each `EvaluationService` method: evaluation's part of the access table.
/// Handlers then check scope with `Caller.covers`; what lies outside it is NOT_FOUND.
public enum EvaluationAccess {
    /// Make, publish, cancel and verify runs; simulate schemes; dismiss alerts.
    public static let runners: Set<Role> = [.inspector, .disciplineHead]
    /// Read runs, results, portraits, statistics and alerts of the subjects in their scope.
    public static let staff: Set<Role> = [.inspector, .disciplineHead, .manager]

    public static let rules: [String: AccessRule] = [
        EvaluationService.createEvaluationRun.path: .roles(runners),
        EvaluationService.getEvaluationRun.path: .roles(staff),
        EvaluationService.listEvaluationRuns.path: .roles(staff),
        EvaluationService.cancelEvaluationRun.path: .roles(runners),
        EvaluationService.publishEvaluationRun.path: .roles(runners),
        EvaluationService.verifyEvaluationRun.path: .roles(runners),
        EvaluationService.listEvaluationResults.path: .roles(staff),
        EvaluationService.getEvaluationResult.path: .roles(staff.union([.employee])),
        EvaluationService.simulateScheme.path: .roles(runners),
        EvaluationService.getPortrait.path: .roles(staff.union([.employee])),
        EvaluationService.getStatistics.path: .roles(staff.union([.hr])),
        EvaluationService.listAlerts.path: .roles(staff),
        EvaluationService.getAlert.path: .roles(staff),
        EvaluationService.acknowledgeAlert.path: .roles(staff),
        EvaluationService.dismissAlert.path: .roles(runners),
        EvaluationService.markAlertForCase.path: .roles(runners),
    ]
}
