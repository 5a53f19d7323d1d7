/// Scores subjects for a period under one compiled scheme. A value with no state: use it
/// from any number of threads at once.
public struct Scorer: Sendable {
    public let scheme: CompiledScheme

    public init(_ scheme: CompiledScheme) { self.scheme = scheme }

    /// The result for `subject` in `period` from its `entries` (in any order).
    /// - Parameter breakdown: whether to list every entry's part (the totals are the same either way).
    public func score(_ subject: ScoringSubject, entries: [ScoringEntry], period: Period, breakdown: Bool = true) -> SubjectResult {
        let tags = scheme.tags
        let rules = scheme.scheme
        let start = period.start, end = period.end

        // Per tag: the signed factor at 10⁻⁸ (points × tag × category × post, each in hundredths),
        // nil when the tag's library is another category's; and the earliest day that still counts.
        var factors = [Int128?](repeating: nil, count: tags.count)
        var firstCounting = [Int32](repeating: 0, count: tags.count)
        for (i, t) in tags.enumerated() {
            if let c = t.category, c != subject.category { continue }
            let tag = t.tag
            var f = Int128(tag.points) * Int128(tag.coefficient) * Int128(rules.categoryCoefficient(subject.category, tag.dimension))
            f *= tag.polarity == .debit ? Int128(subject.postCoefficient) : 100
            factors[i] = tag.polarity == .debit ? -f : f
            firstCounting[i] = start.addingMonths(-tag.windowMonths).ordinal + 1
        }

        let ordered = Self.isOrdered(entries) ? entries : entries.sorted { ($0.occurredOn, $0.id) < ($1.occurredOn, $1.id) }
        var sums = [Int128](repeating: 0, count: Dimension.allCases.count)
        var used = [Int32](repeating: 0, count: tags.count)
        var veto: [UInt64] = []
        var counted = 0, considered = 0
        var lines: [BreakdownLine] = []
        if breakdown { lines.reserveCapacity(ordered.count) }

        for e in ordered {
            let index = Int(e.tag)
            guard index >= 0, index < tags.count else {
                if breakdown { lines.append(Self.line(e, nil, .unknownTag, subject: subject, rules: rules)) }
                continue
            }
            let t = tags[index]
            var outcome = BreakdownLine.Outcome.counted
            var contribution: Int128 = 0
            if e.status != .confirmed {
                outcome = .notConfirmed
            } else if factors[index] == nil {
                outcome = .notApplicable
            } else if e.occurredOn.ordinal > end.ordinal || e.occurredOn.ordinal < firstCounting[index] {
                outcome = .outsideWindow
            } else {
                considered += 1
                if t.tag.maxPerPeriod > 0, used[index] >= t.tag.maxPerPeriod {
                    outcome = .overCountLimit
                } else {
                    used[index] += 1
                    counted += 1
                    // 10⁻⁸ × hundredths = 10⁻¹⁰; × 100 = Exact's 10⁻¹² units.
                    contribution = factors[index]! * Int128(e.quantity) * 100
                    sums[Self.slot(t.tag.dimension)] += contribution
                    if t.tag.redLine { veto.append(e.id) }
                }
            }
            if breakdown {
                var l = Self.line(e, t, outcome, subject: subject, rules: rules)
                l.contribution = Exact(units: contribution)
                lines.append(l)
            }
        }

        var result = SubjectResult(subjectID: subject.id, period: period, schemeVersion: rules.version, schemeHash: scheme.hash,
                                   noData: considered == 0, dimensions: [], total: nil, grade: nil, vetoEntries: veto,
                                   countedEntries: counted, breakdown: lines)
        guard considered > 0 else { return result }
        var total = Exact.zero
        for d in Dimension.allCases {
            let rule = rules.dimensions[d]!
            let entriesSum = Exact(units: sums[Self.slot(d)])
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

    @inline(__always)
    static func slot(_ d: Dimension) -> Int {
        switch d {
        case .behaviour: return 0
        case .awareness: return 1
        case .problems: return 2
        }
    }

    static func isOrdered(_ entries: [ScoringEntry]) -> Bool {
        var i = 1
        while i < entries.count {
            let a = entries[i - 1], b = entries[i]
            if a.occurredOn > b.occurredOn || (a.occurredOn == b.occurredOn && a.id > b.id) { return false }
            i += 1
        }
        return true
    }

    static func line(_ e: ScoringEntry, _ t: CompiledScheme.Entry?, _ outcome: BreakdownLine.Outcome,
                     subject: ScoringSubject, rules: Scheme) -> BreakdownLine {
        BreakdownLine(entryID: e.id, tag: t?.ref, dimension: t?.tag.dimension, polarity: t?.tag.polarity, occurredOn: e.occurredOn,
                      outcome: outcome, points: t?.tag.points ?? 0, quantity: e.quantity, tagCoefficient: t?.tag.coefficient ?? 0,
                      categoryCoefficient: t.map { rules.categoryCoefficient(subject.category, $0.tag.dimension) } ?? 0,
                      postCoefficient: t?.tag.polarity == .debit ? subject.postCoefficient : 100, contribution: .zero)
    }
}
