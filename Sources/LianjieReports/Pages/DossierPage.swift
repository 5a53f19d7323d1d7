import LianjieScoring

/// The integrity dossier (廉洁档案) of one subject as one printable HTML document: header,
/// an overview, placements, the evaluations with their trend, the record of entries,
/// alerts, cases with their dispositions, talks, and the content hash in the footer.
public struct DossierPage: Sendable, Hashable {
    public var report: DossierReport

    public init(_ report: DossierReport) { self.report = report }

    /// The complete HTML5 document.
    public func html() -> String {
        let r = report
        var body = header()
        body += HTMLDocument.section("档案概览", "Overview", overview())
        body += HTMLDocument.section("任职经历", "Placements", placements())
        body += HTMLDocument.section("历次评价", "Evaluations", long: true, "<figure>" + trendChart().svg()
            + "<figcaption>季度总分；阴影为等级区间。Quarterly totals; bands show the grade thresholds.</figcaption></figure>" + evaluations())
        body += HTMLDocument.section("廉洁记录", "Entries", long: true, entries())
        if !r.ownView { body += HTMLDocument.section("预警记录", "Alerts", alerts()) }
        body += HTMLDocument.section("问题处置", "Cases", long: true, cases())
        body += HTMLDocument.section("谈话提醒与告知", "Talks and notices", talks())
        body += HTMLDocument.footer([("档案摘要", "Content hash", r.contentHash), ("员工编号", "Employee No.", r.subject.employeeNumber)],
                                    generatedAt: r.generatedAt)
        return HTMLDocument.render(title: "廉洁档案 · " + r.subject.name, body: body)
    }

    /// The trend chart the page draws.
    public func trendChart() -> TrendChart {
        TrendChart(points: report.trend, bands: report.bands, title: "季度总分趋势")
    }

    // MARK: Sections

    private func header() -> String {
        let s = report.subject
        let meta: [(String, String, String)] = [
            ("员工编号", "Employee No.", s.employeeNumber),
            ("单位", "Organisation", s.organization),
            ("业务类别", "Category", s.category),
            ("岗位", "Post", s.post),
            ("生成时间", "Generated", report.generatedAt),
        ]
        return HTMLDocument.header("廉洁档案", "Integrity dossier", subtitle: report.ownView ? " · " + HTML.bilingual("本人查阅", "own view") : "",
                                   title: s.name, meta: meta)
    }

    private func overview() -> String {
        let r = report
        func fact(_ zh: String, _ en: String, _ value: String, _ note: String = "") -> String {
            "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual(zh, en) + "</div><div class=\"value\">" + value + "</div>"
                + (note.isEmpty ? "" : "<div class=\"note\">" + HTML.text(note) + "</div>") + "</div>"
        }
        let latest = r.evaluations.first
        let latestValue = latest.map { e in
            e.grade.map { HTML.gradeBadge($0) } ?? "<span class=\"nodata\">无数据</span>"
        } ?? "<span class=\"muted\">—</span>"
        let counted = r.entries.filter { !$0.revoked }
        let open = r.cases.filter(\.stillOpen)
        let vetoes = r.evaluations.filter(\.vetoed).count
        var out = "<div class=\"facts four\">"
        out += fact("最近评价", "Latest evaluation", latestValue, latest.map { $0.period + ($0.total.map { " · " + Format.number($0) } ?? "") } ?? "尚无 None yet")
        out += fact("已发布评价", "Evaluations", HTML.text(String(r.evaluations.count)), vetoes > 0 ? "其中一票否决 \(vetoes) 次 vetoed \(vetoes)" : "")
        out += fact("计入记录", "Entries counted", HTML.text(String(counted.count)),
                    "加分 \(counted.filter { !$0.debit }.count) · 扣分 \(counted.filter(\.debit).count) · 已撤销 \(r.entries.count - counted.count)")
        out += fact("未结问题", "Open cases", HTML.text(String(open.count)), "共 \(r.cases.count) 件 of \(r.cases.count)")
        out += "</div>"
        if r.entriesTruncated {
            out += "<div class=\"notice warn\"><strong>仅列出最近 \(r.entries.count) 条记录 · Only the newest \(r.entries.count) entries are listed</strong></div>"
        }
        return out
    }

