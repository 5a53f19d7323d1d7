import Foundation
import LianjieMessages
import LianjieReports
import LianjieRPC

/// The discipline staff's pages (inspector and discipline head): the review queue,
/// appeals, the alerts inbox, cases with their next step, opinions to review and sign.
/// Cases and opinions are shared with managers (rectification) and HR (requests).
enum ReviewPages {
    static let routes: [MobileSite.Route] = [
        .init(method: "GET", pattern: ["review"], handler: queue),
        .init(method: "POST", pattern: ["review", "*", "confirm"], handler: confirm),
        .init(method: "POST", pattern: ["review", "*", "reject"], handler: reject),
        .init(method: "GET", pattern: ["appeals"], handler: appeals),
        .init(method: "POST", pattern: ["appeals", "*", "decide"], handler: decide),
        .init(method: "GET", pattern: ["alerts"], handler: alerts),
        .init(method: "POST", pattern: ["alerts", "*", "acknowledge"], handler: acknowledgeAlert),
        .init(method: "POST", pattern: ["alerts", "*", "dismiss"], handler: dismissAlert),
        .init(method: "POST", pattern: ["alerts", "*", "case"], handler: openCase),
        .init(method: "GET", pattern: ["cases"], handler: cases),
        .init(method: "GET", pattern: ["opinions"], handler: opinions),
        .init(method: "POST", pattern: ["opinions", "*", "review"], handler: reviewOpinion),
        .init(method: "POST", pattern: ["opinions", "*", "sign"], handler: signOpinion),
        .init(method: "POST", pattern: ["opinions", "request"], handler: requestOpinions),
    ]

    static func queue(_ c: PageContext) throws -> HTTPResponse {
        let page = try c.call(EntryService.listEntries, ListEntriesRequest(status: .submitted, pageSize: 30, pageToken: c.query["page"] ?? ""))
        var body = "<p class=\"muted\">共 \(page.totalSize) 条待审核。确认后计入评价；退回须写明理由。</p>"
        if page.entries.isEmpty { body += H.empty("没有待审核的记录。") }
        for e in page.entries {
            let actions = "<div class=\"actions\">"
                + H.form("/m/review/\(e.id)/confirm", c.viewer, [H.hidden("rid", UUID().uuidString), H.hidden("etag", e.etag)], submit: "确认")
                + "<details><summary>退回</summary>" + H.form("/m/review/\(e.id)/reject", c.viewer, [
                    H.hidden("rid", UUID().uuidString), H.hidden("etag", e.etag), H.textarea("退回理由", "reason", maxLength: 500),
                ], submit: "退回", danger: true) + "</details></div>"
            body += EntryView.card(e, showSubject: true, actions: actions)
        }
        if !page.nextPageToken.isEmpty { body += "<a class=\"more\" href=\"/m/review?page=\(H.esc(FormEncoding.escape(page.nextPageToken)))\">更多</a>" }
        return c.page("待审核", body)
    }

    static func confirm(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(EntryService.confirmEntry, ConfirmEntryRequest(requestId: c.requestID(), id: id, etag: c.field("etag")))
        return MobileSite.redirect("/m/review?done=confirmed")
    }

    static func reject(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(EntryService.rejectEntry, RejectEntryRequest(requestId: c.requestID(), id: id, reason: c.field("reason"), etag: c.field("etag")))
        return MobileSite.redirect("/m/review?done=rejected")
    }

    /// Confirmed entries whose appeal waits for a decision (ListEntries has no appeal
    /// filter: the newest 500 confirmed entries are looked through).
    static func appeals(_ c: PageContext) throws -> HTTPResponse {
        var pending: [Entry] = []
        var token = ""
        var looked = 0
        repeat {
            let page = try c.call(EntryService.listEntries, ListEntriesRequest(status: .confirmed, pageSize: 100, pageToken: token))
            pending += page.entries.filter { $0.appeal?.state == .pending }
            looked += page.entries.count
            token = page.nextPageToken
        } while !token.isEmpty && looked < 500
        var body = ""
        if pending.isEmpty { body += H.empty("没有待处理的申辩。") }
        for e in pending {
            body += EntryView.card(e, showSubject: true, actions: H.form("/m/appeals/\(e.id)/decide", c.viewer, [
                H.hidden("rid", UUID().uuidString),
                H.select("处理结果", "decision", [("", "请选择"), ("upheld", "申辩成立（撤销记录）"), ("dismissed", "申辩不成立（维持记录）")]),
                H.textarea("处理意见", "reason", maxLength: 500),
            ], submit: "提交处理意见"))
        }
        return c.page("申辩处理", body)
    }

    static func decide(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        let decision: AppealState
        switch c.field("decision") {
        case "upheld": decision = .upheld
        case "dismissed": decision = .dismissed
        default: throw RPCError.invalidArgument(field: "decision", "请选择处理结果")
        }
        _ = try c.call(EntryService.decideAppeal, DecideAppealRequest(requestId: c.requestID(), id: id, decision: decision, reason: c.field("reason")))
        return MobileSite.redirect("/m/appeals?done=\(decision == .upheld ? "upheld" : "dismissed")")
    }

