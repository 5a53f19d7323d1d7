import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Statistics (归总统计) of a subtree for a period, from the current published runs; in a
/// pseudonymised form for wide audiences.
struct StatisticsHandler: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EvaluationService.getStatistics, audit: .read, on: &router, statistics)
    }

    /// Cells about fewer people than this are suppressed in the pseudonymised form.
    static let minimumCell = 5
    static let maxRanking = 500

    private func statistics(_ request: GetStatisticsRequest, _ call: Call) throws -> LianjieMessages.Statistics {
        var v = Violations()
        if request.organizationId.isEmpty { v.add("organization_id", "is required") }
        let period = request.period.flatMap(CalendarDays.period)
        if period == nil { v.add("period", "must be a month (1-12), a quarter (1-4) or a year of 1900-9999") }
        if !(0...Int32(Self.maxRanking)).contains(request.rankingSize) { v.add("ranking_size", "must be between 0 and \(Self.maxRanking)") }
        if !request.categoryCode.isEmpty { Validate.code(request.categoryCode, field: "category_code", &v) }
        try v.check()
        let staff = call.caller.has(anyOf: EvaluationAccess.staff)
        guard let org = try call.read({ try $0.organization(id: request.organizationId) }) else { throw RPCError(.notFound, "no such organisation") }
        call.target = AuditLog.Target(type: "statistics", id: org.id, organizationID: org.id, organizationPath: org.path)
        guard call.caller.covers(EvaluationAccess.staff.union([.hr]), path: org.path) else { throw RPCError(.notFound, "no such organisation") }
        let named = !request.pseudonymised
        if named, !call.caller.covers(EvaluationAccess.staff, path: org.path) {
            throw RPCError(.permissionDenied, staff ? "your scope allows only the pseudonymised form here"
                                                    : "HR reads statistics in the pseudonymised form only; set pseudonymised")
        }
        let key = Convert.periodKey(period!)
        let category = request.categoryCode.isEmpty ? nil : request.categoryCode
        let rankingSize = request.rankingSize == 0 ? 20 : Int(request.rankingSize)
        let today = CalendarDays.today(call.now)
        let (rows, children, counts, alerts, orgNames, cases) = try call.read { r in
            if let category, try r.category(code: category) == nil {
                throw RPCError.invalidArgument(field: "category_code", "no business category \(category)")
            }
            let rows = try r.publishedResults(period: key, underPath: org.path, categoryCode: category)
            let children = try r.organizations(scope: .subtrees([org.path]), includeInactive: false, page: Page(after: nil, limit: 10_000))
                .filter { $0.parentID == org.id }
            let counts = try r.entryCounts(underPath: org.path, categoryCode: category, from: period!.start.description, to: period!.end.description)
            var alerts: [String: [Int]] = [:]
            for o in [org] + children {
                var f = AlertFilter()
                f.underPath = o.path
                f.period = key
                var counts = [try r.alertCount(f)]
                for state in [AlertState.open, .dismissed, .markedForCase] {
                    f.state = state.rawValue
                    counts.append(try r.alertCount(f))
                }
                alerts[o.id] = counts
            }
            var names: [String: String] = [org.id: org.name]
            for o in children { names[o.id] = o.name }
            for row in rows where names[row.result.organizationID] == nil {
                names[row.result.organizationID] = try r.organization(id: row.result.organizationID)?.name ?? ""
            }
            let window = CaseFigures.window(period!)
            return (rows, children, counts, alerts, names, try r.caseFacts(underPath: org.path, from: window.from, to: window.to, today: today))
        }
        func cell(_ n: Int) -> Cell {
            named || n == 0 || n >= Self.minimumCell ? Cell(suppressed: false, value: String(n)) : Cell(suppressed: true, value: "")
        }
        func block(_ o: OrganizationRecord, _ results: [EvaluationResultRecord]) -> StatisticsBlock {
            var b = StatisticsBlock()
            b.organizationId = o.id
            b.organizationName = o.name
            b.subjects = cell(results.count)
            b.personTimes = cell(results.count)
            let totals = results.compactMap { Exact($0.total) }
            let small = !named && totals.count < Self.minimumCell
            b.mean = small ? Cell(suppressed: true, value: "") : Cell(suppressed: false, value: totals.isEmpty ? "" : Figures.mean(totals).description)
            b.median = small ? Cell(suppressed: true, value: "") : Cell(suppressed: false, value: totals.isEmpty ? "" : Figures.median(totals).description)
            let counts = [LianjieMessages.Grade.excellent, .good, .fair, .poor].map { g in results.filter { !$0.noData && $0.grade == g.rawValue }.count }
                + [results.filter(\.noData).count]
            var cells = counts.map(cell)
            // One hidden cell would follow from the subjects and the others: hide the smallest
            // other non-zero one as well.
            if cells.filter(\.suppressed).count == 1, !b.subjects!.suppressed,
               let other = counts.indices.filter({ !cells[$0].suppressed && counts[$0] > 0 }).min(by: { counts[$0] < counts[$1] }) {
                cells[other] = Cell(suppressed: true, value: "")
            }
            b.grades = GradeCells(excellent: cells[0], good: cells[1], fair: cells[2], poor: cells[3], noData: cells[4])
            let a = alerts[o.id] ?? [0, 0, 0, 0]
            b.alertsRaised = cell(a[0])
            b.alertsHandled = cell(a[0] - a[1])
            b.alertsOpen = cell(a[1])
            b.alertsDismissed = cell(a[2])
            b.alertsMarkedForCase = cell(a[3])
            let loop = CaseFigures(cases.filter { $0.organizationPath.hasPrefix(o.path) }, period: period!)
            b.casesOpened = cell(loop.opened)
            b.casesClosed = cell(loop.closed)
            b.casesDismissed = cell(loop.dismissed)
            b.casesOverdue = cell(loop.overdue)
            // A rate or a median of fewer than 5 cases would single people out.
            let few = !named && loop.opened < Self.minimumCell
            b.closureRate = few ? Cell(suppressed: true, value: "") : Cell(suppressed: false, value: loop.closureRate?.description ?? "")
            let fewClosed = !named && loop.closed < Self.minimumCell
            b.medianDaysToClose = fewClosed ? Cell(suppressed: true, value: "") : Cell(suppressed: false, value: loop.medianDaysToClose?.description ?? "")
            b.dispositionsFirstForm = cell(loop.dispositions[0])
            b.dispositionsSecondForm = cell(loop.dispositions[1])
            b.dispositionsThirdForm = cell(loop.dispositions[2])
            b.dispositionsFourthForm = cell(loop.dispositions[3])
            return b
        }
        var m = LianjieMessages.Statistics()
        m.period = request.period
        m.categoryCode = request.categoryCode
        m.pseudonymised = !named
        let results = rows.map(\.result)
        m.total = block(org, results)
        m.children = children.map { c in block(c, results.filter { $0.organizationPath.hasPrefix(c.path) }) }
        m.topDebitTags = counts.debitTags.map {
            // A tag's entries are about its subjects: both hidden when they are fewer than 5.
            CountRow(key: $0.key, label: $0.label, count: named || $0.subjects >= Self.minimumCell ? cell($0.count) : Cell(suppressed: true, value: ""),
                     subjects: cell($0.subjects),
                     dimension: CoreDimension(rawValue: $0.detail).map { LianjieMessages.Dimension($0) } ?? .unspecified)
        }
        var bySource: [String: Int] = [:], byStatus: [String: Int] = [:]
        for c in counts.bySourceAndStatus {
            let parts = c.key.split(separator: "/").map { Int32($0) ?? 0 }
            guard parts.count == 2 else { continue }
            let source = Convert.name(EntrySource(rawValue: parts[0]), prefix: "ENTRY_SOURCE_")
            let status = Convert.name(EntryStatus(rawValue: parts[1]), prefix: "ENTRY_STATUS_")
            bySource[source, default: 0] += c.count
            byStatus[status, default: 0] += c.count
            m.entries.append(EntryCountRow(source: source, status: status, count: cell(c.count)))
        }
        m.entriesBySource = bySource.keys.sorted().map { CountRow(key: $0, label: $0, count: cell(bySource[$0]!)) }
        m.entriesByStatus = byStatus.keys.sorted().map { CountRow(key: $0, label: $0, count: cell(byStatus[$0]!)) }
        m.runIds = Array(Set(results.map(\.runID))).sorted()
        let scored = results.filter { !$0.noData && (!named || $0.subjectID != call.caller.subjectID) }.sorted { ($0.totalUnits, $1.employeeNumber) > ($1.totalUnits, $0.employeeNumber) }
        if named || scored.count >= Self.minimumCell {
            var orgSizes: [String: Int] = [:]
            for r in results { orgSizes[r.organizationID, default: 0] += 1 }
            let totals = scored.map { Exact($0.total) ?? .zero }
            let standings = Ranking.standings(zip(scored.map(\.subjectID), totals).map { ($0, $1) })
            for (i, r) in scored.prefix(rankingSize).enumerated() {
                var row = RankingRow()
                row.rank = Int32(standings[r.subjectID]?.rank ?? i + 1)
                row.name = named ? r.subjectName : "P-" + (i + 1 < 10 ? "0" : "") + String(i + 1)
                row.employeeNumber = named ? r.employeeNumber : ""
                row.organizationName = named || orgSizes[r.organizationID, default: 0] >= Self.minimumCell ? orgNames[r.organizationID] ?? "" : ""
                row.total = r.total
                row.grade = LianjieMessages.Grade(rawValue: r.grade)
                // Named rows only: a category, the veto or the change would single people out.
                if named {
                    row.categoryCode = r.categoryCode
                    row.vetoed = !r.vetoEntries.isEmpty
                    if let a = Exact(r.previousTotal), let b = Exact(r.total) { row.totalChange = (b - a).description }
                }
                m.ranking.append(row)
                if named {
                    call.readTargets.append(AuditLog.Target(type: "evaluation_result", id: r.subjectID, organizationID: r.organizationID,
                                                            organizationPath: r.organizationPath))
                }
            }
        }
        return m
    }
}
