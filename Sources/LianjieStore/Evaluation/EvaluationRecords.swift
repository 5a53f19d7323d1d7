/// Evaluation analysis as stored: runs, their results, alerts and the notification outbox.
/// Every record starts empty (`init()`) and is filled field by field. Times are Unix
/// seconds; days are `YYYY-MM-DD`; decimals are exact decimal text.

/// A period as stored: the proto `PeriodKind` number, the year, the index (1 for a year).
public struct PeriodKey: Sendable, Hashable, Comparable {
    public var kind: Int32
    public var year: Int32
    public var index: Int32

    public init(kind: Int32, year: Int32, index: Int32) {
        self.kind = kind
        self.year = year
        self.index = index
    }

    public static func < (a: PeriodKey, b: PeriodKey) -> Bool { (a.kind, a.year, a.index) < (b.kind, b.year, b.index) }
}

public struct EvaluationRunRecord: Sendable, Equatable {
    public var id = ""
    /// Assigned by the store: orders runs by creation.
    public var seq: Int64 = 0
    public var period = PeriodKey(kind: 0, year: 0, index: 0)
    public var organizationID = ""
    /// The organisation's path when the run was made (what scopes the run).
    public var organizationPath = ""
    /// Sorted category codes; empty for all.
    public var categories: [String] = []
    public var schemeVersion = 0
    public var schemeHash = ""
    public var rulesHash = ""
    public var evaluationDate = ""
    /// The proto `RunState` number.
    public var state: Int32 = 0
    public var subjectsTotal = 0
    public var subjectsDone = 0
    public var phase = ""
    /// When the process running it last said it was alive.
    public var heartbeat: Int64 = 0
    /// Results by grade: excellent, good, fair, poor, no data.
    public var grades: [Int] = [0, 0, 0, 0, 0]
    public var personTimes = 0
    public var inputsSHA256 = ""
    public var resultsSHA256 = ""
    public var createdBy = ""
    public var createTime: Int64 = 0
    public var finishTime: Int64 = 0
    public var publishedBy = ""
    public var publishTime: Int64 = 0
    public var publishNote = ""
    public var isCurrent = false
    public var supersededBy = ""
    public var supersedeTime: Int64 = 0
    public var supersedeReason = ""
    public var supersedes = ""
    public var endReason = ""
    public var alertsRaised = 0
    public var version: Int64 = 0

    public init() {}

    /// What one current run is kept per: the organisation and the categories.
    public var scopeKey: String { organizationID + "|" + categories.joined(separator: ",") }
}

/// One subject's result in a run.
public struct EvaluationResultRecord: Sendable, Equatable {
    public var runID = ""
    public var subjectID = ""
    public var employeeNumber = ""
    public var subjectName = ""
    public var organizationID = ""
    public var organizationPath = ""
    public var categoryCode = ""
    public var postCode = ""
    /// Hundredths.
    public var postCoefficient: Int64 = 100
    public var noData = false
    /// Exact decimal text; empty when `noData`.
    public var total = ""
    /// `total` in 10⁻¹² units clamped to 64 bits, for ordering.
    public var totalUnits: Int64 = 0
    /// The proto `Grade` number; 0 when `noData`.
    public var grade: Int32 = 0
    /// The seqs of the red-line entries that counted.
    public var vetoEntries: [Int64] = []
    /// Per dimension (behaviour, awareness, problems): base, entries, adjustment, score,
    /// weight, weighted, as decimal text; empty when `noData`.
    public var dimensions: [[String]] = []
    public var countedEntries = 0
    public var organizationRank = 0
    public var organizationPeers = 0
    /// Hundredths of a percent.
    public var organizationPercentile: Int64 = 0
    public var categoryRank = 0
    public var categoryPeers = 0
    public var categoryPercentile: Int64 = 0
    public var previousRunID = ""
    public var previousTotal = ""
    public var previousGrade: Int32 = 0
    /// The seqs of the confirmed entries the subject was scored from.
    public var inputs: [Int64] = []
    public var resultSHA256 = ""

    public init() {}
}

/// Which results a listing returns.
public struct EvaluationResultFilter: Sendable, Equatable {
    public var scope: ScopeFilter = .everything
    /// Only results placed under this path.
    public var underPath: String?
    public var grade: Int32?
    /// Leaves out this subject's result (staff do not read their own).
    public var excludeSubjectID: String?
    /// Highest total first (no-data last) instead of by employee number.
    public var byTotal = false

    public init() {}
}

/// Which runs a listing returns.
public struct EvaluationRunFilter: Sendable, Equatable {
    public var scope: ScopeFilter = .everything
    public var underPath: String?
    public var period: PeriodKey?
    public var state: Int32?
    public var currentOnly = false

    public init() {}
}

/// A subject as an evaluation sees it on one day.
public struct EvaluationSubjectRow: Sendable, Equatable {
    public var subjectID = ""
    public var employeeNumber = ""
    public var name = ""
    public var organizationID = ""
    public var organizationPath = ""
    public var categoryCode = ""
    public var postCode = ""
    /// The post's own risk coefficient, decimal text.
    public var postCoefficient = ""