    private func placements() -> String {
        HTML.table("placements", columns: [
            (HTML.bilingual("单位", "Organisation"), "wrap"), (HTML.bilingual("起", "From"), "nowrap"), (HTML.bilingual("止", "To"), "nowrap"),
            (HTML.bilingual("调动原因", "Reason"), "wrap"),
        ], widths: ["34%", "16%", "16%", "34%"], rows: report.placements.map { p in
            [HTML.text(p.organization), HTML.text(p.from), p.to.isEmpty ? "<span class=\"muted\">至今 now</span>" : HTML.text(p.to), HTML.text(p.reason)]
        })
    }

    private func evaluations() -> String {
        HTML.table("evaluations", columns: [
            (HTML.bilingual("周期", "Period"), "nowrap"), (HTML.bilingual("总分", "Total"), "num"), (HTML.bilingual("等级", "Grade"), "center"),
            (HTML.bilingual("单位内排名", "Rank"), "num"), (HTML.bilingual("说明", "Note"), "wrap"),
        ], widths: ["18%", "16%", "18%", "18%", "30%"], rows: report.evaluations.map { e in
            [HTML.text(e.period), e.total.map { HTML.text(Format.number($0)) } ?? "<span class=\"nodata\">无数据</span>",
             e.grade.map { HTML.gradeBadge($0) } ?? "—", HTML.text(e.rank),
             e.vetoed ? "<span class=\"veto-mark\">触及红线 Red line</span>" : (e.total == nil ? "不计分 Not scored" : "")]
        }, empty: "尚无已发布的评价 No published evaluation")
    }

    private func entries() -> String {
        HTML.table("entries", columns: [
            (HTML.bilingual("日期", "Date"), "nowrap"), (HTML.bilingual("标签", "Tag"), "wrap"), (HTML.bilingual("维度", "Dim."), ""),
            (HTML.bilingual("性质", "Kind"), "center"), (HTML.bilingual("状态", "Status"), "center"), (HTML.bilingual("备注", "Note"), "wrap"),
        ], widths: ["14%", "34%", "12%", "10%", "10%", "20%"], rows: report.entries.map { e in
            [HTML.text(e.day), HTML.text(e.tagName) + HTML.code(e.tagCode), HTML.text(e.dimension?.reportLabel.zh ?? ""),
             e.debit ? "<span class=\"sev sev-warning\">扣分</span>" : "加分", e.revoked ? "<span class=\"muted\">已撤销</span>" : "有效",
             HTML.text(e.note)]
        }, rowClasses: report.entries.map { $0.revoked ? "revoked" : "" }, empty: "无记录 No entries")
    }

    private func alerts() -> String { HTML.alerts(report.alerts, empty: "无预警 No alerts") }

    private func cases() -> String {
        guard !report.cases.isEmpty else { return "<p class=\"muted\">无 None</p>" }
        return report.cases.map { c in
            var rows: [(String, String, String)] = [("状态", "State", "<strong>" + HTML.bilingual(c.state) + "</strong>"),
                                                    ("立案日期", "Opened", HTML.text(c.opened))]
            if !c.source.isEmpty { rows.append(("线索来源", "Source", HTML.text(c.source))) }
            if !c.summary.isEmpty { rows.append(("问题摘要", "Summary", HTML.text(c.summary))) }
            if !c.disposition.isEmpty { rows.append(("处置", "Disposition", HTML.text(c.disposition))) }
            if !c.rectification.isEmpty { rows.append(("整改", "Rectification", HTML.text(c.rectification))) }
            if !c.conclusion.isEmpty { rows.append(("结论", "Conclusion", HTML.text(c.conclusion))) }
            return "<div class=\"case\"><h3>" + HTML.text(c.number) + "</h3><dl class=\"case-facts\">"
                + rows.map { "<dt>" + HTML.bilingual($0.0, $0.1) + "</dt><dd>" + $0.2 + "</dd>" }.joined() + "</dl></div>"
        }.joined()
    }

    private func talks() -> String {
        HTML.table("talks", columns: [
            (HTML.bilingual("日期", "Date"), "nowrap"), (HTML.bilingual("类别", "Kind"), "center"), (HTML.bilingual("问题编号", "Case"), "nowrap"),
            (HTML.bilingual("谈话人", "Held by"), "wrap"), (HTML.bilingual("本人确认", "Acknowledged"), "nowrap"),
        ], widths: ["15%", "15%", "20%", "25%", "25%"], rows: report.talks.map { t in
            [HTML.text(t.day), HTML.text(t.kind), HTML.text(t.caseNumber), HTML.text(t.heldBy),
             t.acknowledged.isEmpty ? "<span class=\"sev sev-warning\">未确认 Not yet</span>" : HTML.text(t.acknowledged)]
        }, empty: "无 None")
    }
}
