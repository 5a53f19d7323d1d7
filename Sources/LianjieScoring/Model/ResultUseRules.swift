/// What a disposition of the second form or heavier (四种形态) means for scoring and
/// appraisal, configured and versioned with the scheme: the tag of the entry derived from
/// it (citing the case), and the best annual appraisal grade allowed for a while after it.
/// The rule for a form applies to that form only; a form with no rule derives nothing and
/// caps nothing.
public struct DispositionRule: Sendable, Hashable {
    /// 2, 3 or 4.
    public var form: Int
    /// The derived entry's tag, `LIBRARY/CODE` (a debit tag of the scheme); empty for none.
    public var tag: String
    /// The best grade an appraisal may show while the cap holds; nil for no cap.
    public var appraisalCap: Grade?
    /// How many months after the disposition's day the cap holds (1-120).
    public var capMonths: Int

    public init(form: Int, tag: String, appraisalCap: Grade? = nil, capMonths: Int = 12) {
        self.form = form
        self.tag = tag
        self.appraisalCap = appraisalCap
        self.capMonths = capMonths
    }

    var canonicalLine: String {
        "disposition form=\(form) tag=\(tag.isEmpty ? "-" : tag) cap=\(appraisalCap?.rawValue ?? "-") months=\(capMonths)"
    }

    func problems(_ path: String, tags: [String: Tag]) -> [SchemeError] {
        var found: [SchemeError] = []
        if !(2...4).contains(form) { found.append(SchemeError(field: "\(path).form", reason: "must be 2, 3 or 4")) }
        if !tag.isEmpty {
            if let t = tags[tag] {
                if t.polarity != .debit { found.append(SchemeError(field: "\(path).tag", reason: "\(tag) must be a debit tag")) }
            } else {
                found.append(SchemeError(field: "\(path).tag", reason: "\(tag) is not a tag of this scheme (LIBRARY/CODE)"))
            }
        }
        if appraisalCap == .excellent { found.append(SchemeError(field: "\(path).appraisalCap", reason: "must be good, fair or poor")) }
        if !(1...120).contains(capMonths) { found.append(SchemeError(field: "\(path).capMonths", reason: "must be between 1 and 120")) }
        return found
    }
}

/// What an integrity opinion (廉洁意见) concludes, lightest first.
public enum OpinionConclusion: String, Sendable, Hashable, CaseIterable, Comparable {
    /// 无异议
    case noObjection
    /// 暂缓 (until an open matter is settled)
    case deferred = "defer"
    /// 有异议
    case objection

    public static func < (a: OpinionConclusion, b: OpinionConclusion) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A rule that proposes an integrity opinion's conclusion from the facts of a subject's
/// dossier, configured and versioned with the scheme. The heaviest conclusion of the rules
/// that match is proposed; none matching proposes no objection.
public struct OpinionRule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A case about the subject is not closed or dismissed.
        case openCase
        /// A disposition of `minForm` or heavier within the last `months` months.
        case disposition
        /// A published result with a red-line veto within the last `months` months.
        case redLineVeto
        /// A published result graded poor within the last `months` months.
        case gradePoor
    }

    /// Unique in the scheme, e.g. `OPEN_CASE`.
    public var code: String
    public var kind: Kind
    public var conclusion: OpinionConclusion
    public var enabled: Bool
    /// disposition: the lightest form that matches (1-4).
    public var minForm: Int
    /// disposition, redLineVeto, gradePoor: how far back (1-120 months).
    public var months: Int

    public init(code: String, kind: Kind, conclusion: OpinionConclusion, enabled: Bool = true, minForm: Int = 2, months: Int = 24) {
        self.code = code
        self.kind = kind
        self.conclusion = conclusion
        self.enabled = enabled
        self.minForm = minForm
        self.months = months
    }

    /// What the rule is set to, for people.
    public var condition: String {
        switch kind {
        case .openCase: "a case about the subject is still open"
        case .disposition: "a disposition of form \(minForm) or heavier within \(months) months"
        case .redLineVeto: "a red-line veto within \(months) months"
        case .gradePoor: "a poor grade within \(months) months"
        }
    }

    var canonicalLine: String {
        "opinion \(code) \(kind.rawValue) conclusion=\(conclusion.rawValue) enabled=\(enabled) minForm=\(minForm) months=\(months)"
    }

    func problems(_ path: String) -> [SchemeError] {
        var found: [SchemeError] = []
        if code.isEmpty { found.append(SchemeError(field: "\(path).code", reason: "is required")) }
        if conclusion == .noObjection { found.append(SchemeError(field: "\(path).conclusion", reason: "must be defer or objection")) }
        if !(1...4).contains(minForm) { found.append(SchemeError(field: "\(path).minForm", reason: "must be between 1 and 4")) }
        if !(1...120).contains(months) { found.append(SchemeError(field: "\(path).months", reason: "must be between 1 and 120")) }
        return found
    }
}

/// The grade an appraisal may show once dispositions have capped it (绩效考核).
public enum AppraisalCap {
    /// A disposition as the cap reads it: its form and its day.
    public struct Disposition: Sendable, Hashable {
        public var form: Int
        public var day: Day