    public init() {}
}

/// A confirmed entry as scoring needs it.
public struct EvaluationEntryRow: Sendable, Equatable {
    public var seq: Int64 = 0
    public var id = ""
    public var subjectID = ""
    public var library = ""
    public var libraryVersion = 0
    public var code = ""
    public var tagName = ""
    /// `credit` or `debit`, as recorded.
    public var polarity = ""
    public var occurredOn = ""
    public var quantity: Int64 = 0

    public init() {}
}

/// A subject's result in a current published run, with the run's period.
public struct PublishedResultRow: Sendable, Equatable {
    public var period = PeriodKey(kind: 0, year: 0, index: 0)
    public var publishTime: Int64 = 0
    public var result = EvaluationResultRecord()

    public init() {}
}

public struct AlertRecord: Sendable, Equatable {
    public var id = ""
    public var seq: Int64 = 0
    /// The alert rule's code, its kind and its condition for people.
    public var rule = ""
    public var kind = ""
    public var condition = ""
    /// The proto `AlertSeverity` number.
    public var severity: Int32 = 0
    public var subjectID = ""
    public var subjectName = ""
    public var organizationID = ""
    public var organizationPath = ""
    public var period = PeriodKey(kind: 0, year: 0, index: 0)
    /// Rule, subject and period: an alert is raised once per key.
    public var dedupeKey = ""
    /// The proto `AlertState` number.
    public var state: Int32 = 0
    public var summary = ""
    public var entryIDs: [String] = []
    public var workOrders: [String] = []
    public var runID = ""
    public var schemeVersion = 0
    public var raiseTime: Int64 = 0
    /// The case opened from it ("" for none).
    public var caseID = ""
    public var version: Int64 = 0

    public init() {}
}

public struct AlertEventRecord: Sendable, Equatable {
    public var alertID = ""
    public var time: Int64 = 0
    public var accountID = ""
    public var action = ""
    public var note = ""

    public init(alertID: String, time: Int64, accountID: String, action: String, note: String) {
        self.alertID = alertID
        self.time = time
        self.accountID = accountID
        self.action = action
        self.note = note
    }
}

public struct AlertFilter: Sendable, Equatable {
    public var scope: ScopeFilter = .everything
    public var underPath: String?
    public var subjectID: String?
    /// Leaves out alerts about this subject (staff do not read alerts about themselves).
    public var excludeSubjectID: String?
    public var state: Int32?
    public var period: PeriodKey?

    public init() {}
}

/// A message waiting for delivery (the mobile gateway drains the outbox at least once).
public struct NotificationRecord: Sendable, Equatable {
    public var seq: Int64 = 0
    /// The account to tell.
    public var recipient = ""
    /// `mobile`.
    public var channel = ""
    /// Delivery is deduplicated on this key (an alert and a recipient).
    public var dedupeKey = ""
    /// JSON the gateway renders; never an entry's content.
    public var payload = ""
    public var createTime: Int64 = 0
    public var deliveredTime: Int64 = 0
    /// Failed attempts so far.
    public var attempts = 0
    public var state = NotificationDelivery.pending
    /// When the next attempt may be made.
    public var nextAttemptTime: Int64 = 0
    /// Until when a drainer's claim holds.
    public var leaseUntil: Int64 = 0
    public var lastError = ""
    /// The recipient's username and messaging-platform user id (read with the row).
    public var recipientUsername = ""
    public var recipientPlatformUserID = ""

    public init() {}
}

/// Where a notification's delivery stands (`notification_outbox.state`).
public enum NotificationDelivery {
    public static let pending = 0
    public static let delivered = 1
    public static let dead = 2
}

/// A count under a key (a tag, a source, a status).
public struct KeyCount: Sendable, Equatable {
    public var key: String
    public var label: String
    public var count: Int
    /// How many subjects the rows were about (for tags).
    public var subjects: Int
    /// More about the key (a tag's dimension).
    public var detail: String

    public init(key: String, label: String, count: Int, subjects: Int = 0, detail: String = "") {
        self.key = key
        self.label = label
        self.count = count
        self.subjects = subjects
        self.detail = detail
    }
}

/// One confirmed entry as an evaluation reads it.
public struct ConfirmedEntryRow: Sendable {
    public var seq: Int64
    public var quantity: Int64
    /// Days since 1970-01-01 (`Day.ordinal`).
    public var day: Int32
    /// The tag's number (`ConfirmedEntryTag.id`).
    public var tag: Int64

    public init(seq: Int64, quantity: Int64, day: Int32, tag: Int64) {
        self.seq = seq
        self.quantity = quantity
        self.day = day
        self.tag = tag
    }
}

/// A tag as confirmed entries name it (library, version, code as recorded), numbered once.
public struct ConfirmedEntryTag: Sendable, Equatable {
    public var id: Int64
    public var library: String
    public var version: Int
    public var code: String

    public init(id: Int64, library: String, version: Int, code: String) {
        self.id = id
        self.library = library
        self.version = version
        self.code = code
    }
}
