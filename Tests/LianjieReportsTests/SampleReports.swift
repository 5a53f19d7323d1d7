import LianjieReports
import LianjieScoring

/// Rich sample reports for the tests and for looking at the pages: a portrait scored by the
/// real scoring core under the default scheme (so its breakdown adds up as a run's does),
/// a portrait with no data, and an organisation's statistics with suppressed cells.
enum SampleReports {
    static let scheme: CompiledScheme = {
        do { return try CompiledScheme(try SchemeLoader.defaultScheme()) } catch { fatalError("default scheme: \(error)") }
    }()

    static let period = Period(.quarter, year: 2026, index: 1)!
    static let longOrganization = "国网某市供电局 城东区供电分局 客户服务中心 高压业扩报装班（市场营销部业扩报装专业管理组）"
    static let provenance = ReportProvenance(schemeVersion: "default v1 · 方案摘要 5d41402abc4b2a76b9719d911017c592",
                                             runID: "run_2026Q1_0007_c3e1f0a9b2d44e1f8a6c",
                                             inputsHash: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")

    /// A subject in the high-voltage expansion category with a quarter of varied entries.
    static func portrait(name: String = "欧阳晓明", vetoed: Bool = false, waterfallSteps: Int = 8) -> PortraitReport {
        let subject = ScoringSubject(id: "sub_1", category: "HV_EXPANSION", postCoefficient: 130)
        var entries: [ScoringEntry] = []
        func add(_ library: String, _ code: String, _ date: String, quantity: Int64 = 100, status: EntryStatus = .confirmed) {
            let tag = scheme.tagID(TagRef(library: library, version: 1, code: code))!
            entries.append(ScoringEntry(id: UInt64(entries.count + 1), tag: tag, occurredOn: Day(date)!, quantity: quantity, status: status))
        }
        add("COMMON", "CONFLICT_UNDECLARED", "2025-11-18")
        for d in ["2026-01-06", "2026-01-13", "2026-01-27", "2026-02-10", "2026-02-24", "2026-03-09", "2026-03-23"] {
            add("COMMON", "ON_TIME_HANDLING", d)
        }
        for d in ["2026-01-15", "2026-02-12", "2026-03-05", "2026-03-26"] { add("HV_EXPANSION", "HV_ON_TIME_CONNECTION", d) }
        add("COMMON", "CUSTOMER_PRAISE", "2026-01-20")
        add("COMMON", "CUSTOMER_PRAISE", "2026-03-17")
        add("COMMON", "GIFT_REFUSED_REPORTED", "2026-02-03")
        add("COMMON", "INTEGRITY_TRAINING", "2026-01-09", quantity: 200)
        add("COMMON", "PLEDGE_SIGNED", "2026-01-05")
        add("COMMON", "WARNING_EDUCATION", "2026-03-12")
        add("HV_EXPANSION", "HV_STAGE_OVERDUE", "2026-01-22")
        add("HV_EXPANSION", "HV_STAGE_OVERDUE", "2026-02-17")
        add("HV_EXPANSION", "HV_STAGE_OVERDUE", "2026-03-19")
        add("HV_EXPANSION", "HV_REPEATED_SUSPENSION", "2026-02-26")
        add("HV_EXPANSION", "HV_UNEVEN_HANDLING", "2026-03-02")
        add("COMMON", "TRAINING_ABSENT", "2026-03-30")
        add("COMMON", "WORK_DISCIPLINE", "2026-01-29", quantity: 50)
        add("COMMON", "BANQUET_ACCEPTED", "2026-02-07")
        if vetoed { add("HV_EXPANSION", "HV_DESIGNATED_FIRMS", "2026-03-11") }
        add("COMMON", "GIFT_ACCEPTED", "2026-03-28", status: .submitted)
        add("LV_EXPANSION", "LV_STAGE_OVERDUE", "2026-02-05")

        let result = Scorer(scheme).score(subject, entries: entries, period: period)
        let scale = ReportScale.standard
        return PortraitReport(
            subject: ReportSubject(name: name, employeeNumber: "GD-0420-118736", organization: longOrganization,
                                   category: "高压业扩报装 High-voltage expansion", post: "客户经理（高压业扩受理、勘查与方案答复）"),
            period: period.description, generatedAt: "2026-04-02 09:30 (UTC+8)", scale: scale,
            result: portraitResult(result, subject: subject),
            peers: PeerMedians(group: "同类别 58 人", dimensions: [.behaviour: Exact("84.5")!, .awareness: Exact(82), .problems: Exact("95.2")!],
                               total: Exact("88.4")!),
            previous: PreviousResult(period: "2025-Q4", total: Exact("86.9")!, grade: .good),
            trend: [
                TrendPoint(period: "2024-Q4", total: Exact("91.2")!), TrendPoint(period: "2025-Q1", total: Exact("88.6")!),
                TrendPoint(period: "2025-Q2", total: nil), TrendPoint(period: "2025-Q3", total: Exact("79.4")!),
                TrendPoint(period: "2025-Q4", total: Exact("86.9")!),
                TrendPoint(period: "2026-Q1", total: result.total, grade: result.grade),
            ],
            topCredits: tagWeights(result, polarity: .credit), topDebits: tagWeights(result, polarity: .debit),
            alerts: [
                ReportAlert(rule: "同类客户办理时长明显异常（工单离群）", severity: .warning, state: .open, raisedOn: Day("2026-03-03")!,
                            summary: "3 张高压新装工单的方案答复环节用时超过同类工单中位数 2.8 倍，涉及工单 GY2026030117、GY2026030122、GY2026030140。"),
                ReportAlert(rule: "30 天内扣分 3 次", severity: .notice, state: .acknowledged, raisedOn: Day("2026-02-27")!,
                            summary: "2026-01-29 至 2026-02-26 共计入扣分填报 4 条。"),
            ] + (vetoed ? [ReportAlert(rule: "红线标签即时预警", severity: .serious, state: .caseOpened, raisedOn: Day("2026-03-11")!,
                                       summary: "指定设计、施工、设备供应单位（三指定）线索，已转为问题线索处置。")] : []),
            dataQuality: DataQuality(pendingReview: 1, pendingAppeals: 1,
                                     notes: ["1 条低压业扩标签的填报不适用于本类别，未计分。"]),
            provenance: provenance)
    }

    /// The same subject in a quarter with no confirmed entries.
    static func noDataPortrait(name: String = "欧阳晓明") -> PortraitReport {
        var r = portrait(name: name)
        r.result = .noData
        r.topCredits = []
        r.topDebits = []
        r.trend[r.trend.count - 1].total = nil
        r.trend[r.trend.count - 1].grade = nil
        r.dataQuality = DataQuality(pendingReview: 2, notes: [])
        r.alerts = []
        return r
    }

    private static func portraitResult(_ result: SubjectResult, subject: ScoringSubject) -> PortraitResult {
        guard let total = result.total, let grade = result.grade else { return .noData }
        let weights = Dictionary(uniqueKeysWithValues: scheme.scheme.dimensions.map { ($0.key, $0.value.weight) })
        let items = result.breakdown.map { line -> BreakdownItem in
            let tag = line.tag.flatMap { scheme.tagID($0) }.map { scheme.tags[Int($0)].tag }
            let weight = weights[line.dimension ?? .behaviour] ?? 0
            return BreakdownItem(occurredOn: line.occurredOn, tagName: tag?.name ?? "未知标签", tagCode: line.tag?.code ?? "?",
                                 dimension: line.dimension ?? .behaviour, polarity: line.polarity ?? .credit, outcome: line.outcome,
                                 points: Exact(hundredths: line.points), quantity: Exact(hundredths: line.quantity),
                                 tagCoefficient: Exact(hundredths: line.tagCoefficient),
                                 categoryCoefficient: Exact(hundredths: line.categoryCoefficient),
                                 postCoefficient: Exact(hundredths: line.postCoefficient), contribution: line.contribution,
                                 weight: Exact(hundredths: weight), weighted: line.contribution.times(hundredths: weight))
        }
        let dims = result.dimensions.map {
            DimensionResult(dimension: $0.dimension, base: $0.base, entries: $0.entries, adjustment: $0.adjustment, score: $0.score,
                            weighted: $0.weighted)
        }
        let base = result.dimensions.reduce(Exact.zero) { $0 + $1.base.times(hundredths: $1.weight) }
        let adjustment = result.dimensions.reduce(Exact.zero) { $0 + $1.adjustment.times(hundredths: $1.weight) }
        let redLines = result.breakdown.filter { result.vetoEntries.contains($0.entryID) }
            .compactMap { $0.tag.flatMap { scheme.tagID($0) }.map { scheme.tags[Int($0)].tag.name } }
        return .scored(PortraitScore(
            total: total, grade: grade, redLines: redLines, dimensions: dims,
            withinOrganization: PeerStanding(group: "城东区供电分局 17 人", rank: 3, peers: 17, percentile: Exact("87.5")!),
            withinCategory: PeerStanding(group: "高压业扩报装 58 人", rank: 12, peers: 58, percentile: Exact("80.7")!),
            breakdown: ReportBreakdown(weightedBase: base, entries: items, rangeAdjustment: adjustment, total: total)))
    }

    private static func tagWeights(_ result: SubjectResult, polarity: Polarity) -> [TagWeight] {
        let weights = Dictionary(uniqueKeysWithValues: scheme.scheme.dimensions.map { ($0.key, $0.value.weight) })
        var byTag: [String: TagWeight] = [:]
        for line in result.breakdown where line.outcome == .counted && line.polarity == polarity {
            guard let ref = line.tag, let id = scheme.tagID(ref), let dimension = line.dimension else { continue }
            let weighted = line.contribution.times(hundredths: weights[dimension] ?? 0)
            byTag[ref.code, default: TagWeight(tagName: scheme.tags[Int(id)].tag.name, tagCode: ref.code, dimension: dimension,
                                               count: 0, contribution: .zero)].count += 1
            byTag[ref.code]!.contribution += weighted
        }
        let sorted = byTag.values.sorted { a, b in
            let (x, y) = (a.contribution < .zero ? -a.contribution : a.contribution, b.contribution < .zero ? -b.contribution : b.contribution)
            return x != y ? x > y : a.tagCode < b.tagCode
        }
        return Array(sorted.prefix(5))
    }

    /// A city bureau's quarter: eleven district bureaus, some cells suppressed.
    static func organization(pseudonymised: Bool = true, nameOverride: String? = nil) -> OrganizationReport {
        let districts = ["城东区供电分局", "城西区供电分局", "高新技术产业开发区供电分局（含综合保税区客户服务中心）", "滨江新区供电分局",
                         "北部山区县级供电公司", "南湖区供电分局", "经济技术开发区供电分局", "老城区供电分局", "临港工业园区供电服务中心",
                         "西山区供电分局", "东湖生态旅游风景区供电所"]
        let children = districts.enumerated().map { i, name -> ChildOrganizationRow in
            let small = i == 4 || i == 10
            let n = 11 + (i * 7) % 13
            func c(_ v: Int) -> Cell<Int> { v < 5 ? .suppressed : .value(v) }
            return ChildOrganizationRow(
                name: name, subjects: small ? .suppressed : .value(n),
                mean: small ? .suppressed : .value(Exact(hundredths: Int64(8_400 + (i * 137) % 700))),
                median: small ? .suppressed : .value(Exact(hundredths: Int64(8_500 + (i * 91) % 600))),
                grades: GradeCounts(excellent: small ? .suppressed : c(n / 3), good: small ? .suppressed : c(n / 2),
                                    fair: small ? .suppressed : c(n - n / 3 - n / 2 - 1), poor: .suppressed),
                alertsRaised: small ? .suppressed : c(3 + i % 5 * 2), alertsHandled: small ? .suppressed : c(2 + i % 5 * 2))
        }
        let names = ["欧阳晓明", "司马文博", "买买提·艾力克木江", "诸葛欣怡", "张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆",
                     "赵敏", "黄磊", "周婷", "吴昊", "徐丽", "孙强", "胡军", "朱琳", "高远", "林晓峰"]
        let ranking = names.enumerated().map { i, name -> RankingRow in
            let total = Exact(hundredths: Int64(9_640 - i * 97 - (i % 3) * 11))
            let vetoed = i == 18
            return RankingRow(rank: i == 19 ? nil : i + 1, name: nameOverride ?? (pseudonymised ? "人员-\(i < 9 ? "0" : "")\(i + 1)" : name),
                              organization: districts[i % districts.count] + (i % 4 == 0 ? " 客户服务中心高压业扩班" : ""),
                              category: i % 3 == 0 ? "低压业扩报装" : "高压业扩报装",
                              total: i == 19 ? nil : total, grade: i == 19 ? nil : (vetoed ? .poor : scheme.scheme.grades.grade(total)),
                              vetoed: vetoed, change: i == 19 || i == 7 ? nil : Exact(hundredths: Int64((i * 53) % 400 - 180)))
        }
        return OrganizationReport(
            organization: "国网某市供电局（含 11 个区县供电分局）", period: period.description, categoryFilter: nil,
            pseudonymised: pseudonymised, generatedAt: "2026-04-02 09:45 (UTC+8)",
            keyFigures: KeyFigures(subjects: .value(186), personTimes: .value(512), noData: .suppressed, mean: .value(Exact("86.37")!),
                                   median: .value(Exact("87.10")!)),
            grades: GradeCounts(excellent: .value(54), good: .value(97), fair: .value(31), poor: .suppressed),
            children: children,
            topDebitTags: [
                TagFrequency(tagName: "业扩环节超时限", tagCode: "HV_STAGE_OVERDUE", dimension: .behaviour, entries: .value(64), subjects: .value(29)),
                TagFrequency(tagName: "同类客户办理时长明显异常", tagCode: "HV_UNEVEN_HANDLING", dimension: .behaviour, entries: .value(17),
                             subjects: .value(12)),
                TagFrequency(tagName: "无故缺席廉洁教育", tagCode: "TRAINING_ABSENT", dimension: .awareness, entries: .value(11), subjects: .value(9)),
                TagFrequency(tagName: "客户投诉经核实", tagCode: "HV_COMPLAINT_CONFIRMED", dimension: .problems, entries: .value(8), subjects: .value(7)),
                TagFrequency(tagName: "指定设计、施工、设备供应单位（三指定）", tagCode: "HV_DESIGNATED_FIRMS", dimension: .problems,
                             entries: .suppressed, subjects: .suppressed),
            ],
            entriesBySource: [
                EntrySourceRow(source: .pc, submitted: .value(12), confirmed: .value(418), rejected: .value(23), revoked: .value(6)),
                EntrySourceRow(source: .mobile, submitted: .value(31), confirmed: .value(655), rejected: .value(40), revoked: .suppressed),
                EntrySourceRow(source: .bulkImport, submitted: .value(0), confirmed: .value(220), rejected: .value(9), revoked: .value(0)),
                EntrySourceRow(source: .rule, submitted: .value(14), confirmed: .value(87), rejected: .value(5), revoked: .suppressed),
                EntrySourceRow(source: .api, submitted: .suppressed, confirmed: .value(36), rejected: .value(0), revoked: .value(0)),
            ],
            alerts: AlertFigures(raised: .value(47), handled: .value(41), turnedIntoCases: .value(6), dismissed: .value(12), open: .value(6)),
            ranking: ranking, provenance: provenance)
    }
}
