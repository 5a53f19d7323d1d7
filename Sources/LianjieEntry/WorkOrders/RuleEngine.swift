import Glibc
import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// What a work-order rule saw: about whom, citing which orders, on which day, and the key
/// that makes recording it idempotent (the same finding always has the same key).
struct RuleFinding: Equatable {
    var rule: String
    var handlerSubjectID: String
    var orders: [String]
    /// `YYYY-MM-DD`.
    var day: String
    var key: String
    /// The facts, for the entry's description.
    var description: String
}

/// The work-order rules as pure functions of the orders: no I/O, no clock but `now`.
/// Each examines the orders handed to it (the peers) and reports findings whose moment
/// lies in `[from, until)` (Unix seconds).
struct RuleEngine {
    let orders: [WorkOrderRecord]
    let from: Int64
    let until: Int64
    let now: Int64
    /// Names the period in findings about a whole period (三指定).
    let periodName: String
    /// The period's year: a 三指定 finding is recorded once per handler, firm and year,
    /// whatever periods the rules run over.
    let year: Int

    static let day: Int64 = 86_400

    static func stageName(_ raw: Int32) -> String {
        switch WorkOrderStage(rawValue: raw) {
        case .acceptance: "受理"
        case .siteSurvey: "现场勘查"
        case .supplyPlan: "供电方案答复"
        case .designReview: "设计审查"
        case .midInspection: "中间检查"
        case .completionAcceptance: "竣工检验"
        case .meteringConnection: "装表接电"
        default: "未知环节"
        }
    }

    static func days(_ seconds: Int64) -> String { Exact(hundredths: seconds * 100 / day).formatted(places: 1) }

    func within(_ t: Int64) -> Bool { t >= from && t < until }

    /// The handler of the stage open at `time`, else of the acceptance stage, else of the first.
    static func handler(at time: Int64, _ o: WorkOrderRecord) -> WorkOrderStageRow? {
        o.stages.first { $0.startTime <= time && ($0.endTime == 0 || time < $0.endTime) }
            ?? o.stages.first { $0.stage == WorkOrderStage.acceptance.rawValue } ?? o.stages.first
    }

    func run(_ rule: WorkOrderRule) -> [RuleFinding] {
        switch rule.kind {
        case .stageOverdue: stageOverdue(rule)
        case .complaint: complaints(rule)
        case .durationOutlier: durationOutliers(rule)
        case .designatedFirm: designatedFirms(rule)
        case .repeatedSuspension: repeatedSuspensions(rule)
        }
    }

    func stageOverdue(_ rule: WorkOrderRule) -> [RuleFinding] {
        var out: [RuleFinding] = []
        for o in orders {
            for s in o.stages where s.limitDays > 0 {
                let deadline = s.startTime + Int64(s.limitDays + rule.graceDays) * Self.day
                let finished = s.endTime != 0 ? s.endTime : now
                guard finished > deadline, within(deadline) else { continue }
                out.append(RuleFinding(rule: rule.code, handlerSubjectID: s.handlerSubjectID, orders: [o.number],
                                       day: CalendarDays.today(deadline), key: "\(rule.code)|\(o.number)|\(s.stage)",
                                       description: "工单 \(o.number) 的\(Self.stageName(s.stage))环节"
                                           + (s.endTime != 0 ? "用时 \(Self.days(s.endTime - s.startTime)) 天" : "至今未完成")
                                           + "，超过时限 \(s.limitDays) 天"))
            }
        }
        return out
    }

    func complaints(_ rule: WorkOrderRule) -> [RuleFinding] {
        var out: [RuleFinding] = []
        for o in orders {
            for c in o.complaints where within(c.time) {
                guard let h = Self.handler(at: c.time, o) else { continue }
                out.append(RuleFinding(rule: rule.code, handlerSubjectID: h.handlerSubjectID, orders: [o.number], day: CalendarDays.today(c.time),
                                       key: "\(rule.code)|\(o.number)|\(c.time)",
                                       description: "工单 \(o.number) 在\(Self.stageName(h.stage))环节收到客户投诉：\(c.summary)"))
            }
        }
        return out
    }

    /// Median of sorted values.
    static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    func durationOutliers(_ rule: WorkOrderRule) -> [RuleFinding] {
        struct Group: Hashable { var type: Int32; var stage: Int32 }
        var groups: [Group: [(WorkOrderRecord, WorkOrderStageRow)]] = [:]
        for o in orders {
            for s in o.stages where s.endTime > s.startTime { groups[Group(type: o.type, stage: s.stage), default: []].append((o, s)) }
        }
        let threshold = Double(rule.threshold) / 100
        var out: [RuleFinding] = []
        for (_, members) in groups where members.count >= rule.minPeers {
            let durations = members.map { Double($0.1.endTime - $0.1.startTime) }
            let median = Self.median(durations.sorted())
            let mad = Self.median(durations.map { abs($0 - median) }.sorted())
            guard mad > 0 else { continue }  // most peers took exactly as long: no spread to measure against
            for (o, s) in members where within(s.endTime) {
                let z = 0.6745 * (Double(s.endTime - s.startTime) - median) / mad
                guard abs(z) > threshold else { continue }
                let zText = Exact(hundredths: Int64((z * 100).rounded())).formatted(places: 1)
                out.append(RuleFinding(rule: rule.code, handlerSubjectID: s.handlerSubjectID, orders: [o.number], day: CalendarDays.today(s.endTime),
                                       key: "\(rule.code)|\(o.number)|\(s.stage)",
                                       description: "工单 \(o.number) 的\(Self.stageName(s.stage))环节用时 \(Self.days(s.endTime - s.startTime)) 天，"
                                           + "同类 \(members.count) 单中位数 \(Self.days(Int64(median))) 天，稳健 z 值 \(zText)"
                                           + (z > 0 ? "（明显偏慢）" : "（明显偏快）")))
            }
        }
        return out
    }

