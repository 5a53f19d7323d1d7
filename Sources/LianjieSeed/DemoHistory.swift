import Foundation
import LianjieEntry
import LianjieMessages
public import LianjieRPC
import LianjieScoring
import LianjieSecurity
public import LianjieServiceKit
public import LianjieStore

/// A year of plausible history for the demo subjects, generated deterministically (a fixed
/// seed; dates run over the twelve months before the clock's month): entries of every
/// dimension and status recorded by the team's manager and the district's inspectors,
/// confirmations by a second pair of eyes, a revocation, two appeals (one dismissed, one
/// pending), evidence files, and business-expansion work orders with a few rule hits,
/// one of them a 三指定 pattern, derived by the real rules.
public enum DemoHistory {
    public struct Summary: Sendable, Equatable {
        public var entries: Int
        public var workOrders: Int
        public var ruleEntries: Int
    }

    /// SplitMix64: a small generator whose sequence depends on nothing but its seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
    }

    /// Tags people record, how often, and what they write.
    static let recorded: [(tag: String, weight: Int, texts: [String])] = [
        ("ON_TIME_HANDLING", 30, ["按时限办结高压新装业务", "增容业务按承诺时限办结", "提前完成供电方案答复"]),
        ("HV_ON_TIME_CONNECTION", 14, ["按期完成装表接电", "配合客户提前送电"]),
        ("INTEGRITY_TRAINING", 12, ["参加公司廉洁从业专题培训", "参加营销领域廉洁风险防控培训"]),
        ("WARNING_EDUCATION", 6, ["参加警示教育大会", "观看警示教育片并提交心得"]),
        ("CUSTOMER_PRAISE", 6, ["客户来信表扬服务热情、办事高效", "客户赠送锦旗并致感谢信"]),
        ("GIFT_REFUSED_REPORTED", 3, ["婉拒客户赠送的购物卡并主动报告", "退回客户所送礼品并登记"]),
        ("WORK_DISCIPLINE", 4, ["工作时间擅自离岗", "未按规定佩戴工牌上门服务"]),
        ("TRAINING_ABSENT", 3, ["无故缺席季度廉洁教育", "未参加警示教育且未请假"]),
        ("BANQUET_ACCEPTED", 1, ["接受客户安排的宴请"]),
        ("GIFT_ACCEPTED", 1, ["收受客户赠送的购物卡"]),
    ]

    static let firms = ["华电工程设计院", "城建电力设计所", "东方电气设计公司", "明远设计咨询", "恒通电力设计院", "新源电力设计", "蓝天工程设计", "博远设计院"]
    static let builders = ["华安电力建设", "鑫源安装工程", "城东电力工程", "通达建设集团", "宏力机电安装"]
    static let suppliers = ["正泰电气", "德力西电气", "许继电气", "平高电气", "特变电工"]
    /// Days each stage may take, in order.
    static let limits: [(WorkOrderStage, Int)] = [(.acceptance, 1), (.siteSurvey, 3), (.supplyPlan, 15), (.designReview, 10),
                                                  (.midInspection, 5), (.completionAcceptance, 5), (.meteringConnection, 5)]
    static let day: Int64 = 86_400

    /// Seeds the history; call it once, on a freshly seeded demo store.
    public static func seed(store: any Store, audit: AuditLog, clock: any ServiceClock, logger: Logger) throws -> Summary {
        var random = Random(state: 2026_0421)
        let now = clock.now()
        let today = Day(CalendarDays.today(now))!
        let (y, m, _) = today.components
        // The same month a year ago: twelve months of history up to yesterday.
        let first = Day(year: y - 1, month: m, day: 1)!
        let start = Int64(first.ordinal) * day
        let span = Int((now - start) / day) - 1

        let (accounts, team1, team2, scheme) = try store.read { r in
            var accounts: [String: String] = [:]
            for name in ["manager", "inspector", "inspector-b", "inspector2", "employee"] { accounts[name] = try r.account(username: name)?.id ?? "" }
            let all = try r.subjects(SubjectFilter(scope: .everything), page: Page(after: nil, limit: 1000))
            let employeeSubject = try r.subject(accountID: accounts["employee"]!)
            let district1 = employeeSubject?.organizationID ?? ""
            return (accounts, all.filter { $0.organizationID == district1 }, all.filter { $0.organizationID != district1 },
                    try r.publishedScheme(version: try r.latestSchemeVersion()))
        }
        guard let scheme, let compiled = try? CompiledScheme(try SchemeLoader.load(Data(scheme.document.utf8))) else {
            throw StoreError(.failed, "the demo history needs a published scheme")
        }
        func tag(_ code: String) -> CompiledScheme.Entry { compiled.tags.first { $0.ref.code == code }! }
        let weights = recorded.flatMap { Array(repeating: $0, count: $0.weight) }
        let appealer = team1.first { $0.accountID == accounts["employee"] }

        // People's entries.
        struct Planned { var entry: EntryRecord; var events: [EntryEventRecord]; var evidence: [UInt8]? }
        var planned: [Planned] = []
        func entry(_ subject: SubjectRecord, _ code: String, _ text: String, on dayIndex: Int, by recorder: String, confirmer: String?) -> Planned {
            let t = tag(code)
            let occurred = Day(ordinal: first.ordinal + Int32(dayIndex))
            let recordTime = min(now - 3600, Int64(occurred.ordinal) * day + Int64(random.int(1...3)) * day + Int64(random.int(9...17)) * 3600)
            var e = EntryRecord(id: Identifiers.new(prefix: "ent"), subjectID: subject.id, tagLibrary: t.ref.library, tagVersion: t.ref.version,
                                tagCode: t.ref.code, tagName: t.tag.name, dimension: t.tag.dimension.rawValue, polarity: t.tag.polarity.rawValue,
                                occurredOn: occurred.description, quantity: 100, description: text,
                                source: random.int(0...3) == 0 ? EntrySource.mobile.rawValue : EntrySource.pc.rawValue,
                                status: LianjieMessages.EntryStatus.submitted.rawValue, recordedBy: recorder, recordTime: recordTime, schemeVersion: scheme.version)
            var events = [EntryEventRecord(entryID: e.id, time: recordTime, accountID: recorder, action: "submitted", status: e.status)]
            let age = (now - recordTime) / day
            if let confirmer, age > 20 || random.int(0...2) > 0 {
                let reviewTime = min(now - 60, recordTime + Int64(random.int(1...5)) * day)
                let reject = random.int(0...19) == 0
                e.status = (reject ? LianjieMessages.EntryStatus.rejected : LianjieMessages.EntryStatus.confirmed).rawValue
                e.reviewedBy = confirmer
                e.reviewTime = reviewTime
                e.statusReason = reject ? "经核实情况不属实" : ""
                events.append(EntryEventRecord(entryID: e.id, time: reviewTime, accountID: confirmer, action: reject ? "rejected" : "confirmed",
                                               status: e.status, reason: e.statusReason))
            }
            var pdf: [UInt8]? = nil
            if t.tag.evidenceRequired {
                pdf = Array("%PDF-1.4\n% Lianjie demo evidence\n1 0 obj << /Title (\(e.id)) >> endobj\n% \(text)\n%%EOF\n".utf8)
            }
            return Planned(entry: e, events: events, evidence: pdf)
        }
        for (i, s) in team1.enumerated() {
            for _ in 0..<random.int(8...16) {
                let choice = random.pick(weights)
                let byInspector = random.int(0...4) == 0
                planned.append(entry(s, choice.tag, random.pick(choice.texts), on: random.int(0...span),
                                     by: byInspector ? accounts["inspector"]! : accounts["manager"]!,
                                     confirmer: byInspector ? accounts["inspector-b"]! : accounts["inspector"]!))
            }
            if i % 4 == 0 { planned.append(entry(s, "PLEDGE_SIGNED", "签订年度廉洁从业承诺书", on: random.int(0...30), by: accounts["manager"]!, confirmer: accounts["inspector"]!)) }
        }
        for s in team2 {
            for _ in 0..<random.int(3...5) {
                let choice = random.pick(weights)
                planned.append(entry(s, choice.tag, random.pick(choice.texts), on: random.int(0...span), by: accounts["inspector2"]!, confirmer: nil))
            }
        }
        // A revocation, and the employee's appeals: one dismissed, one pending.
        if let i = planned.firstIndex(where: { $0.entry.status == LianjieMessages.EntryStatus.confirmed.rawValue && $0.entry.subjectID != appealer?.id }) {
            let t = planned[i].entry.reviewTime + 2 * day
            planned[i].entry.status = LianjieMessages.EntryStatus.revoked.rawValue
            planned[i].entry.statusReason = "录入错误：与另一条记录重复"
            planned[i].events.append(EntryEventRecord(entryID: planned[i].entry.id, time: min(now - 60, t), accountID: accounts["inspector"]!,
                                                      action: "revoked", status: planned[i].entry.status, reason: planned[i].entry.statusReason))
        }
        if let appealer {
            var old = entry(appealer, "WORK_DISCIPLINE", "工作时间擅自离岗", on: 40, by: accounts["manager"]!, confirmer: accounts["inspector"]!)
            old.entry.status = LianjieMessages.EntryStatus.confirmed.rawValue
            old.entry.reviewedBy = accounts["inspector"]!
            old.entry.reviewTime = old.entry.recordTime + day
            old.events = [old.events[0], EntryEventRecord(entryID: old.entry.id, time: old.entry.reviewTime, accountID: accounts["inspector"]!,
                                                          action: "confirmed", status: old.entry.status)]
            let filed = old.entry.reviewTime + 3 * day, decided = filed + 5 * day
            old.entry.appeal = AppealRecord(state: AppealState.dismissed.rawValue, statement: "当日系外出勘查现场，已向班长口头报备",
                                            fileTime: filed, decidedBy: accounts["inspector-b"]!, decideTime: decided,
                                            decisionReason: "经调阅考勤与工单记录，当日无外出勘查任务")
            old.events += [EntryEventRecord(entryID: old.entry.id, time: filed, accountID: appealer.accountID, action: "appealed",
                                            status: old.entry.status, reason: old.entry.appeal!.statement),
                           EntryEventRecord(entryID: old.entry.id, time: decided, accountID: accounts["inspector-b"]!, action: "appeal_dismissed",
                                            status: old.entry.status, reason: old.entry.appeal!.decisionReason)]
            planned.append(old)
            var recent = entry(appealer, "TRAINING_ABSENT", "未参加十月警示教育且未请假", on: max(0, span - 20), by: accounts["manager"]!, confirmer: accounts["inspector"]!)
            recent.entry.status = LianjieMessages.EntryStatus.confirmed.rawValue
            recent.entry.reviewedBy = accounts["inspector"]!
            recent.entry.reviewTime = min(now - 7200, recent.entry.recordTime + day)
            recent.events = [recent.events[0], EntryEventRecord(entryID: recent.entry.id, time: recent.entry.reviewTime, accountID: accounts["inspector"]!,
                                                                action: "confirmed", status: recent.entry.status)]
            let appealTime = min(now - 3600, recent.entry.reviewTime + 3600)
            recent.entry.appeal = AppealRecord(state: AppealState.pending.rawValue, statement: "当日在客户现场处理停电抢修，有派工单为证", fileTime: appealTime)
            recent.events.append(EntryEventRecord(entryID: recent.entry.id, time: appealTime, accountID: appealer.accountID, action: "appealed",
                                                  status: recent.entry.status, reason: recent.entry.appeal!.statement))
            planned.append(recent)
        }
        planned.sort { $0.entry.recordTime < $1.entry.recordTime }

        // Work orders: a year of high-voltage orders handled by the first team, with a few
        // that break their limits, two complaints, one order suspended three times, and one
        // account manager steering a quarter's customers to one design firm.
        var orders: [WorkOrderRecord] = []
        let surveyors = team1.filter { _ in true }
        let steering = team1.count > 6 ? team1[6] : team1[0]
        // The planted orders all fall in one quarter, the one about four months in.
        let middle = Day(ordinal: first.ordinal + 120).components
        let steeringQuarter = LianjieScoring.Period(.quarter, year: middle.year, index: (middle.month - 1) / 3 + 1)!
        let steeringQuarterStart = Int(steeringQuarter.start.ordinal - first.ordinal) + 2
        for n in 0..<170 {
            let planted = n < 10
            let manager = planted ? steering : random.pick(team1.filter { $0.id != steering.id })
            let acceptedDay = planted ? steeringQuarterStart + n * 6 : random.int(0...max(0, span - 2))
            var t = Int64(first.ordinal + Int32(acceptedDay)) * day + Int64(random.int(8...16)) * 3600
            var stages: [WorkOrderStageRow] = []
            for (i, (stage, limit)) in limits.enumerated() {
                guard t < now - day else { break }
                let late = n == 40 || n == 90 || n == 130
                let fraction = late && i == 1 ? 2.5 : 0.25 + random.unit() * 0.6
                let length = Int64(Double(Int64(limit) * day) * fraction)
                let handler = i == 0 ? manager : (i == 1 ? random.pick(surveyors) : manager)
                let end = t + length < now ? t + length : 0
                stages.append(WorkOrderStageRow(stage: stage.rawValue, handlerNumber: handler.employeeNumber, handlerSubjectID: handler.id,
                                                startTime: t, endTime: end, limitDays: limit))
                if end == 0 { break }
                t = end + Int64(random.int(1...20)) * 3600
            }
            let number = "GY\(String(first.components.year))\(String(format: "%04d", n + 1))"
            var suspensions: [WorkOrderSuspensionRow] = []
            if n == 77, stages.count > 2 {
                let base = stages[2].startTime
                suspensions = (0..<3).map { WorkOrderSuspensionRow(startTime: base + Int64($0) * 2 * day, endTime: base + Int64($0) * 2 * day + day / 2, reason: "客户资料不全") }
            }
            var complaints: [WorkOrderComplaintRow] = []
            if (n == 55 || n == 120), stages.count > 1 { complaints = [WorkOrderComplaintRow(time: stages[1].startTime + 7200, summary: "客户反映现场勘查人员多次推迟上门")] }
            let design = planted && n != 9 ? "恒通电力设计院" : random.pick(firms.filter { $0 != "恒通电力设计院" } + (random.int(0...9) == 0 ? ["恒通电力设计院"] : []))
            let type: WorkOrderType = !planted && random.int(0...3) == 0 ? .highVoltageIncrease : .highVoltageNew
            orders.append(WorkOrderRecord(number: number, type: type.rawValue,
                                          customerRef: "HK\(String(format: "%07d", 1_000_000 + n * 37))", designFirm: design,
                                          constructionFirm: random.pick(builders), supplyFirm: random.pick(suppliers), organizationID: manager.organizationID,
                                          acceptedOn: CalendarDays.today(stages.first?.startTime ?? now), stages: stages, suspensions: suspensions,
                                          complaints: complaints, contentHash: Digest.hex(Digest.sha256(number + "demo")), updateTime: now,
                                          importedBy: "demo-seed"))
        }

        // Evidence files go in first: an entry's row refers to them.
        var evidence: [String: EvidenceRecord] = [:]
        for p in planned {
            guard let pdf = p.evidence else { continue }
            let hash = Digest.hex(Digest.sha256(pdf))
            let upload = "demo_" + p.entry.id.replacingOccurrences(of: "ent_", with: "")
            try store.blobs.writeUpload(id: upload, offset: 0, pdf)
            try store.blobs.commitUpload(id: upload, sha256: hash)
            evidence[p.entry.id] = EvidenceRecord(id: Identifiers.new(prefix: "evi"), sha256: hash, fileName: "证据-\(p.entry.occurredOn).pdf",
                                                  contentType: "application/pdf", size: Int64(pdf.count), uploadedBy: p.entry.recordedBy,
                                                  createTime: p.entry.recordTime)
        }
        let written = orders
        try store.write { tx in
            func audited(_ type: String, _ id: String, _ org: OrganizationRecord?) throws {
                try audit.append(tx, time: clock.nowNanos(), accountID: "", method: "demo-seed",
                                 target: AuditLog.Target(type: type, id: id, organizationID: org?.id ?? "", organizationPath: org?.path ?? ""),
                                 peer: "local", outcome: "OK")
            }
            var organizations: [String: OrganizationRecord] = [:]
            func org(_ subjectID: String) throws -> OrganizationRecord? {
                guard let s = try tx.subject(id: subjectID) else { return nil }
                if organizations[s.organizationID] == nil { organizations[s.organizationID] = try tx.organization(id: s.organizationID) }
                return organizations[s.organizationID]
            }
            for p in planned {
                var e = p.entry
                if let ev = evidence[e.id] {
                    try tx.createEvidence(ev)
                    e.evidenceIDs = [ev.id]
                }
                try tx.createEntry(e, event: p.events[0])
                for event in p.events.dropFirst() { try tx.updateEntry(e, event: event) }
                try audited("entry", e.id, try org(e.subjectID))
            }
            for o in written {
                try tx.upsertWorkOrder(o)
                try audited("work_order", o.number, organizations[o.organizationID])
            }
        }

        // The rules, quarter by quarter, as an inspector would run them.
        var ruleEntries = 0
        var quarter = LianjieScoring.Period(.quarter, year: first.components.year, index: (first.components.month - 1) / 3 + 1)!
        while quarter.start <= today {
            let period = quarter
            if let run = try store.read({ try RuleRun.plan(period: period, now: now, recordedBy: accounts["inspector"]!, $0) }) {
                let reports = try store.write { tx -> [RuleRunReport] in
                    let reports = try run.record(tx).reports
                    try audit.append(tx, time: clock.nowNanos(), accountID: "", method: "demo-seed",
                                     target: AuditLog.Target(type: "rule_run", id: period.description), peer: "local", outcome: "OK")
                    return reports
                }
                ruleEntries += reports.reduce(0) { $0 + Int($1.recorded) }
            }
            quarter = LianjieScoring.Period(.quarter, year: quarter.end.components.year + (quarter.index == 4 ? 1 : 0),
                                            index: quarter.index == 4 ? 1 : quarter.index + 1)!
        }
        let summary = Summary(entries: planned.count, workOrders: orders.count, ruleEntries: ruleEntries)
        logger.notice("demo history seeded", ["entries": .int(Int64(summary.entries)), "work_orders": .int(Int64(summary.workOrders)),
                                              "rule_entries": .int(Int64(summary.ruleEntries))])
        return summary
    }
}
