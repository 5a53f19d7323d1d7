import LianjieMessages
import LianjieServiceKit
import LianjieStore

/// Stored cases and talks as their messages.
enum CaseMessages {
    static func message(_ c: CaseRecord, events: [CaseEventRecord] = [], talks: [TalkRecord] = [], today: String) -> Case {
        var m = Case()
        m.id = c.id
        m.number = c.number
        m.subjectId = c.subjectID
        m.subjectName = c.subjectName
        m.organizationId = c.organizationID
        m.source = CaseSource(rawValue: c.source)
        m.summary = c.summary
        m.alertId = c.alertID
        m.entryIds = c.entryIDs
        m.evidenceIds = c.evidenceIDs
        m.state = CaseState(rawValue: c.state)
        m.handlerId = c.handlerID
        m.dueDate = CalendarDays.date(c.dueDate)
        if c.disposition.form != 0 {
            let d = c.disposition
            m.disposition = Disposition(form: DispositionForm(rawValue: d.form), measure: FirstFormMeasure(rawValue: d.measure),
                                        date: CalendarDays.date(d.date), talkedBy: d.talkedBy, documentNumber: d.documentNumber,
                                        notes: d.notes, disposedBy: d.disposedBy, disposeTime: CalendarDays.time(d.disposeTime))
        }
        if !c.rectification.deadline.isEmpty {
            let r = c.rectification
            m.rectification = Rectification(deadline: CalendarDays.date(r.deadline), requirements: r.requirements, report: r.report,
                                            reportedBy: r.reportedBy, reportTime: CalendarDays.time(r.reportTime))
        }
        m.verifiedBy = c.verifiedBy
        m.verifyTime = CalendarDays.time(c.verifyTime)
        m.verificationNote = c.verificationNote
        m.conclusion = c.conclusion
        m.closingEvidenceIds = c.closingEvidenceIDs
        m.dismissalReason = c.dismissalReason
        m.overdue = CaseLifecycle(c, actor: .init(accountID: ""), time: 0).overdue(on: today) != nil
        m.escalations = Int32(clamping: c.escalations)
        m.openedBy = c.openedBy
        m.openTime = CalendarDays.time(c.openTime)
        m.updateTime = CalendarDays.time(c.updateTime)
        m.etag = String(c.version)
        m.events = events.map {
            CaseEvent(time: CalendarDays.time($0.time), accountId: $0.accountID, action: $0.action, fromState: CaseState(rawValue: $0.fromState),
                      toState: CaseState(rawValue: $0.toState), note: $0.note)
        }
        m.talks = talks.map(talk)
        m.derivedEntryId = c.derivedEntryID
        return m
    }

    static func talk(_ t: TalkRecord) -> Talk {
        Talk(id: t.id, caseId: t.caseID, subjectId: t.subjectID, kind: TalkKind(rawValue: t.kind), heldOn: CalendarDays.date(t.heldOn),
             heldBy: t.heldBy, content: t.content, recordedBy: t.recordedBy, recordTime: CalendarDays.time(t.recordTime),
             acknowledgeTime: CalendarDays.time(t.acknowledgeTime), caseNumber: t.caseNumber)
    }
}
