import LianjieScoring

/// The integrity portrait (廉洁画像) of one subject for one period, as one printable HTML
/// document: header, summary, dimensions, trend, weightiest tags, the breakdown that adds
/// up to the total, open alerts, data-quality notes and where the figures came from.
public struct PortraitPage: Sendable, Hashable {
    public var report: PortraitReport
    /// How many tag steps the waterfall shows before folding the rest into one.
    public var waterfallSteps: Int

    public init(_ report: PortraitReport, waterfallSteps: Int = 8) {
        self.report = report
        self.waterfallSteps = waterfallSteps
    }

    /// The complete HTML5 document.
    public func html() -> String {
        let r = report
        var body = header()
        body += HTMLDocument.section("综合评价", "Summary", summary())
        body += HTMLDocument.section("维度得分", "Dimensions", dimensions())
        body += HTMLDocument.section("得分趋势", "Trend", "<figure>" + trendChart().svg()
            + "<figcaption>阴影为等级区间；圆点颜色为当期等级（触及红线时为较差）。"
            + "Bands show the grade thresholds; points are coloured by the grade given.</figcaption></figure>")
        body += HTMLDocument.section("主要加减分标签", "Weightiest tags", tags())
        if let score = r.result.score {
            body += HTMLDocument.section("得分构成", "Breakdown", long: true, breakdown(score))
        }
        body += HTMLDocument.section("待处理预警", "Open alerts", alerts())
        if !r.openCases.isEmpty { body += HTMLDocument.section("未结问题", "Open cases", openCases()) }
        body += HTMLDocument.section("数据质量说明", "Data quality", dataQuality())
        body += HTMLDocument.footer(r.provenance, generatedAt: r.generatedAt)
        return HTMLDocument.render(title: "廉洁画像 · " + r.subject.name + " · " + r.period, body: body)
    }

    /// The radar chart the page draws.
    public func radarChart() -> RadarChart {
        let score = report.result.score
        return RadarChart(axes: report.scale.dimensions.map { d in
            RadarChart.Axis(label: d.dimension.reportLabel, minimum: d.minimum, maximum: d.maximum,
                            value: score?.dimension(d.dimension)?.score, reference: report.peers?.dimensions[d.dimension])
        }, referenceLegend: report.peers.map { "中位数 · " + $0.group } ?? "同类中位数")
    }

    /// The trend chart the page draws.
    public func trendChart() -> TrendChart {
        TrendChart(points: report.trend, bands: report.scale.grades, minimum: report.scale.totalMinimum,
                   maximum: report.scale.totalMaximum)
    }

    /// The waterfall the page draws: counted entries summed per tag, credits then debits,
    /// each by size; nil with no data.
    public func waterfallChart() -> WaterfallChart? {
        guard let score = report.result.score else { return nil }
        let b = score.breakdown
        var order: [String] = []
        var sums: [String: (name: String, sum: Exact, count: Int)] = [:]
        for e in b.entries where e.outcome == .counted {
            let key = e.tagCode + "\u{0}" + e.tagName
            if sums[key] == nil { order.append(key); sums[key] = (e.tagName, .zero, 0) }
            sums[key]!.sum += e.weighted
            sums[key]!.count += 1
        }
        let steps = order.map { key -> WaterfallChart.Step in
            let s = sums[key]!
            return WaterfallChart.Step(label: s.count > 1 ? "\(s.name) ×\(s.count)" : s.name, delta: s.sum)
        }
        let credits = steps.filter { $0.delta >= .zero }.sorted { $0.delta > $1.delta }
        let debits = steps.filter { $0.delta < .zero }.sorted { $0.delta < $1.delta }
        return WaterfallChart(start: b.weightedBase, contributions: credits + debits, adjustment: b.rangeAdjustment,
                              maxSteps: waterfallSteps)
    }

    // MARK: Sections

    private func header() -> String {
        let s = report.subject
        let meta: [(String, String, String)] = [
            ("员工编号", "Employee No.", s.employeeNumber),
            ("单位", "Organisation", s.organization),
            ("业务类别", "Category", s.category),
            ("岗位", "Post", s.post),
            ("评价周期", "Period", report.period),
            ("生成时间", "Generated", report.generatedAt),
        ]
        return HTMLDocument.header("廉洁画像", "Integrity portrait", title: s.name, meta: meta)
    }

