import LianjieScoring

/// The statistics of one organisation for one period (归总统计), as one printable HTML
/// document: key figures, the grade distribution, child organisations, the most frequent
/// debit tags, entries by source and status, alerts, and the ranking. Suppressed cells
/// show "<5"; a pseudonymised report says so at the top.
public struct OrganizationPage: Sendable, Hashable {
    public var report: OrganizationReport

    public init(_ report: OrganizationReport) {
        self.report = report
    }

    /// The complete HTML5 document.
    public func html() -> String {
        let r = report
        var body = header()
        body += HTMLDocument.section("关键指标", "Key figures", keyFigures())
        body += HTMLDocument.section("等级分布", "Grade distribution", "<figure>" + gradeChart().svg()
            + "<figcaption>“&lt;5” 表示少于 5 人，不显示具体人数。“&lt;5” marks a count of fewer than five people, not shown.</figcaption></figure>")
        body += HTMLDocument.section("下级单位", "Child organisations", long: true, children())
        body += HTMLDocument.section("高频扣分标签", "Most frequent debit tags", debitTags())
        body += HTMLDocument.section("填报来源与状态", "Entries by source and status", entries())
        body += HTMLDocument.section("预警处置", "Alerts", alerts())
        body += HTMLDocument.section("问题处置闭环", "Closed loop of cases", caseLoop())
        body += HTMLDocument.section("排名", "Ranking", long: true, RankingTable(rows: r.ranking, pseudonymised: r.pseudonymised).html())
        body += HTMLDocument.footer(r.provenance, generatedAt: r.generatedAt)
        return HTMLDocument.render(title: "归总统计 · " + r.organization + " · " + r.period, body: body)
    }

    /// The grade chart the page draws.
    public func gradeChart() -> GradeBarChart { GradeBarChart(counts: report.grades) }

    private func header() -> String {
        let r = report
        let meta: [(String, String, String)] = [
            ("评价周期", "Period", r.period),
            ("业务类别", "Category", r.categoryFilter ?? "全部类别 All categories"),
            ("生成时间", "Generated", r.generatedAt),
        ]
        let notice = !r.pseudonymised ? "" : "<div class=\"notice pseudonymised\"><strong>已脱敏 · Pseudonymised</strong>"
            + "姓名已以代号替代，涉及少于 5 人的单元格不显示（标为 “&lt;5”）。"
            + "Names replaced by pseudonyms; cells under 5 people suppressed.</div>"
        return HTMLDocument.header("归总统计", "Integrity statistics", title: r.organization, meta: meta, after: notice)
    }

    private func keyFigures() -> String {
        let k = report.keyFigures
        let figures: [(String, String, String)] = [
            ("评价人数", "Subjects", HTML.cell(k.subjects)),
            ("评价人次", "Person-times", HTML.cell(k.personTimes)),
            ("平均分", "Mean", HTML.cell(k.mean)),
            ("中位数", "Median", HTML.cell(k.median)),
            ("无数据人数", "No data", HTML.cell(k.noData)),
        ]
        return "<div class=\"figures\">" + figures.map {
            "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual($0.0, $0.1) + "</div><div class=\"value\">" + $0.2 + "</div></div>"
        }.joined() + "</div><p class=\"muted\" style=\"font-size:8.5pt;margin:6px 0 0\">平均分与中位数只计有数据的人员；无数据人员不计分，不视为满分。"
            + "Mean and median cover scored subjects only; no data is never counted as a perfect score.</p>"
    }