        public init(form: Int, day: Day) {
            self.form = form
            self.day = day
        }
    }

    /// The strictest cap that holds on `end` (a period's last day): a disposition caps from
    /// its day until `capMonths` months after it (exclusive), as its form's rule says.
    /// Returns the cap and the index of the disposition that set it (the earliest among
    /// equally strict ones); nil when none holds.
    public static func cap(on end: Day, dispositions: [Disposition], rules: [DispositionRule]) -> (grade: Grade, index: Int)? {
        var best: (grade: Grade, index: Int)?
        for (i, d) in dispositions.enumerated() {
            guard let rule = rules.first(where: { $0.form == d.form }), let grade = rule.appraisalCap,
                  d.day <= end, end < d.day.addingMonths(rule.capMonths) else { continue }
            if best == nil || grade < best!.grade { best = (grade, i) }
        }
        return best
    }

    /// `grade` lowered to `cap` (the worse of the two); nil (no data) stays nil.
    public static func capped(_ grade: Grade?, by cap: Grade?) -> Grade? {
        guard let grade else { return nil }
        guard let cap else { return grade }
        return min(grade, cap)
    }
}

/// What the opinion rules read of a subject's record (from a frozen dossier).
public struct OpinionFacts: Sendable, Hashable {
    /// A dated fact and how people name it (`C-2026-0007`, `2026Q3`).
    public struct Dated: Sendable, Hashable {
        public var day: Day
        public var reference: String

        public init(day: Day, reference: String) {
            self.day = day
            self.reference = reference
        }
    }

    /// Cases not closed or dismissed, by number.
    public var openCases: [String]
    /// Dispositions with their form, on their day.
    public var dispositions: [(form: Int, fact: Dated)]
    /// Published results with a red-line veto, on their period's last day.
    public var vetoes: [Dated]
    /// Published results graded poor, on their period's last day.
    public var poorGrades: [Dated]

    public init(openCases: [String] = [], dispositions: [(form: Int, fact: Dated)] = [], vetoes: [Dated] = [], poorGrades: [Dated] = []) {
        self.openCases = openCases
        self.dispositions = dispositions
        self.vetoes = vetoes
        self.poorGrades = poorGrades
    }

    public static func == (a: OpinionFacts, b: OpinionFacts) -> Bool {
        a.openCases == b.openCases && a.vetoes == b.vetoes && a.poorGrades == b.poorGrades
            && a.dispositions.map(\.form) == b.dispositions.map(\.form) && a.dispositions.map(\.fact) == b.dispositions.map(\.fact)
    }

    public func hash(into h: inout Hasher) {
        h.combine(openCases)
        h.combine(vetoes)
        h.combine(poorGrades)
        for d in dispositions { h.combine(d.form); h.combine(d.fact) }
    }
}

/// The conclusion the opinion rules propose, and each rule that matched with the fact it
/// matched (what the reviewing inspector reads).
public struct OpinionProposal: Sendable, Hashable {
    public struct Reason: Sendable, Hashable {
        public var rule: String
        public var conclusion: OpinionConclusion
        /// E.g. `C-2026-0007 is still open`, `second form on 2026-05-01 (C-2026-0003)`.
        public var fact: String
    }

    public var conclusion: OpinionConclusion
    public var reasons: [Reason]

    /// The heaviest conclusion of the enabled rules that match on `today`; no objection
    /// when none does. A rule that reads back `months` counts facts on or after the day
    /// `months` months before `today`.
    public static func propose(_ rules: [OpinionRule], facts: OpinionFacts, on today: Day) -> OpinionProposal {
        var reasons: [Reason] = []
        for rule in rules where rule.enabled {
            let since = today.addingMonths(-rule.months)
            func recent(_ f: OpinionFacts.Dated) -> Bool { f.day >= since && f.day <= today }
            switch rule.kind {
            case .openCase:
                reasons += facts.openCases.map { Reason(rule: rule.code, conclusion: rule.conclusion, fact: "问题 \($0) 尚未办结 (case \($0) is still open)") }
            case .disposition:
                reasons += facts.dispositions.filter { $0.form >= rule.minForm && recent($0.fact) }.map {
                    Reason(rule: rule.code, conclusion: rule.conclusion,
                           fact: "\($0.fact.day) 受到第\($0.form)种形态处置，\($0.fact.reference) (form \($0.form) disposition on \($0.fact.day))")
                }
            case .redLineVeto:
                reasons += facts.vetoes.filter(recent).map {
                    Reason(rule: rule.code, conclusion: rule.conclusion, fact: "\($0.reference) 评价触及红线 (red-line veto in \($0.reference))")
                }
            case .gradePoor:
                reasons += facts.poorGrades.filter(recent).map {
                    Reason(rule: rule.code, conclusion: rule.conclusion, fact: "\($0.reference) 评价等级为较差 (graded poor in \($0.reference))")
                }
            }
        }
        return OpinionProposal(conclusion: reasons.map(\.conclusion).max() ?? .noObjection, reasons: reasons)
    }
}