    private func summary() -> String {
        guard let score = report.result.score else {
            var out = "<div class=\"summary\"><div class=\"score-card nodata-card\"><div class=\"label\">"
                + HTML.bilingual("总分", "Total") + "</div><div class=\"score nodata\">无数据</div>"
                + "<div class=\"muted\">No data</div></div><div>"
            out += "<div class=\"notice warn\" style=\"margin-top:0\"><strong>本期无数据，不计分 · No data this period</strong>"
                + "本期没有已确认的填报计入，因此不评分、不定等级、不参与排名——无数据不等于满分。"
                + "No confirmed entry counted in this period, so there is no score, grade or rank: missing data is never a clean record.</div>"
            if let previous = report.previous { out += "<div class=\"facts\" style=\"margin-top:10px\">" + previousFact(previous, current: nil) + "</div>" }
            return out + "</div></div>"
        }
        var out = "<div class=\"summary\"><div class=\"score-card\"><div class=\"label\">" + HTML.bilingual("总分", "Total")
            + "</div><div class=\"score\">" + HTML.text(Format.number(score.total)) + "</div>" + HTML.gradeBadge(score.grade, large: true)
            + "</div><div class=\"facts\">"
        out += standingFact("单位内排名", "Rank in organisation", score.withinOrganization)
        out += standingFact("类别内排名", "Rank in category", score.withinCategory)
        out += report.previous.map { previousFact($0, current: score) }
            ?? "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual("较上期", "vs previous period")
            + "</div><div class=\"value muted\">—</div><div class=\"note\">上期未评价 Not evaluated before</div></div>"
        out += "</div></div>"
        if score.vetoed {
            out += "<div class=\"notice veto\"><strong>触及红线，一票否决 · Red-line veto</strong>"
                + "本期计入红线标签：" + score.redLines.map(HTML.text).joined(separator: "、")
                + "。无论得分多少，等级定为“较差”。A red-line entry counted, so the grade is Poor whatever the points.</div>"
        }
        return out
    }

    private func standingFact(_ zh: String, _ en: String, _ s: PeerStanding?) -> String {
        var out = "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual(zh, en) + "</div>"
        guard let s else { return out + "<div class=\"value muted\">—</div><div class=\"note\">无排名 Not ranked</div></div>" }
        out += "<div class=\"value\">\(s.rank) <span class=\"muted\" style=\"font-size:10pt\">/ \(s.peers)</span></div>"
        out += "<div class=\"note\">超过 " + HTML.text(Format.percent(s.percentile)) + " 的人员 · " + HTML.text(s.group) + "</div></div>"
        return out
    }

    private func previousFact(_ p: PreviousResult, current: PortraitScore?) -> String {
        var out = "<div class=\"fact\"><div class=\"label\">" + HTML.bilingual("较上期", "vs previous period") + "</div>"
        if let now = current, let before = p.total {
            out += "<div class=\"value\">" + HTML.change(now.total - before) + "</div><div class=\"note\">"
                + HTML.text(p.period) + "：" + HTML.text(Format.number(before))
            if let g = p.grade {
                out += " <span class=\"nowrap\">" + HTML.text(g.reportLabel.zh)
                    + (g != now.grade ? " → " + HTML.text(now.grade.reportLabel.zh) : "") + "</span>"
            }
            return out + "</div></div>"
        }
        out += "<div class=\"value muted\">—</div><div class=\"note\">" + HTML.text(p.period) + "："
        out += p.total.map { HTML.text(Format.number($0)) + (p.grade.map { " " + HTML.text($0.reportLabel.zh) } ?? "") } ?? "无数据 No data"
        return out + "</div></div>"
    }

    private func dimensions() -> String {
        let score = report.result.score
        let rows = report.scale.dimensions.map { d -> [String] in
            let result = score?.dimension(d.dimension)
            let median = report.peers?.dimensions[d.dimension]
            var diff = "<span class=\"muted\">—</span>"
            if let v = result?.score, let m = median { diff = HTML.change(v - m) }
            return [
                HTML.bilingual(d.dimension.reportLabel),
                result.map { "<strong>" + HTML.text(Format.number($0.score)) + "</strong>" } ?? "<span class=\"nodata\">无数据</span>",
                median.map { HTML.text(Format.number($0)) } ?? "<span class=\"muted\">—</span>",
                diff,
                HTML.text(Format.number(d.weight)),
            ]
        }
        let table = HTML.table("dimensions", columns: [
            (HTML.bilingual("维度", "Dimension"), ""), (HTML.bilingual("得分", "Score"), "num"),
            (HTML.bilingual("中位数", "Median"), "num"), (HTML.bilingual("差值", "Diff."), "num"),
            (HTML.bilingual("权重", "Weight"), "num"),
        ], widths: ["30%", "18%", "18%", "18%", "16%"], rows: rows)
        let scales = report.scale.dimensions
        var note = "<p class=\"note\">雷达图中心为各维度最低分，外圈为最高分（"
        if let first = scales.first, scales.allSatisfy({ $0.minimum == first.minimum && $0.maximum == first.maximum }) {
            note += HTML.text(first.minimum.description + "–" + first.maximum.description)
        } else {
            note += scales.map { HTML.text($0.dimension.reportLabel.zh + " " + $0.minimum.description + "–" + $0.maximum.description) }
                .joined(separator: "，")
        }
        note += "）"
        if let peers = report.peers { note += "；虚线为" + HTML.text(peers.group) + "的中位数" }
        note += "。Centre = each dimension's minimum, rim = maximum.</p>"
        return "<div class=\"cols wide-first\"><figure>" + radarChart().svg() + "</figure><div>" + table + note + "</div></div>"
    }

