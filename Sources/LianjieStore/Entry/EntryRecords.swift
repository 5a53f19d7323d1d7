/// Data entry's rows: scheme versions and the draft, entries with their history and
/// appeal, evidence and unfinished uploads. Times are Unix seconds; days are `YYYY-MM-DD`.

/// A published scheme version: frozen for ever.
public struct SchemeVersionRecord: Sendable, Equatable {
    public var version: Int
    /// The label people know it by, e.g. `2026.1`.
    public var label: String
    /// The scheme in its JSON file form.
    public var document: String
    /// SHA-256 (hex) of the scheme's canonical text.
    public var hash: String
    public var note: String
    public var publishedBy: String
    public var publishTime: Int64
    public var tagCount: Int

    public init(version: Int, label: String, document: String, hash: String, note: String, publishedBy: String,
                publishTime: Int64, tagCount: Int) {
        self.version = version
        self.label = label
        self.document = document
        self.hash = hash
        self.note = note
        self.publishedBy = publishedBy
        self.publishTime = publishTime
        self.tagCount = tagCount
    }
}

/// The one draft scheme being edited.
public struct SchemeDraftRecord: Sendable, Equatable {
    public var document: String
    /// The published version it started from (0 before any).
    public var basedOn: Int
    public var changedBy: String
    public var changeTime: Int64
    /// Bumped by every save; the etag.
    public var version: Int64

    public init(document: String, basedOn: Int, changedBy: String, changeTime: Int64, version: Int64 = 1) {
        self.document = document
        self.basedOn = basedOn
        self.changedBy = changedBy
        self.changeTime = changeTime
        self.version = version
    }
}

/// The employee's appeal against an entry.
public struct AppealRecord: Sendable, Equatable {
    /// `AppealState` raw values: 1 pending, 2 upheld, 3 dismissed.
    public var state: Int32
    public var statement: String
    public var fileTime: Int64
    public var decidedBy: String
    public var decideTime: Int64
    public var decisionReason: String

    public init(state: Int32, statement: String, fileTime: Int64, decidedBy: String = "", decideTime: Int64 = 0,
                decisionReason: String = "") {
        self.state = state
        self.statement = statement
        self.fileTime = fileTime
        self.decidedBy = decidedBy
        self.decideTime = decideTime
        self.decisionReason = decisionReason
    }
}

public struct EntryRecord: Sendable, Equatable {
    public var id: String
    /// Insertion order, assigned by the store (0 before); the listing's keyset.
    public var seq: Int64
    public var subjectID: String
    public var tagLibrary: String
    public var tagVersion: Int
    public var tagCode: String
    public var tagName: String
    /// The scoring core's names: `behaviour`, `awareness`, `problems`.
    public var dimension: String
    /// `credit` or `debit`.
    public var polarity: String
    public var occurredOn: String
    /// Hundredths of a unit (100 = once).
    public var quantity: Int64
    public var description: String
    public var workOrders: [String]
    public var evidenceIDs: [String]
    /// `EntrySource` raw value.
    public var source: Int32
    /// `EntryStatus` raw value.
    public var status: Int32
    public var recordedBy: String
    public var recordTime: Int64
    public var reviewedBy: String
    public var reviewTime: Int64
    public var statusReason: String
    public var schemeVersion: Int
    /// The rule and its version that derived it (`stage-overdue@3`), else empty.
    public var rule: String
    /// What a rule's entry is about (rule, subject, orders, period): unique, so that running
    /// a rule again never records it twice. Empty for entries people record.
    public var ruleKey: String
    public var appeal: AppealRecord?
    /// Bumped by every change; the etag.
    public var version: Int64

