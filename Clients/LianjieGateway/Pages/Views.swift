import Foundation
import LianjieMessages
import LianjieReports
import LianjieScoring

/// A portrait on a phone: the score and grade, the radar and trend charts the reports
/// module draws for the A4 page, the largest items, open alerts and cases.
enum PortraitView {
    static func html(_ p: Portrait) -> String {
        let report = MessageReports.portrait(p, generatedAt: "")
        let page = PortraitPage(report)
        var out = H.card("\(p.subjectName)（\(p.employeeNumber)）",
                         facts: [("单位", p.organizationName), ("岗位", p.postName.isEmpty ? p.categoryName : p.postName),
                                 ("评价期", report.period)])
        if let score = report.result.score {
            let grade = score.grade.reportLabel.zh
            out += "<article class=\"card\"><p class=\"score\">" + H.esc(Format.number(score.total))
                + " <span class=\"badge grade-\(score.grade.rawValue)\">\(H.esc(grade))</span></p>"
                + (score.vetoed ? "<p class=\"notice error\">触及红线，一票否决。</p>" : "")
                + "<dl class=\"dims\">" + score.dimensions.map {
                    "<dt>\(H.esc($0.dimension.reportLabel.zh))</dt><dd>\(H.esc(Format.number($0.score)))</dd>"
                }.joined() + "</dl></article>\n"
            out += "<div class=\"chart\">" + page.radarChart().svg() + "</div>\n"
        } else {
            out += "<p class=\"notice error\">本期没有已发布的评价结果，不计分。</p>"
        }
        if report.trend.count > 1 { out += "<div class=\"chart\">" + page.trendChart().svg() + "</div>\n" }
        let items = p.topDebits + p.topCredits
        if !items.isEmpty {
            out += H.card("主要加减分项", facts: items.map { ($0.name, "\($0.polarity == .debit ? "扣" : "加") \($0.contribution)（\($0.entries) 条）") })
        }
        if p.entriesPendingReview > 0 { out += "<p class=\"muted\">另有 \(p.entriesPendingReview) 条记录待审核，尚未计入。</p>" }
        for a in p.openAlerts { out += H.card("预警", badge: H.badge("未处理", "warn"), text: a.summary) }
        for c in p.openCases { out += H.card("案件 " + c.number, badge: H.badge("办理中", "warn"), text: c.summary) }
        return out
    }
}

/// A dossier on a phone: evaluations, entries, alerts, cases and talks as lists.
enum DossierView {
    static func html(_ d: DossierReport) -> String {
        var out = H.card("\(d.subject.name)（\(d.subject.employeeNumber)）",
                         facts: [("单位", d.subject.organization), ("类别", d.subject.category), ("生成时间", d.generatedAt)])
        out += "<h2>历次评价</h2>"
        out += d.evaluations.isEmpty ? H.empty("没有已发布的评价。")
            : H.card("评价结果", facts: d.evaluations.map { ($0.period, ($0.total.map(Format.number) ?? "无数据") + ($0.grade.map { " · " + $0.reportLabel.zh } ?? "") + ($0.vetoed ? " · 否决" : "")) })
        out += "<h2>廉洁记录</h2>"
        out += d.entries.isEmpty ? H.empty("没有记录。")
            : d.entries.prefix(200).map { H.card($0.tagName, badge: $0.revoked ? H.badge("已撤销") : ($0.debit ? H.badge("扣分", "bad") : H.badge("加分", "ok")),
                                                  facts: [("日期", $0.day)] + ($0.note.isEmpty ? [] : [("说明", $0.note)])) }.joined()
        if d.entriesTruncated || d.entries.count > 200 { out += "<p class=\"muted\">只列出最近的记录；完整档案请在电脑上导出。</p>" }
        if !d.cases.isEmpty {
            out += "<h2>问题处置</h2>" + d.cases.map { H.card("案件 " + $0.number, badge: H.badge($0.state.zh, $0.stillOpen ? "warn" : ""),
                                                           facts: [("立案", $0.opened)], text: $0.summary) }.joined()
        }
        if !d.talks.isEmpty {
            out += "<h2>谈话提醒</h2>" + d.talks.map { H.card($0.kind, facts: [("日期", $0.day), ("谈话人", $0.heldBy), ("确认", $0.acknowledged)]) }.joined()
        }
        out += "<p class=\"muted\">档案摘要 \(H.esc(String(d.contentHash.prefix(16))))</p>"
        return out
    }
}
