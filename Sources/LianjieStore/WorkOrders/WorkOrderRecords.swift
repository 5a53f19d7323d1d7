/// Business-expansion work orders as stored. Times are Unix seconds (0 = not set).

public struct WorkOrderStageRow: Sendable, Equatable, Hashable {
    /// `WorkOrderStage` raw value.
    public var stage: Int32
    /// The handler's employee number as sent, and the subject it named at import.
    public var handlerNumber: String
    public var handlerSubjectID: String
    public var startTime: Int64
    public var endTime: Int64
    public var limitDays: Int

    public init(stage: Int32, handlerNumber: String, handlerSubjectID: String, startTime: Int64, endTime: Int64, limitDays: Int) {
        self.stage = stage
        self.handlerNumber = handlerNumber
        self.handlerSubjectID = handlerSubjectID
        self.startTime = startTime
        self.endTime = endTime
        self.limitDays = limitDays
    }
}

public struct WorkOrderSuspensionRow: Sendable, Equatable, Hashable {
    public var startTime: Int64
    public var endTime: Int64
    public var reason: String

    public init(startTime: Int64, endTime: Int64, reason: String) {
        self.startTime = startTime
        self.endTime = endTime
        self.reason = reason
    }
}

public struct WorkOrderComplaintRow: Sendable, Equatable, Hashable {
    public var time: Int64
    public var summary: String

    public init(time: Int64, summary: String) {
        self.time = time
        self.summary = summary
    }
}

public struct WorkOrderRecord: Sendable, Equatable {
    public var number: String
    /// `WorkOrderType` raw value.
    public var type: Int32
    public var customerRef: String
    public var designFirm: String
    public var constructionFirm: String
    public var supplyFirm: String
    /// The acceptance handler's organisation at import: what scopes the order.
    public var organizationID: String
    /// The day the order was accepted (`YYYY-MM-DD`), for period filters.
    public var acceptedOn: String
    public var stages: [WorkOrderStageRow]
    public var suspensions: [WorkOrderSuspensionRow]
    public var complaints: [WorkOrderComplaintRow]
    /// SHA-256 of everything sent: an import of the same content changes nothing.
    public var contentHash: String
    public var updateTime: Int64
    public var importedBy: String

    public init(number: String, type: Int32, customerRef: String, designFirm: String, constructionFirm: String, supplyFirm: String,
                organizationID: String, acceptedOn: String, stages: [WorkOrderStageRow], suspensions: [WorkOrderSuspensionRow],
                complaints: [WorkOrderComplaintRow], contentHash: String, updateTime: Int64, importedBy: String) {
        self.number = number
        self.type = type
        self.customerRef = customerRef
        self.designFirm = designFirm
        self.constructionFirm = constructionFirm
        self.supplyFirm = supplyFirm
        self.organizationID = organizationID
        self.acceptedOn = acceptedOn
        self.stages = stages
        self.suspensions = suspensions
        self.complaints = complaints
        self.contentHash = contentHash
        self.updateTime = updateTime
        self.importedBy = importedBy
    }
}

/// What a work-order listing selects.
public struct WorkOrderFilter: Sendable, Equatable {
    public var scope: ScopeFilter
    public var underPath: String?
    /// Orders with a stage handled by this subject.
    public var handlerSubjectID: String?
    public var type: Int32?
    /// Accepted on these days, inclusive.
    public var fromDay: String?
    public var toDay: String?

    public init(scope: ScopeFilter, underPath: String? = nil, handlerSubjectID: String? = nil, type: Int32? = nil,
                fromDay: String? = nil, toDay: String? = nil) {
        self.scope = scope
        self.underPath = underPath
        self.handlerSubjectID = handlerSubjectID
        self.type = type
        self.fromDay = fromDay
        self.toDay = toDay
    }
}

/// What an import compares a row with: the stored order's content hash and where it belongs.
public struct StoredWorkOrder: Sendable, Equatable {
    public var contentHash: String
    public var organizationPath: String

    public init(contentHash: String, organizationPath: String) {
        self.contentHash = contentHash
        self.organizationPath = organizationPath
    }
}

/// What work orders read.
public protocol WorkOrderReader {
    func workOrder(number: String) throws -> WorkOrderRecord?
    /// By number; `page.after` is the last number seen.
    func workOrders(_ filter: WorkOrderFilter, page: Page) throws -> [WorkOrderRecord]
    func workOrderCount(_ filter: WorkOrderFilter) throws -> Int
    /// The stored content hash and organisation path of each of these numbers that exists.
    func storedWorkOrders(numbers: [String]) throws -> [String: StoredWorkOrder]
    /// The entries that cite this order.
    func entryIDs(workOrder: String) throws -> [String]
}

/// What work orders change.
public protocol WorkOrderWriter: WorkOrderReader {
    /// Creates or replaces the order with this number, stages and all.
    func upsertWorkOrder(_ order: WorkOrderRecord) throws
}
