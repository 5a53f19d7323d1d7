import LianjieScoring

/// A name in Chinese and in English, as the reports print them.
public struct BilingualLabel: Sendable, Hashable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    /// "优秀 Excellent".
    public var both: String { zh + " " + en }
}

extension Grade {
    /// 优秀 / 良好 / 一般 / 较差.
    public var reportLabel: BilingualLabel {
        switch self {
        case .excellent: return BilingualLabel(zh: "优秀", en: "Excellent")
        case .good: return BilingualLabel(zh: "良好", en: "Good")
        case .fair: return BilingualLabel(zh: "一般", en: "Fair")
        case .poor: return BilingualLabel(zh: "较差", en: "Poor")
        }
    }
}

extension Dimension {
    /// 廉洁行为 / 廉洁意识 / 廉洁问题.
    public var reportLabel: BilingualLabel {
        switch self {
        case .behaviour: return BilingualLabel(zh: "廉洁行为", en: "Behaviour")
        case .awareness: return BilingualLabel(zh: "廉洁意识", en: "Awareness")
        case .problems: return BilingualLabel(zh: "廉洁问题", en: "Problems")
        }
    }
}

extension Polarity {
    /// 加分 / 扣分.
    public var reportLabel: BilingualLabel {
        switch self {
        case .credit: return BilingualLabel(zh: "加分", en: "Credit")
        case .debit: return BilingualLabel(zh: "扣分", en: "Debit")
        }
    }
}

extension BreakdownLine.Outcome {
    /// Whether and why an entry counted.
    public var reportLabel: BilingualLabel {
        switch self {
        case .counted: return BilingualLabel(zh: "计入", en: "Counted")
        case .outsideWindow: return BilingualLabel(zh: "超出有效期", en: "Outside window")
        case .afterEvaluation: return BilingualLabel(zh: "评价日之后", en: "After evaluation")
        case .overCountLimit: return BilingualLabel(zh: "超出次数上限", en: "Over count limit")
        case .notConfirmed: return BilingualLabel(zh: "未确认", en: "Not confirmed")
        case .notApplicable: return BilingualLabel(zh: "不适用本类别", en: "Not applicable")
        case .unknownTag: return BilingualLabel(zh: "未知标签", en: "Unknown tag")
        }
    }
}

extension EntryStatus {
    /// 待审核 / 已确认 / 已退回 / 已撤销.
    public var reportLabel: BilingualLabel {
        switch self {
        case .submitted: return BilingualLabel(zh: "待审核", en: "Pending")
        case .confirmed: return BilingualLabel(zh: "已确认", en: "Confirmed")
        case .rejected: return BilingualLabel(zh: "已退回", en: "Rejected")
        case .revoked: return BilingualLabel(zh: "已撤销", en: "Revoked")
        }
    }
}

extension ReportEntrySource {
    public var reportLabel: BilingualLabel {
        switch self {
        case .pc: return BilingualLabel(zh: "电脑填报", en: "PC")
        case .mobile: return BilingualLabel(zh: "移动端填报", en: "Mobile")
        case .bulkImport: return BilingualLabel(zh: "批量导入", en: "Import")
        case .rule: return BilingualLabel(zh: "工单规则", en: "Work-order rule")
        case .api: return BilingualLabel(zh: "系统接口", en: "API")
        }
    }
}

extension ReportAlert.Severity {
    public var reportLabel: BilingualLabel {
        switch self {
        case .notice: return BilingualLabel(zh: "提示", en: "Notice")
        case .warning: return BilingualLabel(zh: "警示", en: "Warning")
        case .serious: return BilingualLabel(zh: "严重", en: "Serious")
        }
    }
}

extension ReportAlert.State {
    public var reportLabel: BilingualLabel {
        switch self {
        case .open: return BilingualLabel(zh: "待处理", en: "Open")
        case .acknowledged: return BilingualLabel(zh: "已确认", en: "Acknowledged")
        case .caseOpened: return BilingualLabel(zh: "已转案件", en: "Case opened")
        case .dismissed: return BilingualLabel(zh: "已排除", en: "Dismissed")
        }
    }
}
