import LianjieScoring

/// Everything the statistics page (归总统计) of one organisation for one period shows.
///
/// Every figure that could describe fewer than five people is a `Cell`; whoever builds
/// the model decides which cells to suppress, and the page shows "<5" for them.
public struct OrganizationReport: Sendable, Hashable {
    /// The organisation's full name.
    public var organization: String
    /// The period's label, e.g. "2026-Q1".
    public var period: String
    /// The business category the figures are limited to; nil for every category.
    public var categoryFilter: String?
    /// Whether names are replaced by pseudonyms and small cells suppressed; the page says so.
    public var pseudonymised: Bool
    /// When the report was made, as text to print.
    public var generatedAt: String
    public var keyFigures: KeyFigures
    public var grades: GradeCounts
    /// One row per child organisation (district bureau, department or team).
    public var children: [ChildOrganizationRow]
    /// The debit tags with the most counted entries, most first.
    public var topDebitTags: [TagFrequency]
    /// Entries recorded in the period, by where they came from.
    public var entriesBySource: [EntrySourceRow]
    public var alerts: AlertFigures
    /// The closed loop of cases (问题处置闭环).
    public var cases: CaseLoopFigures
    /// Subjects by rank (names or pseudonyms, as `pseudonymised` says).
    public var ranking: [RankingRow]
    public var provenance: ReportProvenance

    public init(organization: String, period: String, categoryFilter: String? = nil, pseudonymised: Bool, generatedAt: String,
                keyFigures: KeyFigures, grades: GradeCounts, children: [ChildOrganizationRow] = [],
                topDebitTags: [TagFrequency] = [], entriesBySource: [EntrySourceRow] = [], alerts: AlertFigures,
                cases: CaseLoopFigures = CaseLoopFigures(), ranking: [RankingRow] = [], provenance: ReportProvenance) {
        self.cases = cases
        self.organization = organization
        self.period = period
        self.categoryFilter = categoryFilter
        self.pseudonymised = pseudonymised
        self.generatedAt = generatedAt
        self.keyFigures = keyFigures
        self.grades = grades
        self.children = children
        self.topDebitTags = topDebitTags
        self.entriesBySource = entriesBySource
        self.alerts = alerts
        self.ranking = ranking
        self.provenance = provenance
    }
}

/// The headline figures of an organisation's period.
public struct KeyFigures: Sendable, Hashable {
    /// Subjects evaluated.
    public var subjects: Cell<Int>
    /// Person-times (人次) of evaluation.
    public var personTimes: Cell<Int>
    /// Subjects with no data in the period (not scored).
    public var noData: Cell<Int>
    public var mean: Cell<Exact>
    public var median: Cell<Exact>

    public init(subjects: Cell<Int>, personTimes: Cell<Int>, noData: Cell<Int> = .value(0), mean: Cell<Exact>,
                median: Cell<Exact>) {
        self.subjects = subjects
        self.personTimes = personTimes
        self.noData = noData
        self.mean = mean
        self.median = median
    }
}

/// How many subjects earned each grade.
public struct GradeCounts: Sendable, Hashable {
    public var excellent: Cell<Int>
    public var good: Cell<Int>
    public var fair: Cell<Int>
    public var poor: Cell<Int>

    public init(excellent: Cell<Int>, good: Cell<Int>, fair: Cell<Int>, poor: Cell<Int>) {
        self.excellent = excellent
        self.good = good
        self.fair = fair
        self.poor = poor
    }

    public subscript(grade: Grade) -> Cell<Int> {
        switch grade {
        case .excellent: return excellent
        case .good: return good
        case .fair: return fair
        case .poor: return poor
        }
    }
}

/// One child organisation's figures.
public struct ChildOrganizationRow: Sendable, Hashable {
    public var name: String
    public var subjects: Cell<Int>
    public var mean: Cell<Exact>
    public var median: Cell<Exact>
    public var grades: GradeCounts
    public var alertsRaised: Cell<Int>
    public var alertsHandled: Cell<Int>

    public init(name: String, subjects: Cell<Int>, mean: Cell<Exact>, median: Cell<Exact>, grades: GradeCounts,
                alertsRaised: Cell<Int>, alertsHandled: Cell<Int>) {
        self.name = name
        self.subjects = subjects
        self.mean = mean
        self.median = median
        self.grades = grades
        self.alertsRaised = alertsRaised
        self.alertsHandled = alertsHandled
    }
}