    static func alerts(_ c: PageContext) throws -> HTTPResponse {
        let page = try c.call(EvaluationService.listAlerts, ListAlertsRequest(state: .open, pageSize: 50))
        var body = ""
        if page.alerts.isEmpty { body += H.empty("没有未处理的预警。") }
        for a in page.alerts {
            let actions = "<div class=\"actions\">"
                + H.form("/m/alerts/\(a.id)/acknowledge", c.viewer, [H.hidden("rid", UUID().uuidString)], submit: "确认预警")
                + "<details><summary>立案处置</summary>" + H.form("/m/alerts/\(a.id)/case", c.viewer, [
                    H.hidden("rid", UUID().uuidString), H.hidden("subject", a.subjectId), H.textarea("案件摘要", "summary", value: a.summary, maxLength: 500),
                ], submit: "立案") + "</details>"
                + "<details><summary>排除</summary>" + H.form("/m/alerts/\(a.id)/dismiss", c.viewer, [
                    H.hidden("rid", UUID().uuidString), H.textarea("排除理由", "reason", maxLength: 500),
                ], submit: "排除", danger: true) + "</details></div>"
            body += H.card(a.subjectName, badge: H.badge(severity(a.severity), a.severity == .high ? "bad" : "warn"),
                           facts: [("期间", PeriodText.of(a.period)), ("产生时间", H.time(a.raiseTime))], text: a.summary, actions: actions, id: a.id)
        }
        return c.page("预警", body)
    }

    static func severity(_ s: AlertSeverity) -> String {
        switch s {
        case .high: return "高"
        case .medium: return "中"
        case .low: return "低"
        default: return "—"
        }
    }

    static func acknowledgeAlert(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(EvaluationService.acknowledgeAlert, AcknowledgeAlertRequest(requestId: c.requestID(), id: id))
        return MobileSite.redirect("/m/alerts?done=alert-acknowledged")
    }

    static func dismissAlert(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(EvaluationService.dismissAlert, DismissAlertRequest(requestId: c.requestID(), id: id, reason: c.field("reason")))
        return MobileSite.redirect("/m/alerts?done=alert-dismissed")
    }

    static func openCase(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(ResultUseService.createCase, CreateCaseRequest(requestId: c.requestID(), subject: try c.identifier(c.field("subject")),
                                                                      source: .alert, summary: c.field("summary"), alertId: id))
        return MobileSite.redirect("/m/cases?done=case-opened")
    }

    /// Cases: for discipline staff those in their scope still open, with the next step;
    /// for managers those of their team waiting for a rectification report.
    static func cases(_ c: PageContext) throws -> HTTPResponse {
        var body = ""
        if c.me.isDiscipline {
            let page = try c.call(ResultUseService.listCases, ListCasesRequest(pageSize: 50))
            let open = page.cases.filter { ![.closed, .dismissed].contains($0.state) }
            if open.isEmpty { body += H.empty("没有办理中的案件。") }
            for k in open {
                let mine = k.handlerId == c.me.account.id
                body += H.card("\(k.number) · \(k.subjectName)", badge: H.badge(MessageReports.caseState(k.state).zh, k.overdue ? "bad" : "warn") + (k.overdue ? H.badge("已逾期", "bad") : "") + (mine ? H.badge("我承办") : ""),
                               facts: [("下一步", nextStep(k.state)), ("期限", H.day(k.dueDate))], text: k.summary)
            }
        }
        if c.me.has(.manager) {
            let page = try c.call(ResultUseService.listCases, ListCasesRequest(state: .rectifying, pageSize: 50))
            body += "<h2>待报告整改</h2>"
            if page.cases.isEmpty { body += H.empty("没有需要报告整改情况的案件。") }
            for k in page.cases {
                let reported = !(k.rectification?.report ?? "").isEmpty
                let form = reported ? "" : H.form("/m/cases/\(k.id)/report", c.viewer, [
                    H.hidden("rid", UUID().uuidString), H.textarea("整改情况", "report", maxLength: 2000),
                ], submit: "报告整改情况")
                body += H.card("\(k.number) · \(k.subjectName)", badge: H.badge(reported ? "已报告" : "待报告", reported ? "ok" : "warn"),
                               facts: [("整改要求", k.rectification?.requirements ?? ""), ("整改期限", H.day(k.rectification?.deadline))],
                               text: k.summary, actions: form)
            }
        }
        return c.page("案件", body)
    }

    static func nextStep(_ s: CaseState) -> String {
        switch s {
        case .open: return "分派承办人"
        case .assigned: return "按四种形态处置"
        case .disposed: return "启动整改"
        case .rectifying: return "等待整改报告，核实整改"
        case .verified: return "结案（需结论和证据）"
        default: return "—"
        }
    }

    static func opinions(_ c: PageContext) throws -> HTTPResponse {
        try opinionsPage(c, status: 200, notice: nil, values: [:])
    }

