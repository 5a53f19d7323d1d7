import Foundation
import LianjieMessages
import LianjieRPC
import LianjieReports
import LianjieScoring
import LianjieScoringMessages

/// The manager's pages: the team with its grades, a member's portrait, recording an entry
/// on the spot with a photo, and the rectification reports of the team's cases.
enum ManagerPages {
    static let routes: [MobileSite.Route] = [
        .init(method: "GET", pattern: ["team"], handler: team),
        .init(method: "GET", pattern: ["team", "*"], handler: member),
        .init(method: "GET", pattern: ["entries", "new"], handler: newEntry),
        .init(method: "POST", pattern: ["entries", "new"], handler: record),
        .init(method: "POST", pattern: ["cases", "*", "report"], handler: reportRectification),
    ]

    static func team(_ c: PageContext) throws -> HTTPResponse {
        let subjects = try c.call(UserService.listSubjects, ListSubjectsRequest(status: .active, pageSize: 200)).subjects
        // The grades of the newest current run the viewer can see.
        var grades: [String: EvaluationResult] = [:]
        var period = ""
        let runs = try c.call(EvaluationService.listEvaluationRuns, ListEvaluationRunsRequest(currentOnly: true, pageSize: 20)).runs
        if let run = runs.max(by: { ($0.publishTime?.seconds ?? 0) < ($1.publishTime?.seconds ?? 0) }) {
            period = PeriodText.of(run.period)
            var token = ""
            repeat {
                let page = try c.call(EvaluationService.listEvaluationResults, ListEvaluationResultsRequest(runId: run.id, pageSize: 200, pageToken: token))
                for r in page.results { grades[r.subjectId] = r }
                token = page.nextPageToken
            } while !token.isEmpty && grades.count < 5000
        }
        var body = period.isEmpty ? "" : "<p class=\"muted\">评价期：\(H.esc(period))</p>"
        if subjects.isEmpty { body += H.empty("没有可查看的人员。") }
        for s in subjects where s.id != c.me.subjectID {
            let r = grades[s.id]
            let badge = r.map { r -> String in
                guard !r.noData, let grade = r.grade.core else { return H.badge("无数据") }
                return H.badge("\(grade.reportLabel.zh) \(Exact(r.total).map(Format.number) ?? r.total)", "grade-\(grade.rawValue)")
            } ?? H.badge("未评价")
            body += H.card("\(s.name)（\(s.employeeNumber)）", badge: badge,
                           actions: "<p class=\"actions\">" + H.link("画像", "/m/team/\(s.id)")
                               + H.link("记录情况", "/m/entries/new?subject=\(FormEncoding.escape(s.id))") + "</p>")
        }
        return c.page("我的团队", body)
    }

    static func member(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        let p = try c.call(EvaluationService.getPortrait, GetPortraitRequest(subject: id, trendPeriods: 4))
        return c.page("廉洁画像", PortraitView.html(p))
    }

    static func newEntry(_ c: PageContext) throws -> HTTPResponse {
        try entryForm(c, status: 200, notice: nil, values: ["subject": c.query["subject"] ?? ""])
    }

