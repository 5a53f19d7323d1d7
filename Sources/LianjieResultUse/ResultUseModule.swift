import Dispatch
import LianjieMessages
public import LianjieRPCServer
public import LianjieServiceKit
import LianjieStore

/// Result use, `lianjie.v1.ResultUseService`: cases in a closed loop under the four forms,
/// with the talks and notices their employees acknowledge, and the daily check that finds
/// overdue cases and escalates them.
public enum ResultUseModule {
    /// The service names this module answers (for health checks).
    public static let serviceNames: Set<String> = [ResultUseService.name]

    /// Who may call each of its methods.
    public static var accessRules: [String: AccessRule] { ResultUseAccess.rules }

    /// Teaches the kit how to check a replayed request's case or talk is still in reach.
    public static func prepare(_ kit: inout ServiceKit) {
        kit.checkReplays(of: "case") { caller, record, r in
            guard let c = try r.caseRecord(id: record.targetID) else { return false }
            return CaseHandlers.reaches(caller, c, roles: ResultUseAccess.readers)
        }
        kit.checkReplays(of: "opinion_batch") { caller, record, r in
            // Every opinion of the request must still be in the caller's reach.
            var f = OpinionFilter()
            f.batchID = record.targetID
            return try r.opinions(f, page: Page(after: nil, limit: OpinionHandlers.maxSubjects + 1)).allSatisfy {
                caller.covers(ResultUseAccess.opinionRequesters, path: $0.organizationPath)
            }
        }
        kit.checkReplays(of: "opinion") { caller, record, r in
            guard let o = try r.opinion(id: record.targetID) else { return false }
            return o.subjectID != caller.subjectID && caller.covers(ResultUseAccess.handlers, path: o.organizationPath)
        }
        kit.checkReplays(of: "conflict") { caller, record, r in try r.conflict(id: record.targetID)?.accountID == caller.id }
        kit.checkReplays(of: "talk") { caller, record, r in
            guard let t = try r.talk(id: record.targetID), let c = try r.caseRecord(id: t.caseID) else { return false }
            return t.subjectID == caller.subjectID || CaseHandlers.reaches(caller, c, roles: ResultUseAccess.readers)
        }
    }

    /// Registers every `ResultUseService` method.
    public static func register(on router: inout Router, _ kit: ServiceKit) {
        CaseHandlers().register(on: &router, kit)
        TalkHandlers().register(on: &router, kit)
        AppraisalHandler().register(on: &router, kit)
        DossierHandler().register(on: &router, kit)
        OpinionHandlers().register(on: &router, kit)
        ConflictHandlers().register(on: &router, kit)
    }

    /// Finds the cases overdue today and takes the life cycle's daily check on each: the
    /// first time for a deadline it raises the `caseOverdue` alert and escalates to the
    /// discipline heads; then it escalates again every `caseEscalationIntervalDays`. Safe
    /// to run from every server at once (each case is checked inside its own write).
    /// - Returns: the cases that were escalated.
    @discardableResult
    public static func checkOverdueCases(_ kit: ServiceKit) throws -> Int {
        try OverdueCheck(kit: kit).run()
    }

    /// Runs `checkOverdueCases` now and then every `everySeconds` until the returned timer
    /// is cancelled (the daemon does, when it stops). A failing check is logged and tried
    /// again at the next tick.
    public static func startOverdueChecks(_ kit: ServiceKit, everySeconds: Int = 600) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "lianjie.overdue-cases", qos: .utility))
        timer.schedule(deadline: .now(), repeating: .seconds(everySeconds))
        timer.setEventHandler {
            do { try checkOverdueCases(kit) } catch {
                kit.logger.error("the overdue-case check failed", ["error": .text(String(describing: error))])
            }
        }
        timer.resume()
        return timer
    }
}

extension CreateCaseRequest: Idempotent {}
extension AssignCaseRequest: Idempotent {}
extension DisposeCaseRequest: Idempotent {}
extension StartRectificationRequest: Idempotent {}
extension ReportRectificationRequest: Idempotent {}
extension VerifyCaseRequest: Idempotent {}
extension CloseCaseRequest: Idempotent {}
extension DismissCaseRequest: Idempotent {}
extension ReopenCaseRequest: Idempotent {}
extension RecordTalkRequest: Idempotent {}
extension AcknowledgeTalkRequest: Idempotent {}
extension RequestOpinionsRequest: Idempotent {}
extension ReviewOpinionRequest: Idempotent {}
extension SignOpinionRequest: Idempotent {}
extension DeclareConflictRequest: Idempotent {}
extension WithdrawConflictRequest: Idempotent {}
