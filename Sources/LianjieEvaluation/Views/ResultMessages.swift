import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import LianjieScoringMessages

/// Runs and results as the wire carries them.
enum ResultMessages {
    static func run(_ x: EvaluationRunRecord) -> EvaluationRun {
        var m = EvaluationRun()
        m.id = x.id
        m.period = Convert.period(x.period)
        m.organizationId = x.organizationID
        m.categoryCodes = x.categories
        m.schemeVersion = Int32(x.schemeVersion)
        m.schemeHash = x.schemeHash
        m.rulesHash = x.rulesHash
        m.evaluationDate = Convert.date(x.evaluationDate)
        m.state = RunState(rawValue: x.state)
        m.progress = RunProgress(subjectsTotal: Int32(x.subjectsTotal), subjectsDone: Int32(x.subjectsDone), phase: x.phase)
        let g = x.grades.count == 5 ? x.grades : [0, 0, 0, 0, 0]
        m.grades = GradeCounts(excellent: Int32(g[0]), good: Int32(g[1]), fair: Int32(g[2]), poor: Int32(g[3]), noData: Int32(g[4]))
        m.personTimes = Int32(x.personTimes)
        m.inputsSha256 = x.inputsSHA256
        m.resultsSha256 = x.resultsSHA256
        m.createdBy = x.createdBy
        m.createTime = CalendarDays.time(x.createTime)
        m.finishTime = CalendarDays.time(x.finishTime)
        m.publishedBy = x.publishedBy
        m.publishTime = CalendarDays.time(x.publishTime)
        m.publishNote = x.publishNote
        m.current = x.isCurrent
        m.supersededByRun = x.supersededBy
        m.supersedeTime = CalendarDays.time(x.supersedeTime)
        m.supersedeReason = x.supersedeReason
        m.supersedesRun = x.supersedes
        m.endReason = x.endReason
        m.alertsRaised = Int32(x.alertsRaised)
        return m
    }

    static func standing(rank: Int, peers: Int, percentile: Int64) -> LianjieMessages.Standing? {
        rank == 0 ? nil : LianjieMessages.Standing(rank: Int32(rank), peers: Int32(peers), percentile: Convert.percentile(percentile))
    }

    /// A result without its breakdown; `entryIDs` names the veto entries by id.
    static func result(_ x: EvaluationResultRecord, period: PeriodKey, entryIDs: [Int64: String]) -> EvaluationResult {
        var m = EvaluationResult()
        m.runId = x.runID
        m.period = Convert.period(period)
        m.subjectId = x.subjectID
        m.subjectName = x.subjectName
        m.employeeNumber = x.employeeNumber
        m.organizationId = x.organizationID
        m.categoryCode = x.categoryCode
        m.postCode = x.postCode
        m.postCoefficient = Convert.decimal(x.postCoefficient)
        m.noData = x.noData
        m.total = x.total
        m.grade = LianjieMessages.Grade(rawValue: x.grade)
        m.vetoEntryIds = x.vetoEntries.map { entryIDs[$0] ?? String($0) }
        m.dimensions = zip(CoreDimension.allCases, x.dimensions).compactMap { d, v in
            v.count == 6 ? DimensionResult(dimension: LianjieMessages.Dimension(d), baseScore: v[0], entries: v[1], adjustment: v[2], score: v[3],
                                           weight: v[4], weighted: v[5]) : nil
        }
        m.countedEntries = Int32(x.countedEntries)
        m.organizationStanding = standing(rank: x.organizationRank, peers: x.organizationPeers, percentile: x.organizationPercentile)
        m.categoryStanding = standing(rank: x.categoryRank, peers: x.categoryPeers, percentile: x.categoryPercentile)
        m.previousRunId = x.previousRunID
        m.previousTotal = x.previousTotal
        m.previousGrade = LianjieMessages.Grade(rawValue: x.previousGrade)
        if let a = Exact(x.previousTotal), let b = Exact(x.total) { m.totalChange = (b - a).description }
        m.resultSha256 = x.resultSHA256
        return m
    }

    static func breakdown(_ lines: [LianjieScoring.BreakdownLine], entries: [Int64: EvaluationEntryRow],
                          tagNames: (TagRef) -> String) -> [LianjieMessages.BreakdownLine] {
        lines.compactMap { l in
            guard let outcome = Convert.outcome(l.outcome) else { return nil }
            let e = entries[Int64(l.entryID)]
            var m = LianjieMessages.BreakdownLine()
            m.entryId = e?.id ?? String(l.entryID)
            m.tag = l.tag?.description ?? e.map { "\($0.library)@\($0.libraryVersion)/\($0.code)" } ?? ""
            m.tagName = l.tag.map(tagNames) ?? e?.tagName ?? ""
            m.dimension = l.dimension.map { LianjieMessages.Dimension($0) } ?? .unspecified
            m.polarity = LianjieMessages.Polarity(l.polarity)
            m.occurredOn = Convert.date(l.occurredOn.description)
            m.outcome = outcome
            m.points = Convert.decimal(l.points)
            m.quantity = Convert.decimal(l.quantity)
            m.tagCoefficient = Convert.decimal(l.tagCoefficient)
            m.categoryCoefficient = Convert.decimal(l.categoryCoefficient)
            m.postCoefficient = Convert.decimal(l.postCoefficient)
            m.contribution = l.contribution.description
            return m
        }
    }
}
