import Foundation
import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import Synchronization
import LianjieScoringMessages

/// What-if (`SimulateScheme`): a proposed scheme scored against past periods beside the
/// current published one, writing nothing.
final class SimulationHandler: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EvaluationService.simulateScheme, audit: .read, on: &router, simulate)
    }

    static let maxPeriods = 12
    /// Simulations one server carries out at once (each scores whole periods).
    static let maxRunning = 2
    private let running = Atomic<Int>(0)
    static let maxCrossings = 1000

    private func simulate(_ request: SimulateSchemeRequest, _ call: Call) throws -> SimulateSchemeResponse {
        var v = Violations()
        if request.periods.isEmpty || request.periods.count > Self.maxPeriods { v.add("periods", "name 1 to \(Self.maxPeriods) periods") }
        var periods: [CorePeriod] = []
        for (i, p) in request.periods.enumerated() {
            if let core = CalendarDays.period(p) { periods.append(core) } else { v.add("periods[\(i)]", "is not a period") }
        }
        if !(0...Int32(Self.maxCrossings)).contains(request.maxCrossings) { v.add("max_crossings", "must be between 0 and \(Self.maxCrossings)") }
        if request.document.utf8.count > 1 << 20 { v.add("document", "at most 1 MiB") }
        var bands: LianjieScoring.GradeBands?
        if let g = request.grades {
            let values = [("grades.excellent", g.excellent), ("grades.good", g.good), ("grades.fair", g.fair)].map { field, text -> Exact? in
                guard let e = Exact(text), e.hundredths != nil else { v.add(field, "must be a decimal with at most two decimals"); return nil }
                return e
            }
            if let e = values[0], let good = values[1], let f = values[2] { bands = LianjieScoring.GradeBands(excellent: e, good: good, fair: f) }
        }
        try v.check()
        let limit = request.maxCrossings == 0 ? 200 : Int(request.maxCrossings)
        var paths: [String] = []
        if !request.organizationId.isEmpty {
            guard let org = try call.read({ try $0.organization(id: request.organizationId) }),
                  call.caller.covers(EvaluationAccess.runners, path: org.path) else { throw RPCError(.notFound, "no such organisation") }
            paths = [org.path]
            call.target = AuditLog.Target(type: "simulation", id: org.id, organizationID: org.id, organizationPath: org.path)
        } else {
            let grants = call.caller.grants.filter { EvaluationAccess.runners.contains($0.role) }
            paths = grants.contains { $0.path == nil } ? [""] : grants.compactMap(\.path)
            call.target = AuditLog.Target(type: "simulation", id: "")
        }
        let today = Day(CalendarDays.today(call.now))!
        guard running.add(1, ordering: .relaxed).newValue <= Self.maxRunning else {
            running.subtract(1, ordering: .relaxed)
            throw RPCError(.resourceExhausted, "\(Self.maxRunning) simulations are already running on this server; retry when one is done")
        }
        defer { running.subtract(1, ordering: .relaxed) }
        let (current, proposed, compiled) = try call.read { r -> (PublishedSchemes.Version, CoreScheme, CompiledScheme) in
            guard let current = try call.kit.schemes.current(r) else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
            var proposed = try Self.proposed(request.document, r)
            if let bands { proposed.grades = bands }
            let problems = proposed.problems()
            guard problems.isEmpty else {
                throw RPCError(.invalidArgument, "the proposed scheme has \(problems.count) problem(s)",
                               violations: problems.map { FieldViolation(field: "document.\($0.field)", description: $0.reason) })
            }
            do { return (current, proposed, try CompiledScheme(proposed.versioned(after: current.compiled.scheme))) } catch {
                throw RPCError.invalidArgument(field: "document", String(describing: error))
            }
        }
        var m = SimulateSchemeResponse()
        m.baseVersion = Int32(current.record.version)
        m.proposedHash = compiled.hash
        var crossings: [SimulatedCrossing] = [], seen: Set<String> = []
        for period in periods {
            let day = min(period.end, today)
            let scopes = paths
            // Entries as far back as either scheme's longest window reaches.
            let windows = [current.compiled, compiled].map { ResultBuilder.window(period: period, evaluationDate: day, scheme: $0) }
            let window = (from: windows.map(\.from).min()!, to: windows[0].to)
            let (inputs, refs) = try StoreErrors.call(logger: call.logger, method: call.method) {
                try InputGathering.gather(call.store, window: window, scheme: current.compiled) { r in
                    var subjects: [String: EvaluationSubjectRow] = [:]
                    for p in scopes {
                        for s in try r.evaluationSubjects(underPath: p, on: day.description, categories: []) { subjects[s.subjectID] = s }
                    }
                    return subjects.values.sorted { $0.employeeNumber < $1.employeeNumber }
                }
            }
            seen.formUnion(inputs.map(\.row.subjectID))
            // Each entry's tag in the proposed scheme (same library and code); the subject with the
            // proposed scheme's post coefficients.
            let mapping = refs.refs.map { compiled.tagID($0) ?? compiled.equivalentTagID($0) ?? -1 }
            let before = Scorer(current.compiled), after = Scorer(compiled), evaluated = day
            let changes = Parallel.map(inputs) { input -> WhatIfChange in
                let entries = refs.scoringEntries(input.entries)
                let remapped = zip(input.entries, entries).map { e, s in
                    var m = s
                    m.tag = mapping[Int(e.ref)]
                    return m
                }
                return WhatIfChange(subjectID: input.row.subjectID,
                                    before: before.score(input.scoring, entries: entries, period: period, evaluatedOn: evaluated),
                                    after: after.score(ResultBuilder.scoringSubject(input.row, compiled), entries: remapped, period: period,
                                                       evaluatedOn: evaluated))
            }
            var countsBefore = GradeCounts(), countsAfter = GradeCounts()
            for (input, c) in zip(inputs, changes) {
                Self.count(c.before, &countsBefore)
                Self.count(c.after, &countsAfter)
                let alertChanges = Self.alertChanges(c, before: current.compiled.scheme, after: proposed)
                guard c.gradeChanged || c.before.vetoed != c.after.vetoed || !alertChanges.isEmpty else { continue }
                var x = SimulatedCrossing()
                x.subjectId = input.row.subjectID
                x.subjectName = input.row.name
                x.organizationId = input.row.organizationID
                x.period = Convert.period(period)
                x.totalBefore = c.before.total?.description ?? ""
                x.totalAfter = c.after.total?.description ?? ""
                x.gradeBefore = LianjieMessages.Grade(c.before.grade)
                x.gradeAfter = LianjieMessages.Grade(c.after.grade)
                x.vetoBefore = c.before.vetoed
                x.vetoAfter = c.after.vetoed
                x.alertChanges = alertChanges
                x.movedBy = Comparison.diff(from: c.before, to: c.after).tagChanges.prefix(5).map(\.tag)
                crossings.append(x)
            }
            m.periods.append(SimulatedPeriod(period: Convert.period(period), before: countsBefore, after: countsAfter))
        }
        m.crossings = Array(crossings.prefix(limit))
        m.crossingsLeftOut = Int32(max(0, crossings.count - limit))
        m.subjects = Int32(seen.count)
        // Each subject a listed crossing shows is a read of a person's result.
        call.readTargets = m.crossings.map { AuditLog.Target(type: "simulated_result", id: $0.subjectId, organizationID: $0.organizationId) }
        return m
    }

    /// The scheme to try: the given file, or the draft.
    static func proposed(_ document: String, _ r: any StoreReader) throws -> CoreScheme {
        let text: String
        if document.isEmpty {
            guard let draft = try r.schemeDraft() else { throw RPCError(.notFound, "there is no scheme draft; pass a document") }
            text = draft.document
        } else {
            text = document
        }
        let (scheme, problems) = SchemeLoader.check(Data(text.utf8))
        guard let scheme else {
            throw RPCError(.invalidArgument, "the proposed scheme cannot be read",
                           violations: problems.map { FieldViolation(field: "document.\($0.field)", description: $0.reason) })
        }
        return scheme
    }

    static func count(_ r: SubjectResult, _ c: inout GradeCounts) {
        switch r.grade {
        case .excellent: c.excellent += 1
        case .good: c.good += 1
        case .fair: c.fair += 1
        case .poor: c.poor += 1
        case nil: c.noData += 1
        }
    }

    /// Score alert rules that match after and not before (`+CODE`) or before and not after (`-CODE`).
    static func alertChanges(_ c: WhatIfChange, before: CoreScheme, after: CoreScheme) -> [String] {
        func matching(_ r: SubjectResult, _ s: CoreScheme) -> Set<String> {
            guard let total = r.total else { return [] }
            return Set(s.alertRules.filter { rule in
                rule.enabled && (rule.kind == .scoreBelow && total < rule.threshold || rule.kind == .gradePoor && r.grade == .poor)
            }.map(\.code))
        }
        let a = matching(c.before, before), b = matching(c.after, after)
        return b.subtracting(a).sorted().map { "+" + $0 } + a.subtracting(b).sorted().map { "-" + $0 }
    }
}