    /// P(X ≥ k) for X ~ Binomial(n, p).
    static func binomialTail(_ k: Int, _ n: Int, _ p: Double) -> Double {
        guard k > 0 else { return 1 }
        guard p > 0 else { return 0 }
        guard p < 1 else { return 1 }
        var total = 0.0
        for i in k...n {
            let logTerm = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
                + Double(i) * log(p) + Double(n - i) * log1p(-p)
            total += exp(logTerm)
        }
        return min(1, total)
    }

    /// 三指定: for each kind of firm, each handler (of the acceptance stage) with at least
    /// `minOrders` orders accepted in the period that name such a firm, and each firm with
    /// at least `minFirmOrders` of them: the handler's share p = k / n is compared with the
    /// peers' share p₀ = (K + ½) / (N + 1) of every other handler's orders of the same type
    /// in the period. A finding needs p ≥ `minShare`, p ≥ `minRatio` × p₀, and a one-sided
    /// binomial tail P(X ≥ k | n, p₀) ≤ `significance`.
    func designatedFirms(_ rule: WorkOrderRule) -> [RuleFinding] {
        let kinds: [(String, KeyPath<WorkOrderRecord, String>)] = [("设计", \.designFirm), ("施工", \.constructionFirm), ("设备供应", \.supplyFirm)]
        let inPeriod = orders.filter { o in o.stages.first.map { within($0.startTime) } ?? false }
        var out: [RuleFinding] = []
        for (kindName, firm) in kinds {
            var byType: [Int32: [(handler: String, firm: String, order: WorkOrderRecord)]] = [:]
            for o in inPeriod where !o[keyPath: firm].isEmpty {
                guard let h = o.stages.first(where: { $0.stage == WorkOrderStage.acceptance.rawValue }) ?? o.stages.first else { continue }
                byType[o.type, default: []].append((h.handlerSubjectID, o[keyPath: firm], o))
            }
            for (_, rows) in byType.sorted(by: { $0.key < $1.key }) {
                let total = rows.count
                var firmTotals: [String: Int] = [:]
                for r in rows { firmTotals[r.firm, default: 0] += 1 }
                let byHandler = Dictionary(grouping: rows, by: \.handler)
                for (handler, own) in byHandler.sorted(by: { $0.key < $1.key }) where own.count >= rule.minOrders {
                    let n = own.count
                    for (f, mine) in Dictionary(grouping: own, by: \.firm).sorted(by: { $0.key < $1.key }) where mine.count >= rule.minFirmOrders {
                        let k = mine.count
                        let share = Double(k) / Double(n)
                        let peerShare = (Double(firmTotals[f]! - k) + 0.5) / (Double(total - n) + 1)
                        let tail = Self.binomialTail(k, n, peerShare)
                        guard share >= Double(rule.minShare) / 100, share >= peerShare * Double(rule.minRatio) / 100,
                              tail <= Double(rule.significance.description)! else { continue }
                        let cited = mine.map(\.order.number).sorted()
                        let last = mine.compactMap { $0.order.stages.first?.startTime }.max() ?? from
                        out.append(RuleFinding(
                            rule: rule.code, handlerSubjectID: handler, orders: cited, day: CalendarDays.today(last),
                            key: "\(rule.code)|\(handler)|\(kindName)|\(f)|\(year)",
                            description: "\(periodName) 经办的 \(n) 张工单中有 \(k) 张（\(Int((share * 100).rounded()))%）由同一\(kindName)单位「\(f)」承担，"
                                + "其他经办人的同类工单中该单位占 \(Int((peerShare * 100).rounded()))%；二项检验 P = \(String(format: "%.1e", tail))"))
                    }
                }
            }
        }
        return out
    }

    func repeatedSuspensions(_ rule: WorkOrderRule) -> [RuleFinding] {
        var out: [RuleFinding] = []
        for o in orders where o.suspensions.count >= rule.minSuspensions {
            let sorted = o.suspensions.sorted { $0.startTime < $1.startTime }
            let reached = sorted[rule.minSuspensions - 1].startTime
            guard within(reached), let h = Self.handler(at: sorted[0].startTime, o) else { continue }
            out.append(RuleFinding(rule: rule.code, handlerSubjectID: h.handlerSubjectID, orders: [o.number], day: CalendarDays.today(reached),
                                   key: "\(rule.code)|\(o.number)",
                                   description: "工单 \(o.number) 已暂停 \(o.suspensions.count) 次（\(Self.stageName(h.stage))环节起）"))
        }
        return out
    }
}
