/// A subject's place among its peers.
public struct Standing: Sendable, Hashable {
    /// 1 for the highest total; equal totals share a rank, and the next rank skips (1, 2, 2, 4).
    public var rank: Int
    /// The share of the other peers with a strictly lower total, in percent, rounded to two
    /// decimals (halves up); 100 for the only peer.
    public var percentile: Exact
    /// Peers with a score (subjects with no data are left out).
    public var peers: Int
}

public enum Ranking {
    /// Standings of every scored result among the others; `noData` results get none.
    public static func standings(_ results: [SubjectResult]) -> [String: Standing] {
        standings(results.compactMap { r in r.total.map { (r.subjectID, $0) } })
    }

    /// Standings of scored subjects given as (id, total): O(n log n).
    public static func standings(_ scored: [(String, Exact)]) -> [String: Standing] {
        var out: [String: Standing] = [:]
        out.reserveCapacity(scored.count)
        for ((id, _), standing) in zip(scored, standings(totals: scored.map(\.1))) { out[id] = standing }
        return out
    }

    /// The standing of each of `totals` among all of them, in the same order: O(n log n).
    public static func standings(totals: [Exact]) -> [Standing] {
        let sorted = totals.sorted()
        let n = sorted.count
        return totals.map { total in
            let lower = firstIndex(in: sorted) { $0 >= total }
            let higher = n - firstIndex(in: sorted) { $0 > total }
            let hundredths = n == 1 ? 10_000 : (Int64(lower) * 10_000 * 2 + Int64(n - 1)) / (2 * Int64(n - 1))
            return Standing(rank: higher + 1, percentile: Exact(hundredths: hundredths), peers: n)
        }
    }

    /// The first index of ascending `sorted` where `predicate` holds (it holds from there on).
    private static func firstIndex(in sorted: [Exact], where predicate: (Exact) -> Bool) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(sorted[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

/// How a subject's result moved between two periods (or two schemes).
public struct ResultDiff: Sendable, Hashable {
    public struct TagChange: Sendable, Hashable {
        /// `LIBRARY/CODE` (versions aside, so a republished tag compares with its old self).
        public var tag: String
        public var before: Exact
        public var after: Exact
        public var change: Exact
    }

    public var subjectID: String
    public var gradeBefore: Grade?
    public var gradeAfter: Grade?
    /// Nil when either side has no data.
    public var totalChange: Exact?
    public var dimensionChanges: [Dimension: Exact]
    /// Tags whose contribution differs, largest movement first.
    public var tagChanges: [TagChange]
}

public enum Comparison {
    /// The change from `previous` to `current`; both should carry their breakdowns for the per-tag part.
    public static func diff(from previous: SubjectResult, to current: SubjectResult) -> ResultDiff {
        var dims: [Dimension: Exact] = [:]
        if !previous.noData, !current.noData {
            for d in Dimension.allCases { dims[d] = current.dimension(d)!.score - previous.dimension(d)!.score }
        }
        func byTag(_ r: SubjectResult) -> [String: Exact] {
            var m: [String: Exact] = [:]
            for l in r.breakdown where l.outcome == .counted {
                if let t = l.tag { m["\(t.library)/\(t.code)", default: .zero] += l.contribution }
            }
            return m
        }
        let a = byTag(previous), b = byTag(current)
        let changes = Set(a.keys).union(b.keys).compactMap { key -> ResultDiff.TagChange? in
            let before = a[key] ?? .zero, after = b[key] ?? .zero
            return before == after ? nil : ResultDiff.TagChange(tag: key, before: before, after: after, change: after - before)
        }.sorted { (abs($0.change.units), $1.tag) > (abs($1.change.units), $0.tag) }
        var totalChange: Exact?
        if let x = previous.total, let y = current.total { totalChange = y - x }
        return ResultDiff(subjectID: current.subjectID, gradeBefore: previous.grade, gradeAfter: current.grade,
                          totalChange: totalChange, dimensionChanges: dims, tagChanges: changes)
    }
}

/// The same entries under another scheme: who would change grade.
public struct WhatIfChange: Sendable, Hashable {
    public var subjectID: String
    public var before: SubjectResult
    public var after: SubjectResult

    public init(subjectID: String, before: SubjectResult, after: SubjectResult) {
        self.subjectID = subjectID
        self.before = before
        self.after = after
    }
    public var gradeChanged: Bool { before.grade != after.grade }
}

public enum WhatIf {
    /// Scores every subject under `current` and `proposed`. Entries name `current`'s tags;
    /// under `proposed` each maps to the same library and code in the newest version of that
    /// library `proposed` has, and to an unknown tag when it has none.
    public static func compare(_ subjects: [(ScoringSubject, [ScoringEntry])], period: Period,
                               current: CompiledScheme, proposed: CompiledScheme) -> [WhatIfChange] {
        let mapping = current.tags.map { proposed.equivalentTagID($0.ref) ?? -1 }
        let a = Scorer(current), b = Scorer(proposed)
        return subjects.map { subject, entries in
            let remapped = entries.map { e -> ScoringEntry in
                var m = e
                m.tag = e.tag >= 0 && Int(e.tag) < mapping.count ? mapping[Int(e.tag)] : -1
                return m
            }
            return WhatIfChange(subjectID: subject.id, before: a.score(subject, entries: entries, period: period),
                                after: b.score(subject, entries: remapped, period: period))
        }
    }
}
