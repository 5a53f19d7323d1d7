import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieScoringMessages
import LianjieServiceKit
import LianjieStore

/// The appraisal export (绩效考核): each subject's published integrity result for a period
/// with the grade a disposition caps it to, paged by subject id, for the HR system.
struct AppraisalHandler: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(ResultUseService.listAppraisals, audit: .read, on: &router, list)
    }

    private func list(_ request: ListAppraisalsRequest, _ call: Call) throws -> ListAppraisalsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "appraisal") ?? ""
        guard let p = request.period else { throw RPCError.invalidArgument(field: "period", "is required") }
        guard let period = CalendarDays.period(p) else { throw RPCError.invalidArgument(field: "period", "is not a period") }
        let roles = ResultUseAccess.appraisers
        var paths: [String]
        if request.organizationId.isEmpty {
            switch call.caller.scope(roles) {
            case .everything: paths = [""]
            case .subtrees(let p): paths = p
            }
            call.target = AuditLog.Target(type: "appraisal_list", id: "")
        } else {
            guard let org = try call.read({ try $0.organization(id: request.organizationId) }), call.caller.covers(roles, path: org.path) else {
                throw RPCError(.notFound, "no such organisation")
            }
            paths = [org.path]
            call.target = AuditLog.Target(type: "appraisal_list", id: org.id, organizationID: org.id, organizationPath: org.path)
        }
        // Subtrees inside another one of the caller's add nothing.
        paths = paths.filter { p in !paths.contains { $0 != p && p.hasPrefix($0) } }
        guard paths.count == 1 else {
            throw RPCError.invalidArgument(field: "organization_id", "is required: your grants cover several subtrees; name one")
        }
        let key = CalendarDays.periodKey(period)
        let schemes = call.kit.schemes
        let (rows, total, versions, caps) = try call.read { r -> ([PublishedResultRow], Int, [String: Int], [String: (LianjieScoring.Grade, CaseRecord)]) in
            // Never the caller's own record (staff who are evaluated too see it as employees do).
            let own = call.caller.subjectID
            let rows = try r.publishedResults(period: key, underPath: paths[0], excluding: own, afterSubjectID: after, limit: size + 1)
            let page = Array(rows.prefix(size))
            var versions: [String: Int] = [:]
            for id in Set(page.map(\.result.runID)) { versions[id] = try r.evaluationRun(id: id)?.schemeVersion ?? 0 }
            return (rows, try r.publishedSubjectCount(period: key, underPath: paths[0], excluding: own), versions,
                    try Self.caps(page.map(\.result), versions: versions, on: period.end, r, schemes))
        }
        let page = Array(rows.prefix(size))
        call.readTargets = page.map {
            AuditLog.Target(type: "subject", id: $0.result.subjectID, organizationID: $0.result.organizationID, organizationPath: $0.result.organizationPath)
        }
        return ListAppraisalsResponse(appraisals: page.map { row in
            let x = row.result
            let cap = caps[x.subjectID]
            let grade: LianjieScoring.Grade? = x.noData ? nil : LianjieMessages.Grade(rawValue: x.grade).core
            return Appraisal(subjectId: x.subjectID, employeeNumber: x.employeeNumber, subjectName: x.subjectName, organizationId: x.organizationID,
                             period: p, total: x.total, grade: LianjieMessages.Grade(rawValue: x.grade), veto: !x.vetoEntries.isEmpty, noData: x.noData,
                             appraisalCap: LianjieMessages.Grade(cap?.0), capCaseId: cap?.1.id ?? "", capCaseNumber: cap?.1.number ?? "",
                             appraisalGrade: LianjieMessages.Grade(AppraisalCap.capped(grade, by: cap?.0)),
                             runId: x.runID, schemeVersion: Int32(clamping: versions[x.runID] ?? 0))
        }, nextPageToken: rows.count > size ? Paging.token(page.last!.result.subjectID, kind: "appraisal") : "", totalSize: Int32(total))
    }

    /// The cap each result's subject has on `end`, by the disposition rules of the scheme
    /// version the result was scored with, and the case that set it.
    static func caps(_ results: [EvaluationResultRecord], versions: [String: Int], on end: Day, _ r: any StoreReader, _ schemes: PublishedSchemes)
        throws -> [String: (LianjieScoring.Grade, CaseRecord)] {
        let disposed = Dictionary(grouping: try r.dispositions(subjectIDs: results.map(\.subjectID), minForm: 2), by: \.subjectID)
        var out: [String: (LianjieScoring.Grade, CaseRecord)] = [:]
        for x in results {
            guard let cases = disposed[x.subjectID], let rules = try schemes.version(versions[x.runID] ?? 0, r)?.compiled.scheme.dispositionRules else { continue }
            let marks = cases.compactMap { c in Day(c.disposition.date).map { (c, AppraisalCap.Disposition(form: Int(c.disposition.form), day: $0)) } }
            if let found = AppraisalCap.cap(on: end, dispositions: marks.map(\.1), rules: rules) { out[x.subjectID] = (found.grade, marks[found.index].0) }
        }
        return out
    }
}
