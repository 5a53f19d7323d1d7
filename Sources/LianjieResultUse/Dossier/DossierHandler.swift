import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// `GetDossier`: the integrity dossier, read by discipline staff with a reason (kept in the
/// audit log with the read) or by the employee it is about.
struct DossierHandler: Sendable {
    static let maxReason = 500

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.getDossier, audit: .read, on: &router) { request, call in
            guard !request.subject.isEmpty else { throw RPCError.invalidArgument(field: "subject", "is required") }
            let reason = request.reason.trimmingSpaces
            guard reason.count <= Self.maxReason else { throw RPCError.invalidArgument(field: "reason", "at most \(Self.maxReason) characters") }
            call.auditReason = reason
            guard let (subject, org) = try call.read({ try $0.subjectWithOrganization(key: request.subject) }) else {
                throw RPCError(.notFound, "no such subject")
            }
            // Named before the scope check, so a refused attempt is traced to the person.
            call.target = AuditLog.Target(type: "dossier", id: subject.id, organizationID: org.id, organizationPath: org.path)
            let own = !call.caller.subjectID.isEmpty && call.caller.subjectID == subject.id && call.caller.has(anyOf: [.employee])
            guard own || (subject.id != call.caller.subjectID && call.caller.covers(ResultUseAccess.handlers, path: org.path)) else {
                throw RPCError(.notFound, "no such subject")
            }
            guard own || !reason.isEmpty else {
                throw RPCError.invalidArgument(field: "reason", "is required: say why you read this person's dossier (it is kept in the audit log)")
            }
            let builder = DossierBuilder(selfView: own, showRecorder: call.kit.settings.showRecorderToEmployee)
            return try call.read { r in try builder.build(subject, r, now: call.now, schemes: call.kit.schemes) }
        }
    }
}
