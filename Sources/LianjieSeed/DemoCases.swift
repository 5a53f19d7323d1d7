import LianjieMessages
import LianjieResultUse
import LianjieSecurity
import LianjieServiceKit
import LianjieStore

/// The demo's cases (问题处置), played through the real life cycle: one closed after the
/// whole loop, one in rectification about the demo employee with a talk to acknowledge,
/// one overdue (the server's first check raises its alert and escalates it), one opened
/// from an alert and not yet assigned, one disposed under the second form, and one in the
/// second district dismissed as unfounded; then HR's integrity opinions: one signed twice,
/// one still waiting for its review.
enum DemoCases {
    static let day: Int64 = 86_400

    static func seed(store: any Store, audit: AuditLog, clock: any ServiceClock) throws {
        let now = clock.now()
        func date(_ daysFromNow: Int64) -> String { CalendarDays.today(now + daysFromNow * day) }
        func at(_ daysFromNow: Int64) -> Int64 { now + daysFromNow * day }
        let pdf = Array("%PDF-1.4\n% Lianjie demo: 问题办结材料\n%%EOF\n".utf8)
        let hash = Digest.hex(Digest.sha256(pdf))
        try store.blobs.writeUpload(id: "demo_case_closing", offset: 0, pdf)
        try store.blobs.commitUpload(id: "demo_case_closing", sha256: hash)

        let schemes = PublishedSchemes()
        try store.write { tx in
            var ids: [String: String] = [:]
            for name in ["inspector", "inspector-b", "inspector2", "head", "head2", "manager", "hr"] { ids[name] = try tx.account(username: name)?.id ?? "" }
            func actor(_ name: String) -> CaseLifecycle.Actor { .init(accountID: ids[name]!, isHead: name.hasPrefix("head")) }
            func draft(_ employeeNumber: String, source: CaseSource, summary: String, openedDaysAgo days: Int64) throws -> CaseRecord? {
                guard let s = try tx.subject(employeeNumber: employeeNumber), let o = try tx.organization(id: s.organizationID) else { return nil }
                var d = CaseRecord()
                d.id = Identifiers.new(prefix: "case")
                d.number = try tx.nextCaseNumber(year: Int(date(-days).prefix(4)) ?? 1970)
                d.subjectID = s.id
                d.subjectName = s.name
                d.organizationID = o.id
                d.organizationPath = o.path
                d.source = source.rawValue
                d.summary = summary
                return d
            }
            func audited(_ c: CaseRecord) throws {
                try audit.append(tx, time: clock.nowNanos(), accountID: "", method: "demo-seed",
                                 target: AuditLog.Target(type: "case", id: c.id, organizationID: c.organizationID, organizationPath: c.organizationPath),
                                 peer: "local", outcome: "OK")
            }
            func firstForm(_ measure: FirstFormMeasure, on daysFromNow: Int64, by names: String, notes: String) -> DispositionRecord {
                var d = DispositionRecord()
                d.form = DispositionForm.first.rawValue
                d.measure = measure.rawValue
                d.date = date(daysFromNow)
                d.talkedBy = names
                d.notes = notes
                return d
            }

            // Closed after the whole loop.
            if let d = try draft("HV0005", source: .report, summary: "群众来信反映其办理业扩报装时暗示客户选择指定施工单位", openedDaysAgo: 70) {
                let evidence = EvidenceRecord(id: Identifiers.new(prefix: "evi"), sha256: hash, fileName: "办结报告.pdf", contentType: "application/pdf",
                                              size: Int64(pdf.count), uploadedBy: ids["inspector"]!, createTime: at(-45))
                try tx.createEvidence(evidence)
                let c = try CaseReplay.play(d, openedBy: actor("inspector"), at: at(-70), moves: [
                    .init(.assign(handlerID: ids["inspector"]!, dueDate: date(-35), note: ""), by: actor("head"), at: at(-69)),
                    .init(.dispose(firstForm(.talkReminder, on: -60, by: "王纪检、钱书记", notes: "本人对暗示行为作了说明，认识到问题")),
                          by: actor("inspector"), at: at(-60)),
                    .init(.startRectification(deadline: date(-50), requirements: "书面说明情况；一年内不参与该客户后续工单"), by: actor("inspector"), at: at(-60)),
                    .init(.reportRectification(report: "已提交书面说明，相关工单已转由他人办理"), by: actor("manager"), at: at(-52)),
                    .init(.verify(note: "经核查，工单已转办，整改到位"), by: actor("inspector-b"), at: at(-48)),
                    .init(.close(conclusion: "反映问题部分属实，已谈话提醒并整改到位，予以办结", evidenceIDs: [evidence.id]), by: actor("inspector"), at: at(-45)),
                ], schemes: schemes, tx)
                try audited(c)
            }

            // In rectification, about the demo employee, with a talk to acknowledge.
            if let d = try draft("HV0001", source: .inspection, summary: "监督检查发现其未按规定报告配偶在客户单位任职的情况", openedDaysAgo: 20) {
                var talk = TalkRecord()
                talk.id = Identifiers.new(prefix: "talk")
                talk.kind = TalkKind.talk.rawValue
                talk.heldOn = date(-12)
                talk.heldBy = "王纪检"
                talk.content = "就未按规定报告亲属在客户单位任职一事进行谈话提醒：请于十日内补报有关事项，今后如实报告个人有关事项。"
                talk.recordedBy = ids["inspector"]!
                talk.recordTime = at(-12)
                try audited(try CaseReplay.play(d, openedBy: actor("inspector"), at: at(-20), moves: [
                    .init(.assign(handlerID: ids["inspector"]!, dueDate: date(25), note: ""), by: actor("inspector"), at: at(-20)),
                    .init(.dispose(firstForm(.talkReminder, on: -12, by: "王纪检", notes: "本人承认未及时报告，已补报")), by: actor("inspector"), at: at(-12)),
                    .talk(talk, by: actor("inspector"), at: at(-12)),
                    .init(.startRectification(deadline: date(10), requirements: "补报个人有关事项；退出涉及该客户的工单办理"), by: actor("inspector"), at: at(-12)),
                ], schemes: schemes, tx))
            }

            // Overdue: due five days ago (the server's first check raises its alert and escalates it).
            if let d = try draft("HV0007", source: .report, summary: "举报其在业扩报装验收环节拖延办理、吃拿卡要", openedDaysAgo: 30) {
                try audited(try CaseReplay.play(d, openedBy: actor("inspector"), at: at(-30), moves: [
                    .init(.assign(handlerID: ids["inspector-b"]!, dueDate: date(-5), note: ""), by: actor("head"), at: at(-29)),
                ], schemes: schemes, tx))
            }

            // Opened from an alert the history raised, not yet assigned.
            let alerts = try tx.alerts(AlertFilter(), page: Page(after: nil, limit: 200))
            let east = try districtPath(tx, ids["inspector"]!)
            if let alert = alerts.first(where: { $0.state == AlertState.open.rawValue && $0.caseID.isEmpty && $0.organizationPath.hasPrefix(east) }),
               let s = try tx.subject(id: alert.subjectID), var d = try draft(s.employeeNumber, source: .alert, summary: "预警转问题线索：\(alert.summary)", openedDaysAgo: 2) {
                d.alertID = alert.id
                d.entryIDs = alert.entryIDs
                var linked = alert
                linked.state = AlertState.markedForCase.rawValue
                linked.caseID = d.id
                try tx.updateAlert(linked, event: AlertEventRecord(alertID: alert.id, time: at(-2), accountID: ids["inspector"]!, action: "case_opened", note: d.id))
                try audited(try CaseReplay.play(d, openedBy: actor("inspector"), at: at(-2), moves: [], schemes: schemes, tx))
            }

            // Disposed under the second form.
            if let d = try draft("HV0012", source: .audit, summary: "专项审计发现其违规为关联企业办理业扩手续", openedDaysAgo: 50) {
                var second = DispositionRecord()
                second.form = DispositionForm.second.rawValue
                second.date = date(-10)
                second.documentNumber = "城东纪发〔2026〕5号"
                second.notes = "给予党内警告处分"
                try audited(try CaseReplay.play(d, openedBy: actor("inspector"), at: at(-50), moves: [
                    .init(.assign(handlerID: ids["inspector"]!, dueDate: date(20), note: ""), by: actor("head"), at: at(-49)),
                    .init(.dispose(second), by: actor("head"), at: at(-10)),
                ], schemes: schemes, tx))
            }

            // The second district: dismissed as unfounded.
            if let d = try draft("HV0019", source: .report, summary: "匿名反映其与客户存在不正当经济往来", openedDaysAgo: 40) {
                try audited(try CaseReplay.play(d, openedBy: actor("inspector2"), at: at(-40), moves: [
                    .init(.assign(handlerID: ids["inspector2"]!, dueDate: date(-10), note: ""), by: actor("head2"), at: at(-40)),
                    .init(.dismiss(reason: "经调取银行流水和约谈核实，反映问题不属实"), by: actor("head2"), at: at(-25)),
                ], schemes: schemes, tx))
            }

            // HR's opinions: one for a promotion, signed twice a week ago; one for an award, waiting.
            if let promoted = try tx.subject(employeeNumber: "HV0004"), let awarded = try tx.subject(employeeNumber: "HV0006") {
                let signed = try OpinionReplay.request([promoted.id], purpose: .promotion, note: "拟任高压业扩班副班长", due: date(-3), by: ids["hr"]!,
                                                       at: at(-9), schemes: schemes, tx)
                for id in signed { try OpinionReplay.sign(id, reviewer: ids["inspector"]!, signer: ids["head"]!, at: at(-7), tx) }
                try OpinionReplay.request([awarded.id], purpose: .award, note: "年度先进个人评选", due: date(12), by: ids["hr"]!, at: at(-1),
                                          schemes: schemes, tx)
            }
        }
    }

    /// The path of the organisation of `accountID`'s first grant ("" for none).
    static func districtPath(_ tx: any StoreWriter, _ accountID: String) throws -> String {
        guard let grant = try tx.account(id: accountID)?.grants.first, let org = try tx.organization(id: grant.organizationID) else { return "\u{0}" }
        return org.path
    }
}
