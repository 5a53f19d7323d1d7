public import LianjieMessages
import LianjieScoring
import LianjieScoringMessages
public import LianjieStore

/// Stored records as their messages, where more than one service shows them: a subject and
/// its placements (users, result use's dossier), an entry (data entry, the dossier), an
/// alert (evaluation, the dossier).
public enum RecordMessages {
    /// A subject record as it is shown.
    public static func subject(_ s: SubjectRecord) -> Subject {
        Subject(id: s.id, employeeNumber: s.employeeNumber, name: s.name, organizationId: s.organizationID,
                categoryId: s.categoryID, postId: s.postID, positionLevel: PositionLevel(rawValue: s.positionLevel),
                status: SubjectStatus(rawValue: s.status), accountId: s.accountID, postEntryDate: CalendarDays.date(s.postEntryDate),
                createTime: Time(seconds: s.createTime), updateTime: Time(seconds: s.updateTime), etag: String(s.version))
    }

    /// One placement of a subject.
    public static func placement(_ p: PlacementRecord) -> Placement {
        Placement(organizationId: p.organizationID, fromDate: CalendarDays.date(p.fromDate), toDate: CalendarDays.date(p.toDate),
                  reason: p.reason, changedBy: p.changedBy)
    }

    /// An entry as its reader sees it: without who recorded, reviewed or decided it in an
    /// employee's own view (`selfView`), and with its history when given.
    public static func entry(_ e: EntryRecord, subject: SubjectRecord, evidence: [EvidenceRecord], history: [EntryEventRecord]?,
                             selfView: Bool) -> Entry {
        var m = Entry()
        m.id = e.id
        m.subjectId = e.subjectID
        m.subjectEmployeeNumber = subject.employeeNumber
        m.subjectName = subject.name
        m.tag = "\(e.tagLibrary)@\(e.tagVersion)/\(e.tagCode)"
        m.tagName = e.tagName
        m.dimension = LianjieScoring.Dimension(rawValue: e.dimension).map { LianjieMessages.Dimension($0) } ?? .unspecified
        m.polarity = LianjieScoring.Polarity(rawValue: e.polarity).map { LianjieMessages.Polarity($0) } ?? .unspecified
        m.occurredOn = CalendarDays.date(e.occurredOn)
        m.quantity = Exact(hundredths: e.quantity).description
        m.description = e.description
        m.workOrderNumbers = e.workOrders
        m.evidence = evidence.map { EvidenceRef(id: $0.id, fileName: $0.fileName, contentType: $0.contentType, size: $0.size, sha256: $0.sha256) }
        m.source = EntrySource(rawValue: e.source)
        m.status = EntryStatus(rawValue: e.status)
        m.recordTime = CalendarDays.time(e.recordTime)
        m.reviewTime = CalendarDays.time(e.reviewTime)
        m.statusReason = e.statusReason
        m.schemeVersion = Int32(e.schemeVersion)
        m.rule = e.rule
        m.etag = String(e.version)
        if !selfView {
            m.recordedBy = e.recordedBy
            m.reviewedBy = e.reviewedBy
        }
        if let a = e.appeal {
            m.appeal = Appeal(state: AppealState(rawValue: a.state), statement: a.statement, fileTime: CalendarDays.time(a.fileTime),
                              decidedBy: selfView ? "" : a.decidedBy, decideTime: CalendarDays.time(a.decideTime),
                              decisionReason: a.decisionReason)
        }
        if let history {
            m.history = history.map {
                EntryEvent(time: CalendarDays.time($0.time), accountId: selfView && $0.accountID != subject.accountID ? "" : $0.accountID,
                           action: $0.action, status: EntryStatus(rawValue: $0.status), reason: $0.reason)
            }
        }
        return m
    }

    /// An alert with the events given (none in listings).
    public static func alert(_ a: AlertRecord, events: [AlertEventRecord]) -> Alert {
        var m = Alert()
        m.id = a.id
        m.rule = a.rule
        m.kind = a.kind
        m.condition = a.condition
        m.severity = AlertSeverity(rawValue: a.severity)
        m.subjectId = a.subjectID
        m.subjectName = a.subjectName
        m.organizationId = a.organizationID
        m.period = LianjieMessages.Period(kind: PeriodKind(rawValue: a.period.kind), year: a.period.year, index: a.period.index)
        m.state = AlertState(rawValue: a.state)
        m.summary = a.summary
        m.entryIds = a.entryIDs
        m.workOrders = a.workOrders
        m.runId = a.runID
        m.schemeVersion = Int32(a.schemeVersion)
        m.raiseTime = CalendarDays.time(a.raiseTime)
        m.caseId = a.caseID
        m.events = events.map { AlertEvent(time: CalendarDays.time($0.time), accountId: $0.accountID, action: $0.action, note: $0.note) }
        return m
    }
}
