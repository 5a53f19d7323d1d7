import LianjieScoring

/// A ranking as an HTML table: rank, name (or pseudonym), organisation, category, total,
/// grade and the change since the previous period. Long names wrap inside their column.
public struct RankingTable: Sendable, Hashable {
    public var rows: [RankingRow]
    /// Whether the names are pseudonyms (the column is headed "代号 Pseudonym").
    public var pseudonymised: Bool

    public init(rows: [RankingRow], pseudonymised: Bool) {
        self.rows = rows
        self.pseudonymised = pseudonymised
    }

    /// The table as an HTML element, with the class `chart chart-ranking`.
    public func html() -> String {
        let columns: [(header: String, cls: String)] = [
            (HTML.bilingual("排名", "Rank"), "center"),
            (pseudonymised ? HTML.bilingual("代号", "Pseudonym") : HTML.bilingual("姓名", "Name"), "name"),
            (HTML.bilingual("单位", "Organisation"), "wrap"),
            (HTML.bilingual("类别", "Category"), "wrap"),
            (HTML.bilingual("总分", "Total"), "num"),
            (HTML.bilingual("等级", "Grade"), "center"),
            (HTML.bilingual("较上期", "Change"), "num"),
        ]
        let body = rows.map { r -> [String] in
            var grade = r.grade.map { HTML.gradeBadge($0) } ?? "<span class=\"muted\">—</span>"
            if r.vetoed { grade += "<span class=\"veto-mark\" title=\"一票否决 / red-line veto\">否决</span>" }
            return [
                r.rank.map { String($0) } ?? "<span class=\"muted\">—</span>",
                HTML.text(r.name),
                HTML.text(r.organization),
                HTML.text(r.category),
                r.total.map { HTML.text(Format.number($0)) } ?? "<span class=\"nodata\">无数据</span>",
                grade,
                HTML.change(r.change),
            ]
        }
        return HTML.table("chart chart-ranking", columns: columns,
                          widths: ["8%", "15%", "25%", "15%", "11%", "15%", "11%"], rows: body)
    }
}
