/// Scores subjects for a period under one compiled scheme. A value with no state: use it
/// from any number of threads at once.
public struct Scorer: Sendable {
    public let scheme: CompiledScheme

    public init(_ scheme: CompiledScheme) { self.scheme = scheme }

    /// The result for `subject` in `period` from its `entries` (in any order).
    /// - Parameters:
    ///   - evaluatedOn: the evaluation date; entries that happened after it do not count
    ///     (an evaluation run before the period ends sees only what had happened). Nil: the
    ///     period's last day.
    ///   - breakdown: whether to list every entry's part (the totals are the same either way).
    public func score<Entries: RandomAccessCollection>(_ subject: ScoringSubject, entries: Entries, period: Period,
                                                       evaluatedOn: Day? = nil, breakdown: Bool = true) -> SubjectResult
        where Entries.Element == ScoringEntry {
        if Self.isOrdered(entries) {
            return score(subject, ordered: entries, period: period, evaluatedOn: evaluatedOn, breakdown: breakdown)
        }
        return score(subject, ordered: entries.sorted { ($0.occurredOn, $0.id) < ($1.occurredOn, $1.id) }, period: period,
                     evaluatedOn: evaluatedOn, breakdown: breakdown)
    }

    private func score<Entries: Collection>(_ subject: ScoringSubject, ordered: Entries, period: Period, evaluatedOn: Day?,
                                            breakdown: Bool) -> SubjectResult where Entries.Element == ScoringEntry {
        let tags = scheme.tags
        let rules = scheme.scheme
        let table = scheme.categoryTable(subject.category)
        let end = period.end
        let startOrdinal = period.start.ordinal
        let endParts = end.components
        let lastCounting = min(end.ordinal, evaluatedOn?.ordinal ?? end.ordinal)
        let post = Int128(subject.postCoefficient)
        var sums: (Int128, Int128, Int128) = (0, 0, 0)
        var veto: [UInt64] = []
        var counted = 0, considered = 0
        var lines: [BreakdownLine] = []
        if breakdown { lines.reserveCapacity(ordered.count) }

        // How often each tag counted so far, and the first day its window reaches: scratch
        // memory on the stack, so scoring allocates nothing but its result.
        withUnsafeTemporaryAllocation(of: (used: Int32, firstCounting: Int32).self, capacity: tags.count) { state in
            let windows = scheme.windowMonths
            for i in 0..<windows.count {
                state.initializeElement(at: i, to: (0, min(startOrdinal, Self.dayAfter(endParts, monthsBack: windows[i]))))
            }
            let dimensionSlot = scheme.dimensionSlot, isDebit = scheme.isDebit, isRedLine = scheme.isRedLine
            let maxPerPeriod = scheme.maxPerPeriod, factors = table.factors
        for e in ordered {
                let index = Int(e.tag)
                guard index >= 0, index < tags.count else {
                    if breakdown { lines.append(Self.line(e, nil, .unknownTag, subject: subject, categoryCoefficient: 0)) }
                    continue
                }
                var outcome = BreakdownLine.Outcome.counted
                var contribution: Int128 = 0
                if e.status != .confirmed {
                    outcome = .notConfirmed
                } else if factors[index] == nil {
                    outcome = .notApplicable
                } else if e.occurredOn.ordinal > lastCounting {
                    outcome = e.occurredOn.ordinal > end.ordinal ? .outsideWindow : .afterEvaluation
                } else if e.occurredOn.ordinal < state[index].firstCounting {
                    outcome = .outsideWindow
                } else {
                    considered += 1
                    if maxPerPeriod[index] > 0, state[index].used >= maxPerPeriod[index] {
                        outcome = .overCountLimit
                    } else {
                        state[index].used += 1
                        counted += 1
                        // 10⁻⁸ × hundredths = 10⁻¹⁰; × 100 = Exact's 10⁻¹² units.
                        let factor = factors[index]! * (isDebit[index] ? post : 100)
                        contribution = factor * Int128(e.quantity) * 100
                        switch dimensionSlot[index] {
                        case 0: sums.0 += contribution
                        case 1: sums.1 += contribution
                        default: sums.2 += contribution
                        }
                        if isRedLine[index] { veto.append(e.id) }
                    }
                }
                if breakdown {
                    var l = Self.line(e, tags[index], outcome, subject: subject, categoryCoefficient: table.coefficients[index])
                    l.contribution = Exact(units: contribution)
                    lines.append(l)
                }
            }
        }

        var result = SubjectResult(subjectID: subject.id, period: period, schemeVersion: rules.version, schemeHash: scheme.hash,
                                   noData: considered == 0, dimensions: [], total: nil, grade: nil, vetoEntries: veto,
                                   countedEntries: counted, breakdown: lines)
        guard considered > 0 else { return result }
        var total = Exact.zero
        result.dimensions.reserveCapacity(3)
        for d in Dimension.allCases {
            let rule = rules.dimensions[d]!
            let entriesSum = Exact(units: d == .behaviour ? sums.0 : d == .awareness ? sums.1 : sums.2)
            let raw = rule.base + entriesSum
            let score = min(max(raw, rule.minimum), rule.maximum)
            let weighted = score.times(hundredths: rule.weight)
            total += weighted
            result.dimensions.append(DimensionScore(dimension: d, base: rule.base, entries: entriesSum, adjustment: score - raw,
                                                    score: score, weight: rule.weight, weighted: weighted))
        }
        result.total = total
        result.grade = veto.isEmpty ? rules.grades.grade(total) : .poor
        return result
    }

    /// The day after the day `monthsBack` months before `day` (month ends clamp, as in
    /// `Day.addingMonths`): an entry from an earlier period still counts when it happened on
    /// or after this day, i.e. when the period ends within its window.
    static func dayAfter(_ day: (year: Int, month: Int, day: Int), monthsBack: Int) -> Int32 {
        let total = day.year * 12 + (day.month - 1) - monthsBack
        let y = total >= 0 ? total / 12 : (total - 11) / 12
        let m = total - y * 12 + 1
        return Day(year: y, month: m, day: min(day.day, Day.daysIn(year: y, month: m)))!.ordinal + 1
    }

    static func isOrdered<Entries: RandomAccessCollection>(_ entries: Entries) -> Bool where Entries.Element == ScoringEntry {
        var previous: ScoringEntry?
        for e in entries {
            if let a = previous, a.occurredOn > e.occurredOn || (a.occurredOn == e.occurredOn && a.id > e.id) { return false }
            previous = e
        }
        return true
    }

    static func line(_ e: ScoringEntry, _ t: CompiledScheme.Entry?, _ outcome: BreakdownLine.Outcome,
                     subject: ScoringSubject, categoryCoefficient: Int64) -> BreakdownLine {
        BreakdownLine(entryID: e.id, tag: t?.ref, dimension: t?.tag.dimension, polarity: t?.tag.polarity, occurredOn: e.occurredOn,
                      outcome: outcome, points: t?.tag.points ?? 0, quantity: e.quantity, tagCoefficient: t?.tag.coefficient ?? 0,
                      categoryCoefficient: categoryCoefficient,
                      postCoefficient: t?.tag.polarity == .debit ? subject.postCoefficient : 100, contribution: .zero)
    }
}