    /// The form, with `values` kept after a refusal (and the evidence already uploaded,
    /// so it is not sent twice).
    static func entryForm(_ c: PageContext, status: Int, notice: Notice?, values: [String: String]) throws -> HTTPResponse {
        let subjects = try c.call(UserService.listSubjects, ListSubjectsRequest(status: .active, pageSize: 200)).subjects
            .filter { $0.id != c.me.subjectID }
        let scheme = try c.call(EntryService.getScheme, GetSchemeRequest())
        var tags: [(value: String, text: String)] = []
        for library in scheme.libraries {
            for t in library.tags where !t.retired {
                tags.append(("\(library.code)/\(t.code)", "\(t.polarity == .debit ? "扣" : "加") · \(t.name)\(t.evidenceRequired ? "（需证据）" : "")"))
            }
        }
        let today = Beijing.day(c.site.now()).description
        var fields = [
            H.hidden("rid", values["rid"] ?? UUID().uuidString),
            H.select("人员", "subject", [(value: "", text: "请选择")] + subjects.map { ($0.id, "\($0.name)（\($0.employeeNumber)）") },
                     selected: values["subject"] ?? ""),
            H.select("情况", "tag", [(value: "", text: "请选择")] + tags, selected: values["tag"] ?? ""),
            H.field("发生日期", "occurred_on", type: "date", value: values["occurred_on"] ?? today, extra: "max=\"\(today)\""),
            H.textarea("情况说明", "description", value: values["description"] ?? "", maxLength: 2000),
        ]
        if let evidence = values["evidence_id"], !evidence.isEmpty {
            fields.append(H.hidden("evidence_id", evidence))
            fields.append("<p class=\"muted\">已上传照片：\(H.esc(values["evidence_name"] ?? ""))</p>")
        } else {
            // size and sha256 come before the file: the gateway streams the photo on to
            // lianjied, which wants both before the first byte.
            fields += [H.hidden("size", ""), H.hidden("sha256", ""),
                       "<label>现场照片（可选）<input type=\"file\" name=\"photo\" accept=\"image/*\" capture=\"environment\" data-digest></label>",
                       "<img class=\"preview\" alt=\"照片预览\">"]
        }
        let body = H.form("/m/entries/new", c.viewer, fields, submit: "提交记录", multipart: true)
            + "<p class=\"muted\">记录提交后由纪检人员审核，确认后计入评价。不能记录本人的情况。</p>"
        return MobileSite.html(status, H.page("记录廉洁情况", viewer: c.viewer, notice: notice ?? c.doneNotice, body))
    }

    static func record(_ c: PageContext) throws -> HTTPResponse {
        var values = c.form
        if let e = c.upload?.evidence {
            values["evidence_id"] = e.id
            values["evidence_name"] = e.fileName
        }
        if let error = c.upload?.error {
            if error.status == .unauthenticated { throw error }
            return try entryForm(c, status: Problem.httpStatus(error.status), notice: Notice(tone: .error, text: "照片未能上传：" + error.message), values: values)
        }
        var request = SubmitEntryRequest(requestId: c.requestID(), subjectId: c.field("subject"), tag: c.field("tag"),
                                         occurredOn: c.date("occurred_on"), quantity: "1", description: c.field("description"), source: .mobile)
        if let evidence = values["evidence_id"], !evidence.isEmpty { request.evidenceIds = [evidence] }
        do {
            _ = try c.call(EntryService.submitEntry, request)
        } catch {
            if error.status == .unauthenticated { throw error }
            return try entryForm(c, status: Problem.httpStatus(error.status),
                                 notice: .refusal(error, name: FieldNames.zh),
                                 values: values)
        }
        return MobileSite.redirect("/m/entries/new?done=recorded")
    }

    static func reportRectification(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(ResultUseService.reportRectification, ReportRectificationRequest(requestId: c.requestID(), id: id, report: c.field("report")))
        return MobileSite.redirect("/m/cases?done=reported")
    }
}

/// The Chinese names of request fields, for refusals shown on a form.
enum FieldNames {
    static func zh(_ field: String) -> String {
        switch field {
        case "subject_id": return "人员"
        case "tag": return "情况"
        case "occurred_on": return "发生日期"
        case "description": return "情况说明"
        case "evidence_ids": return "照片"
        case "reason": return "理由"
        case "statement": return "申辩理由"
        case "report": return "整改情况"
        case "summary": return "摘要"
        default: return field
        }
    }
}

enum PeriodText {
    static func of(_ p: LianjieMessages.Period?) -> String {
        guard let p, p.year > 0 else { return "" }
        switch p.kind {
        case .quarter: return "\(p.year) 年第 \(p.index) 季度"
        case .month: return "\(p.year) 年 \(p.index) 月"
        default: return "\(p.year) 年"
        }
    }
}