    private func tags() -> String {
        func table(_ items: [TagWeight], empty: String) -> String {
            HTML.table("tags", columns: [
                (HTML.bilingual("标签", "Tag"), "wrap"), (HTML.bilingual("维度", "Dim."), ""),
                (HTML.bilingual("次数", "Count"), "num"), (HTML.bilingual("计入总分", "To total"), "num"),
            ], widths: ["46%", "18%", "14%", "22%"], rows: items.map { t in
                [HTML.text(t.tagName) + HTML.code(t.tagCode),
                 HTML.text(t.dimension.reportLabel.zh), String(t.count), HTML.change(t.contribution)]
            }, empty: empty)
        }
        return "<div class=\"cols\"><div><h3>" + HTML.bilingual("加分标签", "Credits") + "</h3>"
            + table(report.topCredits, empty: "本期无加分 No credits") + "</div><div><h3>" + HTML.bilingual("扣分标签", "Debits")
            + "</h3>" + table(report.topDebits, empty: "本期无扣分 No debits") + "</div></div>"
    }

    private func breakdown(_ score: PortraitScore) -> String {
        let b = score.breakdown
        var out = ""
        // Per dimension: base + entries + adjustment = score; × weight = weighted; Σ = total.
        let weights = Dictionary(report.scale.dimensions.map { ($0.dimension, $0.weight) }, uniquingKeysWith: { a, _ in a })
        let dimensionRows = score.dimensions.map { d -> [String] in
            [HTML.bilingual(d.dimension.reportLabel), HTML.text(Format.number(d.base)), HTML.change(d.entries),
             HTML.change(d.adjustment == .zero ? nil : d.adjustment), "<strong>" + HTML.text(Format.number(d.score)) + "</strong>",
             HTML.text(weights[d.dimension].map(Format.number) ?? "—"), HTML.text(Format.number(d.weighted))]
        }
        let weightedSum = score.dimensions.reduce(Exact.zero) { $0 + $1.weighted }
        out += "<h3>" + HTML.bilingual("各维度", "By dimension") + "</h3>"
        out += HTML.table("dimension-sum", columns: [
            (HTML.bilingual("维度", "Dimension"), ""), (HTML.bilingual("基础分", "Base"), "num"),
            (HTML.bilingual("填报", "Entries"), "num"), (HTML.bilingual("区间调整", "Adjust."), "num"),
            (HTML.bilingual("得分", "Score"), "num"), (HTML.bilingual("权重", "Weight"), "num"),
            (HTML.bilingual("加权得分", "Weighted"), "num"),
        ], widths: ["22%", "13%", "13%", "13%", "13%", "12%", "14%"], rows: dimensionRows, footer: [
            "<tr class=\"grand\"><td colspan=\"6\">" + HTML.bilingual("合计 = 总分", "Sum = total") + "</td><td class=\"num\">"
                + HTML.text(Format.number(weightedSum)) + "</td></tr>",
        ])
        if let chart = waterfallChart() {
            out += "<h3 style=\"margin-top:14px\">" + HTML.bilingual("加减分构成", "From base to total") + "</h3>"
            out += "<figure>" + chart.svg() + "<figcaption>按标签合计，已乘维度权重；绿色为加分，红色为扣分。"
                + "Per tag, after dimension weights; green adds, red takes away.</figcaption></figure>"
        }
        out += "<h3 style=\"margin-top:14px\">" + HTML.bilingual("逐条明细", "Entry by entry") + "</h3>"
        let rows = b.entries.map { e -> [String] in
            let calc = [e.points, e.quantity, e.tagCoefficient, e.categoryCoefficient, e.postCoefficient]
                .map(Format.number).joined(separator: " × ")
            return [
                HTML.text(e.occurredOn.description),
                HTML.text(e.tagName) + HTML.code(e.tagCode),
                HTML.text(e.dimension.reportLabel.zh),
                HTML.text(e.outcome.reportLabel.zh),
                HTML.text((e.polarity == .debit ? Format.minus : "") + calc),
                HTML.text(Format.signed(e.contribution)),
                (e.outcome == .counted ? HTML.change(e.weighted) : HTML.text(Format.signed(e.weighted)))
                    + "<div class=\"code\">× " + HTML.text(Format.number(e.weight)) + "</div>",
            ]
        }
        let entriesSum = b.entries.reduce(Exact.zero) { $0 + $1.weighted }
        func footerRow(_ zh: String, _ en: String, _ value: String, grand: Bool = false) -> String {
            "<tr\(grand ? " class=\"grand\"" : "")><td colspan=\"6\">" + HTML.bilingual(zh, en) + "</td><td class=\"num\">"
                + value + "</td></tr>"
        }
        let table = HTML.table("entries", columns: [
            (HTML.bilingual("日期", "Date"), ""), (HTML.bilingual("标签", "Tag"), "wrap"),
            (HTML.bilingual("维度", "Dim."), ""), (HTML.bilingual("结果", "Outcome"), ""),
            (HTML.bilingual("分值×数量×标签×类别×岗位系数", "Points × qty × coefficients"), "calc"),
            (HTML.bilingual("维度分", "Dim. pts"), "num"), (HTML.bilingual("× 权重 = 计入总分", "× weight = to total"), "num"),
        ], widths: ["10.5%", "19.5%", "9%", "9.5%", "28%", "10%", "13.5%"], rows: rows,
            rowClasses: b.entries.map { $0.outcome == .counted ? "" : "not-counted" }, footer: [
            footerRow("基础分（加权）", "Weighted base", HTML.text(Format.number(b.weightedBase))),
            footerRow("逐条合计", "Entries", HTML.text(Format.signed(entriesSum))),
            footerRow("区间调整", "Range adjustment", HTML.text(Format.signed(b.rangeAdjustment))),
            footerRow("总分", "Total", HTML.text(Format.number(b.sumOfParts)), grand: true),
        ], empty: "本期无填报 No entries")
        out += table
        if b.sumOfParts != b.total || b.total != score.total {
            out += "<div class=\"notice warn\"><strong>明细与总分不一致 · The parts do not add up</strong>明细合计 "
                + HTML.text(Format.number(b.sumOfParts)) + "，运行给出的总分 " + HTML.text(Format.number(score.total))
                + "。请核对评价运行。The breakdown sums to a different total than the run reported; check the run.</div>"
        }
        return out
    }

    private func alerts() -> String { HTML.alerts(report.alerts, empty: "无待处理预警 No open alerts") }

    private func openCases() -> String {
        HTML.table("cases", columns: [
            (HTML.bilingual("编号", "Case"), "nowrap"), (HTML.bilingual("状态", "State"), "center"), (HTML.bilingual("办结期限", "Due"), "nowrap"),
            (HTML.bilingual("摘要", "Summary"), "wrap"),
        ], widths: ["18%", "20%", "22%", "40%"], rows: report.openCases.map { c in
            [HTML.text(c.number), HTML.bilingual(c.state),
             HTML.text(c.due) + (c.overdue ? " <span class=\"sev sev-serious\">超期 Overdue</span>" : ""), HTML.text(c.summary)]
        })
    }

    private func dataQuality() -> String {
        var items: [String] = []
        if case .noData = report.result {
            items.append("本期无数据：没有已确认的填报计入，不计分、不定级、不排名。No data: not scored, graded or ranked.")
        }
        let q = report.dataQuality
        if q.pendingReview > 0 {
            let english = q.pendingReview == 1 ? "1 entry awaits review and does not count yet."
                : "\(q.pendingReview) entries await review and do not count yet."
            items.append("待审核填报 \(q.pendingReview) 条，审核确认前不计入得分。" + english)
        }
        if q.pendingAppeals > 0 {
            let english = q.pendingAppeals == 1 ? "1 appeal awaits a decision; the score may change."
                : "\(q.pendingAppeals) appeals await a decision; the score may change."
            items.append("待决定申辩 \(q.pendingAppeals) 件，决定后可能重新计分。" + english)
        }
        items += q.notes
        guard !items.isEmpty else { return "<p class=\"muted\">无 None</p>" }
        return "<ul class=\"notes\">" + items.map { "<li>" + HTML.text($0) + "</li>" }.joined() + "</ul>"
    }
}