    private func children() -> String {
        var columns: [(header: String, cls: String)] = [
            (HTML.bilingual("单位", "Organisation"), "wrap"), (HTML.bilingual("人数", "Subj."), "num"),
            (HTML.bilingual("平均分", "Mean"), "num"), (HTML.bilingual("中位数", "Median"), "num"),
        ]
        for g in Grade.allCases { columns.append(("<span class=\"grade-text-\(g.rawValue)\">" + HTML.bilingual(g.reportLabel) + "</span>", "num")) }
        columns += [(HTML.bilingual("预警", "Alerts"), "num"), (HTML.bilingual("已处置", "Handled"), "num")]
        let rows = report.children.map { c -> [String] in
            [HTML.text(c.name), HTML.cell(c.subjects), HTML.cell(c.mean), HTML.cell(c.median)]
                + Grade.allCases.map { HTML.cell(c.grades[$0]) }
                + [HTML.cell(c.alertsRaised), HTML.cell(c.alertsHandled)]
        }
        return HTML.table("children", columns: columns,
                          widths: ["22%", "7%", "9%", "9%", "9%", "9%", "9%", "9%", "8%", "9%"], rows: rows,
                          empty: "无下级单位 No child organisations")
    }

    private func debitTags() -> String {
        HTML.table("debit-tags", columns: [
            (HTML.bilingual("标签", "Tag"), "wrap"), (HTML.bilingual("维度", "Dimension"), ""),
            (HTML.bilingual("条数", "Entries"), "num"), (HTML.bilingual("涉及人数", "Subjects"), "num"),
        ], widths: ["52%", "20%", "14%", "14%"], rows: report.topDebitTags.map { t in
            [HTML.text(t.tagName) + HTML.code(t.tagCode), HTML.bilingual(t.dimension.reportLabel),
             HTML.cell(t.entries), HTML.cell(t.subjects)]
        }, empty: "本期无扣分填报 No debit entries")
    }

    private func entries() -> String {
        let statuses: [EntryStatus] = [.submitted, .confirmed, .rejected, .revoked]
        return HTML.table("sources", columns: [(HTML.bilingual("来源", "Source"), "wrap")]
            + statuses.map { (HTML.bilingual($0.reportLabel), "num") },
            widths: ["28%", "18%", "18%", "18%", "18%"], rows: report.entriesBySource.map { row in
                [HTML.bilingual(row.source.reportLabel)] + statuses.map { HTML.cell(row[$0]) }
            }, empty: "本期无填报 No entries")
    }

    private func alerts() -> String {
        let a = report.alerts
        let figures: [(String, String, String)] = [
            ("发起", "Raised", HTML.cell(a.raised)),
            ("已处置", "Handled", HTML.cell(a.handled)),
            ("转为案件", "Cases", HTML.cell(a.turnedIntoCases)),
            ("已排除", "Dismissed", HTML.cell(a.dismissed)),
            ("待处理", "Open", HTML.cell(a.open)),
        ]
        return "<div class=\"figures\">" + figures.map {
            "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual($0.0, $0.1) + "</div><div class=\"value\">" + $0.2 + "</div></div>"
        }.joined() + "</div>"
    }

    private func caseLoop() -> String {
        let c = report.cases
        func optional(_ cell: Cell<Exact>?, _ suffix: String) -> String {
            guard let cell else { return "<span class=\"muted\">—</span>" }
            return HTML.cell(cell) + (cell == .suppressed ? "" : suffix)
        }
        let figures: [(String, String, String)] = [
            ("本期立案", "Opened", HTML.cell(c.opened)),
            ("本期办结", "Closed", HTML.cell(c.closed)),
            ("查无实据了结", "Dismissed", HTML.cell(c.dismissed)),
            ("当前超期", "Overdue now", HTML.cell(c.overdue)),
            ("办结率", "Settled", optional(c.closureRate, "%")),
            ("办结用时中位数", "Median days to close", optional(c.medianDaysToClose, " 天")),
        ]
        let forms = ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]
        return "<div class=\"figures six\">" + figures.map {
            "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual($0.0, $0.1) + "</div><div class=\"value\">" + $0.2 + "</div></div>"
        }.joined() + "</div>"
            + HTML.table("forms", columns: forms.enumerated().map { i, f in (HTML.bilingual(f, "Form \(i + 1)"), "num") },
                         rows: [c.dispositions.map { HTML.cell($0) }])
    }
}