    /// The list, and for HR the form asking for opinions (`values` kept after a refusal).
    static func opinionsPage(_ c: PageContext, status: Int, notice: Notice?, values: [String: String]) throws -> HTTPResponse {
        let page = try c.call(ResultUseService.listOpinions, ListOpinionsRequest(pageSize: 50))
        var body = ""
        if c.me.has(.hr) {
            let due = Beijing.day(c.site.now() + 14 * 86_400)
            body += "<details\(notice == nil ? "" : " open")><summary>申请廉洁意见</summary>" + H.form("/m/opinions/request", c.viewer, [
                H.hidden("rid", values["rid"] ?? UUID().uuidString),
                H.select("用途", "purpose", purposes.map { ($0.key, MessageReports.purpose($0.value).zh) },
                         selected: values["purpose"] ?? "promotion"),
                H.field("具体事项（如拟任岗位）", "purpose_note", value: values["purpose_note"] ?? "", extra: "maxlength=\"200\""),
                H.field("人员工号（多人用逗号分隔，至多 100 人）", "subjects", value: values["subjects"] ?? "", extra: "autocapitalize=\"characters\""),
                H.field("需要日期", "due_date", type: "date", value: values["due_date"] ?? due.description),
            ], submit: "提交申请") + "</details>"
        }
        if page.opinions.isEmpty { body += H.empty("没有廉洁意见。") }
        for o in page.opinions {
            var actions = ""
            if c.me.isDiscipline, o.state == .proposed {
                actions = "<details><summary>审核</summary>" + H.form("/m/opinions/\(o.id)/review", c.viewer, [
                    H.hidden("rid", UUID().uuidString), H.hidden("etag", o.etag),
                    H.select("结论", "conclusion", conclusions.map { ($0.key, conclusion($0.value)) },
                             selected: conclusions.first { $0.value == o.proposed }?.key ?? "no_objection"),
                    H.textarea("改变建议结论的理由（不改变可不填）", "change_reason", maxLength: 500, required: false),
                ], submit: "审核") + "</details>"
            }
            if c.me.has(.disciplineHead), o.state == .reviewed {
                actions = H.form("/m/opinions/\(o.id)/sign", c.viewer, [H.hidden("rid", UUID().uuidString), H.hidden("etag", o.etag)], submit: "签署")
            }
            body += H.card("\(o.subjectName)（\(o.employeeNumber)）", badge: H.badge(opinionState(o.state), o.state == .signed ? "ok" : "warn"),
                           facts: [("用途", MessageReports.purpose(o.purpose).zh), ("建议结论", conclusion(o.proposed)),
                                   ("结论", o.state == .proposed ? "—" : conclusion(o.conclusion)), ("办理期限", H.day(o.dueDate))]
                               + o.reasons.map { ("依据", $0.fact) },
                           actions: actions)
        }
        return MobileSite.html(status, H.page("廉洁意见", viewer: c.viewer, notice: notice ?? c.doneNotice, body))
    }

    /// What HR may ask an opinion for, by the form's key (in the form's order).
    static let purposes: KeyValuePairs<String, OpinionPurpose> = ["promotion": .promotion, "award": .award, "appraisal": .appraisal, "other": .other]

    static func requestOpinions(_ c: PageContext) throws -> HTTPResponse {
        let subjects = c.field("subjects").split(whereSeparator: { ",，、 \n".contains($0) }).map { String($0) }.filter { !$0.isEmpty }
        let request = RequestOpinionsRequest(requestId: c.requestID(), purpose: purposes.first { $0.key == c.field("purpose") }?.value ?? .unspecified,
                                             purposeNote: c.field("purpose_note"), subjects: Array(subjects.prefix(101)), dueDate: c.date("due_date"))
        do {
            _ = try c.call(ResultUseService.requestOpinions, request)
        } catch {
            if error.status == .unauthenticated { throw error }
            return try opinionsPage(c, status: Problem.httpStatus(error.status), notice: .refusal(error), values: c.form)
        }
        return MobileSite.redirect("/m/opinions?done=requested")
    }

    static func reviewOpinion(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        guard let conclusion = conclusions.first(where: { $0.key == c.field("conclusion") })?.value else {
            throw RPCError.invalidArgument(field: "conclusion", "请选择结论")
        }
        _ = try c.call(ResultUseService.reviewOpinion, ReviewOpinionRequest(requestId: c.requestID(), id: id, conclusion: conclusion,
                                                                            changeReason: c.field("change_reason"), etag: c.field("etag")))
        return MobileSite.redirect("/m/opinions?done=reviewed")
    }

    static func signOpinion(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(ResultUseService.signOpinion, SignOpinionRequest(requestId: c.requestID(), id: id, etag: c.field("etag")))
        return MobileSite.redirect("/m/opinions?done=signed")
    }

    static func opinionState(_ s: OpinionState) -> String {
        switch s {
        case .proposed: return "待审核"
        case .reviewed: return "待签署"
        case .signed: return "已签署"
        default: return "—"
        }
    }

    static func conclusion(_ c: OpinionConclusion) -> String { MessageReports.conclusion(c)?.reportLabel.zh ?? "—" }

    /// The conclusions a reviewer chooses from, by the form's key (in the form's order).
    static let conclusions: KeyValuePairs<String, OpinionConclusion> = ["no_objection": .noObjection, "deferred": .deferred, "objection": .objection]

}