    public init(id: String, seq: Int64 = 0, subjectID: String, tagLibrary: String, tagVersion: Int, tagCode: String,
                tagName: String, dimension: String, polarity: String, occurredOn: String, quantity: Int64,
                description: String, workOrders: [String] = [], evidenceIDs: [String] = [], source: Int32, status: Int32,
                recordedBy: String, recordTime: Int64, reviewedBy: String = "", reviewTime: Int64 = 0, statusReason: String = "",
                schemeVersion: Int, rule: String = "", ruleKey: String = "", appeal: AppealRecord? = nil, version: Int64 = 1) {
        self.id = id
        self.seq = seq
        self.subjectID = subjectID
        self.tagLibrary = tagLibrary
        self.tagVersion = tagVersion
        self.tagCode = tagCode
        self.tagName = tagName
        self.dimension = dimension
        self.polarity = polarity
        self.occurredOn = occurredOn
        self.quantity = quantity
        self.description = description
        self.workOrders = workOrders
        self.evidenceIDs = evidenceIDs
        self.source = source
        self.status = status
        self.recordedBy = recordedBy
        self.recordTime = recordTime
        self.reviewedBy = reviewedBy
        self.reviewTime = reviewTime
        self.statusReason = statusReason
        self.schemeVersion = schemeVersion
        self.rule = rule
        self.ruleKey = ruleKey
        self.appeal = appeal
        self.version = version
    }
}

/// One change of an entry's state.
public struct EntryEventRecord: Sendable, Equatable {
    public var entryID: String
    public var time: Int64
    public var accountID: String
    /// `submitted`, `confirmed`, `rejected`, `revoked`, `appealed`, `appeal_upheld`, `appeal_dismissed`.
    public var action: String
    /// The entry's status after the change.
    public var status: Int32
    public var reason: String

    public init(entryID: String, time: Int64, accountID: String, action: String, status: Int32, reason: String = "") {
        self.entryID = entryID
        self.time = time
        self.accountID = accountID
        self.action = action
        self.status = status
        self.reason = reason
    }
}

/// What an entry listing selects, within a scope of organisation subtrees (by the
/// subjects' current placement).
public struct EntryFilter: Sendable, Equatable {
    public var scope: ScopeFilter
    public var underPath: String?
    public var subjectID: String?
    /// Leaves out the entries about this subject (a staff member's own, seen only as an
    /// employee sees them).
    public var excludeSubjectID: String?
    public var tagLibrary: String?
    public var tagCode: String?
    public var dimension: String?
    /// Any of these `EntryStatus` raw values.
    public var statuses: [Int32]?
    public var source: Int32?
    /// Days it happened on, inclusive.
    public var fromDay: String?
    public var toDay: String?

    public init(scope: ScopeFilter, underPath: String? = nil, subjectID: String? = nil, tagLibrary: String? = nil,
                tagCode: String? = nil, dimension: String? = nil, statuses: [Int32]? = nil, source: Int32? = nil,
                fromDay: String? = nil, toDay: String? = nil) {
        self.scope = scope
        self.underPath = underPath
        self.subjectID = subjectID
        self.tagLibrary = tagLibrary
        self.tagCode = tagCode
        self.dimension = dimension
        self.statuses = statuses
        self.source = source
        self.fromDay = fromDay
        self.toDay = toDay
    }
}

/// A stored piece of evidence. Its content lives in the blob store under `sha256`.
public struct EvidenceRecord: Sendable, Equatable {
    public var id: String
    public var sha256: String
    public var fileName: String
    public var contentType: String
    public var size: Int64
    public var uploadedBy: String
    public var createTime: Int64

    public init(id: String, sha256: String, fileName: String, contentType: String, size: Int64, uploadedBy: String, createTime: Int64) {
        self.id = id
        self.sha256 = sha256
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.uploadedBy = uploadedBy
        self.createTime = createTime
    }
}

/// An upload under way: what the client announced and how much has arrived.
public struct UploadRecord: Sendable, Equatable {
    public var id: String
    public var accountID: String
    public var fileName: String
    public var contentType: String
    public var size: Int64
    /// The whole file's SHA-256 as the client announced it, hex.
    public var sha256: String
    /// Bytes received and durable so far: the next chunk's offset.
    public var received: Int64
    public var createTime: Int64
    /// When it is abandoned if unfinished.
    public var expireTime: Int64

    public init(id: String, accountID: String, fileName: String, contentType: String, size: Int64, sha256: String,
                received: Int64 = 0, createTime: Int64, expireTime: Int64) {
        self.id = id
        self.accountID = accountID
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.received = received
        self.createTime = createTime
        self.expireTime = expireTime
    }
}
