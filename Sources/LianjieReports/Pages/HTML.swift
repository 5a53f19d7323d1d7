import LianjieScoring

/// Small pieces of HTML the pages and the ranking table share. Every text goes through
/// `Markup.escape`; nothing else puts text into markup.
enum HTML {
    /// Escaped text.
    static func text(_ s: String) -> String { Markup.escape(s) }

    /// `<tag class="…">escaped text</tag>`.
    static func element(_ tag: String, _ cls: String? = nil, _ s: String) -> String {
        "<\(tag)\(cls.map { " class=\"\(Markup.escape($0))\"" } ?? "")>" + Markup.escape(s) + "</\(tag)>"
    }

    /// A code such as `HV_STAGE_OVERDUE` on a line of its own, small, breaking after underscores.
    static func code(_ code: String) -> String {
        "<div class=\"code\">" + Markup.escape(code).split(separator: "_", omittingEmptySubsequences: false).joined(separator: "_<wbr>")
            + "</div>"
    }

    /// A Chinese label with its English name after it, smaller.
    static func bilingual(_ zh: String, _ en: String) -> String {
        Markup.escape(zh) + " <span class=\"en\">" + Markup.escape(en) + "</span>"
    }

    static func bilingual(_ label: BilingualLabel) -> String { bilingual(label.zh, label.en) }

    /// What a suppressed cell shows.
    static let suppressed = "<span class=\"suppressed\" title=\"少于 5 人，不显示 / fewer than 5 people\">&lt;5</span>"

    static func cell(_ c: Cell<Int>) -> String {
        switch c {
        case .value(let n): return String(n)
        case .suppressed: return suppressed
        }
    }

    static func cell(_ c: Cell<Exact>) -> String {
        switch c {
        case .value(let v): return Markup.escape(Format.number(v))
        case .suppressed: return suppressed
        }
    }

    /// A coloured badge with the grade's name in both languages.
    static func gradeBadge(_ g: Grade, large: Bool = false) -> String {
        "<span class=\"grade grade-\(g.rawValue)\(large ? " grade-large" : "")\">" + bilingual(g.reportLabel) + "</span>"
    }

    /// A signed change, green when up and red when down.
    static func change(_ value: Exact?) -> String {
        guard let value else { return "<span class=\"muted\">—</span>" }
        let r = value.rounded(places: 2)
        let cls = r > .zero ? "up" : (r < .zero ? "down" : "flat")
        return "<span class=\"change \(cls)\">" + Markup.escape(Format.signed(value)) + "</span>"
    }

    /// A table: `columns` are (header HTML, CSS class for the column's cells); each row's
    /// cells are HTML already. `rowClasses[i]`, when not empty, is the class of row `i`;
    /// `footer` holds whole `<tr>` rows.
    static func table(_ cls: String, columns: [(header: String, cls: String)], widths: [String]? = nil, rows: [[String]],
                      rowClasses: [String] = [], footer: [String] = [], empty: String = "无 None") -> String {
        var out = "<table class=\"\(cls)\">"
        if let widths {
            out += "<colgroup>" + widths.map { "<col style=\"width:\($0)\">" }.joined() + "</colgroup>"
        }
        out += "<thead><tr>" + columns.map { "<th class=\"\($0.cls)\">\($0.header)</th>" }.joined() + "</tr></thead><tbody>"
        if rows.isEmpty {
            out += "<tr><td class=\"empty\" colspan=\"\(columns.count)\">" + Markup.escape(empty) + "</td></tr>"
        }
        for (i, row) in rows.enumerated() {
            let rowClass = i < rowClasses.count && !rowClasses[i].isEmpty ? " class=\"\(rowClasses[i])\"" : ""
            out += "<tr\(rowClass)>" + zip(row, columns).map { "<td class=\"\($0.1.cls)\">\($0.0)</td>" }.joined() + "</tr>"
        }
        out += "</tbody>"
        if !footer.isEmpty {
            out += "<tfoot>" + footer.joined() + "</tfoot>"
        }
        return out + "</table>"
    }

    /// A table of alerts: rule, severity, state, day raised and summary.
    static func alerts(_ alerts: [ReportAlert], empty: String) -> String {
        table("alerts", columns: [
            (bilingual("规则", "Rule"), "wrap"), (bilingual("级别", "Severity"), "center"),
            (bilingual("状态", "State"), "center"), (bilingual("发起日期", "Raised"), ""),
            (bilingual("摘要", "Summary"), "wrap"),
        ], widths: ["22%", "10%", "11%", "13%", "44%"], rows: alerts.map { a in
            ["<strong>" + text(a.rule) + "</strong>",
             "<span class=\"sev sev-\(a.severity.rawValue)\">" + text(a.severity.reportLabel.zh) + "</span>",
             text(a.state.reportLabel.zh), text(a.raisedOn.description), text(a.summary)]
        }, empty: empty)
    }
}
