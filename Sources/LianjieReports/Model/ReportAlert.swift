import LianjieScoring

/// An alert as a report lists it.
public struct ReportAlert: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        /// 提示
        case notice
        /// 警示
        case warning
        /// 严重
        case serious
    }

    public enum State: String, Sendable, Hashable, CaseIterable {
        /// 待处理: raised, nobody has looked at it yet.
        case open
        /// 已确认: acknowledged, being followed up.
        case acknowledged
        /// 已转案件: turned into a case.
        case caseOpened
        /// 已排除: dismissed with a reason.
        case dismissed
    }

    /// The rule's name, e.g. "总分低于阈值".
    public var rule: String
    public var severity: Severity
    public var state: State
    public var raisedOn: Day
    /// One sentence that is safe to show the report's readers.
    public var summary: String

    public init(rule: String, severity: Severity, state: State, raisedOn: Day, summary: String) {
        self.rule = rule
        self.severity = severity
        self.state = state
        self.raisedOn = raisedOn
        self.summary = summary
    }
}
