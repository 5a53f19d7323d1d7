/// A rule that raises an alert (分析研判提醒) about a subject, configured and versioned with
/// the scheme. The evaluation service applies them: the score rules when a run is made, the
/// entry rules when an entry is confirmed or derived, the case rule when a case falls overdue. A rule raises at most one alert per
/// subject and period, however often it matches.
public struct AlertRule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The total is under `threshold`.
        case scoreBelow
        /// The grade is poor (a red-line veto included).
        case gradePoor
        /// The total fell by at least `points` from the subject's previous published period.
        case scoreDrop
        /// At least `count` confirmed debit entries happened within `days` days.
        case debitBurst
        /// An entry of a tag marked `immediateAlert` was confirmed (raised at once, not at the
        /// next run).
        case immediateTag
        /// A work-order rule derived an entry about the subject.
        case workOrderHit
        /// A case about the subject is past its due date, or past its rectification deadline
        /// without a report (raised by result use's daily check, once per case and deadline).
        case caseOverdue

        /// Whether the rule reads a run's results (the others read entries as they change).
        public var readsScores: Bool { self == .scoreBelow || self == .gradePoor || self == .scoreDrop }
    }

    public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
        case low, medium, high

        public static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// Unique in the scheme, e.g. `LOW_SCORE`.
    public var code: String
    public var kind: Kind
    public var severity: Severity
    public var enabled: Bool
    /// scoreBelow: the total under which the rule matches.
    public var threshold: Exact
    /// scoreDrop: the fall in the total that matches.
    public var points: Exact
    /// debitBurst: how many debit entries.
    public var count: Int
    /// debitBurst: within how many days (the first to the last).
    public var days: Int

    public init(code: String, kind: Kind, severity: Severity = .medium, enabled: Bool = true, threshold: Exact = Exact(70),
                points: Exact = Exact(10), count: Int = 3, days: Int = 30) {
        self.code = code
        self.kind = kind
        self.severity = severity
        self.enabled = enabled
        self.threshold = threshold
        self.points = points
        self.count = count
        self.days = days
    }

    /// One line of the scheme's canonical text.
    var canonicalLine: String {
        "alert \(code) \(kind.rawValue) severity=\(severity.rawValue) enabled=\(enabled) threshold=\(threshold) points=\(points) "
            + "count=\(count) days=\(days)"
    }

    /// What the rule is set to, for people: `total < 70`, `3 debits within 30 days`.
    public var condition: String {
        switch kind {
        case .scoreBelow: "total < \(threshold)"
        case .gradePoor: "grade poor (a red-line veto included)"
        case .scoreDrop: "total fell by ≥ \(points) from the previous period"
        case .debitBurst: "≥ \(count) confirmed debit entries within \(days) days"
        case .immediateTag: "an entry of an immediate-alert tag was confirmed"
        case .workOrderHit: "a work-order rule derived an entry"
        case .caseOverdue: "a case is past its due date or rectification deadline"
        }
    }

    /// Every rule an alert rule breaks, with `path` as the prefix of each field.
    func problems(_ path: String) -> [SchemeError] {
        var found: [SchemeError] = []
        func fail(_ field: String, _ reason: String) { found.append(SchemeError(field: "\(path).\(field)", reason: reason)) }
        if code.isEmpty { fail("code", "is required") }
        if threshold.hundredths == nil || threshold < Exact(0) || threshold > Exact(1000) {
            fail("threshold", "must be between 0 and 1000 with at most two decimals")
        }
        if points.hundredths == nil || points <= Exact(0) || points > Exact(1000) {
            fail("points", "must be above 0 and at most 1000 with at most two decimals")
        }
        if !(2...1000).contains(count) { fail("count", "must be between 2 and 1000") }
        if !(1...366).contains(days) { fail("days", "must be between 1 and 366") }
        return found
    }
}