/// How often a tag was recorded.
public struct TagFrequency: Sendable, Hashable {
    public var tagName: String
    public var tagCode: String
    public var dimension: Dimension
    /// Counted entries.
    public var entries: Cell<Int>
    /// Distinct subjects with at least one.
    public var subjects: Cell<Int>

    public init(tagName: String, tagCode: String, dimension: Dimension, entries: Cell<Int>, subjects: Cell<Int>) {
        self.tagName = tagName
        self.tagCode = tagCode
        self.dimension = dimension
        self.entries = entries
        self.subjects = subjects
    }
}

/// Where an entry came from.
public enum ReportEntrySource: String, Sendable, Hashable, CaseIterable {
    /// 电脑填报: recorded on a PC.
    case pc
    /// 移动端填报: recorded on a phone.
    case mobile
    /// 批量导入
    case bulkImport
    /// 工单规则: derived by a work-order rule.
    case rule
    /// 系统接口: another corporate system.
    case api
}

/// Entries from one source, by review status.
public struct EntrySourceRow: Sendable, Hashable {
    public var source: ReportEntrySource
    /// Waiting for review.
    public var submitted: Cell<Int>
    public var confirmed: Cell<Int>
    public var rejected: Cell<Int>
    public var revoked: Cell<Int>

    public init(source: ReportEntrySource, submitted: Cell<Int>, confirmed: Cell<Int>, rejected: Cell<Int>, revoked: Cell<Int>) {
        self.source = source
        self.submitted = submitted
        self.confirmed = confirmed
        self.rejected = rejected
        self.revoked = revoked
    }

    /// The cell for `status`.
    public subscript(status: EntryStatus) -> Cell<Int> {
        switch status {
        case .submitted: return submitted
        case .confirmed: return confirmed
        case .rejected: return rejected
        case .revoked: return revoked
        }
    }
}

/// Alerts raised in the period and what became of them.
public struct AlertFigures: Sendable, Hashable {
    public var raised: Cell<Int>
    /// Acknowledged, dismissed or turned into a case.
    public var handled: Cell<Int>
    public var turnedIntoCases: Cell<Int>
    public var dismissed: Cell<Int>
    /// Still waiting for someone to look at them.
    public var open: Cell<Int>

    public init(raised: Cell<Int>, handled: Cell<Int>, turnedIntoCases: Cell<Int>, dismissed: Cell<Int>, open: Cell<Int>) {
        self.raised = raised
        self.handled = handled
        self.turnedIntoCases = turnedIntoCases
        self.dismissed = dismissed
        self.open = open
    }
}

/// Cases about the organisation's subjects over the period: opened, closed, dismissed and
/// disposed within it, overdue now, the share of its cases settled and the median days to
/// close (nil: nothing to show).
public struct CaseLoopFigures: Sendable, Hashable {
    public var opened: Cell<Int>
    public var closed: Cell<Int>
    public var dismissed: Cell<Int>
    public var overdue: Cell<Int>
    /// Percent.
    public var closureRate: Cell<Exact>?
    public var medianDaysToClose: Cell<Exact>?
    /// Under the first to the fourth form.
    public var dispositions: [Cell<Int>]

    public init(opened: Cell<Int> = .value(0), closed: Cell<Int> = .value(0), dismissed: Cell<Int> = .value(0), overdue: Cell<Int> = .value(0),
                closureRate: Cell<Exact>? = nil, medianDaysToClose: Cell<Exact>? = nil, dispositions: [Cell<Int>] = Array(repeating: .value(0), count: 4)) {
        self.opened = opened
        self.closed = closed
        self.dismissed = dismissed
        self.overdue = overdue
        self.closureRate = closureRate
        self.medianDaysToClose = medianDaysToClose
        self.dispositions = dispositions
    }
}

/// One line of a ranking.
public struct RankingRow: Sendable, Hashable {
    /// 1 for the highest total; equal totals share a rank. Nil for a subject with no data.
    public var rank: Int?
    /// The name, or a pseudonym (e.g. "人员-07") on a pseudonymised report.
    public var name: String
    public var organization: String
    public var category: String
    /// Nil with no data.
    public var total: Exact?
    public var grade: Grade?
    /// Whether a red line decided the grade.
    public var vetoed: Bool
    /// Total now minus total in the previous period; nil when either had no data.
    public var change: Exact?

    public init(rank: Int?, name: String, organization: String, category: String, total: Exact?, grade: Grade?,
                vetoed: Bool = false, change: Exact?) {
        self.rank = rank
        self.name = name
        self.organization = organization
        self.category = category
        self.total = total
        self.grade = grade
        self.vetoed = vetoed
        self.change = change
    }
}
