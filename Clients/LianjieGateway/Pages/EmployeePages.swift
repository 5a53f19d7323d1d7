import Foundation
import LianjieMessages
import LianjieReports
import LianjieRPC
import LianjieScoring

/// The evaluated employee's own pages: portrait, confirmed entries with appeal, talks and
/// notices to acknowledge, dossier. lianjied decides what "own" means; these pages only
/// ask for the viewer's linked subject.
enum EmployeePages {
    static let routes: [MobileSite.Route] = [
        .init(method: "GET", pattern: ["me"], handler: portrait),
        .init(method: "GET", pattern: ["me", "entries"], handler: entries),
        .init(method: "POST", pattern: ["me", "entries", "*", "appeal"], handler: appeal),
        .init(method: "GET", pattern: ["me", "talks"], handler: talks),
        .init(method: "POST", pattern: ["me", "talks", "*", "ack"], handler: acknowledge),
        .init(method: "GET", pattern: ["me", "dossier"], handler: dossier),
    ]

    static func mySubject(_ c: PageContext) throws -> String {
        guard let id = c.me.subjectID else { throw RPCError(.failedPrecondition, "此账号未关联被评价人员，没有本人的廉洁信息。") }
        return id
    }

    static func portrait(_ c: PageContext) throws -> HTTPResponse {
        let p = try c.call(EvaluationService.getPortrait, GetPortraitRequest(subject: try mySubject(c), trendPeriods: 4))
        return c.page("我的廉洁画像", PortraitView.html(p))
    }

    static func entries(_ c: PageContext) throws -> HTTPResponse {
        let subject = try mySubject(c)
        let page = try c.call(EntryService.listEntries, ListEntriesRequest(subjectId: subject, pageSize: 50, pageToken: c.query["page"] ?? ""))
        var body = "<p class=\"muted\">已确认的记录计入评价。对记录有异议的，可以提出申辩，由纪检人员处理。</p>"
        if page.entries.isEmpty { body += H.empty("没有记录。") }
        for e in page.entries {
            var actions = ""
            if e.status == .confirmed, e.appeal == nil || e.appeal?.state == .unspecified {
                actions = "<details><summary>提出申辩</summary>" + H.form("/m/me/entries/\(e.id)/appeal", c.viewer, [
                    H.hidden("rid", UUID().uuidString),
                    H.textarea("申辩理由", "statement", maxLength: 2000),
                ], submit: "提交申辩") + "</details>"
            }
            body += EntryView.card(e, showSubject: false, actions: actions)
        }
        if !page.nextPageToken.isEmpty { body += "<a class=\"more\" href=\"/m/me/entries?page=\(H.esc(FormEncoding.escape(page.nextPageToken)))\">更多</a>" }
        return c.page("我的记录", body)
    }

    static func appeal(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(EntryService.appealEntry, AppealEntryRequest(requestId: c.requestID(), id: id, statement: c.field("statement")))
        return MobileSite.redirect("/m/me/entries?done=appealed")
    }

    static func talks(_ c: PageContext) throws -> HTTPResponse {
        let r = try c.call(ResultUseService.listTalks, ListTalksRequest(subject: try mySubject(c), pageSize: 50))
        var body = ""
        if r.talks.isEmpty { body += H.empty("没有谈话或提醒。") }
        for t in r.talks {
            let acknowledged = (t.acknowledgeTime?.seconds ?? 0) > 0
            let actions = acknowledged ? "" : H.form("/m/me/talks/\(t.id)/ack", c.viewer, [H.hidden("rid", UUID().uuidString)], submit: "确认已阅")
            body += H.card(MessageReports.talkKind(t.kind), badge: acknowledged ? H.badge("已确认 " + H.time(t.acknowledgeTime), "ok") : H.badge("待确认", "warn"),
                           facts: [("日期", H.day(t.heldOn)), ("谈话人", t.heldBy), ("关联案件", t.caseNumber.isEmpty ? "—" : t.caseNumber)],
                           text: t.content, actions: actions)
        }
        return c.page("谈话提醒", body)
    }

    static func acknowledge(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        _ = try c.call(ResultUseService.acknowledgeTalk, AcknowledgeTalkRequest(requestId: c.requestID(), id: id))
        return MobileSite.redirect("/m/me/talks?done=acknowledged")
    }

    static func dossier(_ c: PageContext) throws -> HTTPResponse {
        let d = try c.call(ResultUseService.getDossier, GetDossierRequest(subject: try mySubject(c)))
        return c.page("我的廉洁档案", DossierView.html(MessageReports.dossier(d, generatedAt: H.time(Time(seconds: Int64(c.site.now()))))))
    }
}

/// Chinese names of the wire's enums, for the pages.
enum Labels {
    static func entryStatus(_ s: LianjieMessages.EntryStatus) -> (String, String) {
        switch s {
        case .submitted: return ("待审核", "warn")
        case .confirmed: return ("已确认", "ok")
        case .rejected: return ("已退回", "")
        case .revoked: return ("已撤销", "")
        default: return ("—", "")
        }
    }

    static func appealState(_ s: AppealState) -> String {
        switch s {
        case .pending: return "申辩待处理"
        case .upheld: return "申辩成立"
        case .dismissed: return "申辩不成立"
        default: return ""
        }
    }

}

/// An entry as a card.
enum EntryView {
    static func card(_ e: Entry, showSubject: Bool, actions: String) -> String {
        let (status, tone) = Labels.entryStatus(e.status)
        var badges = H.badge(status, tone)
        if let a = e.appeal, a.state != .unspecified { badges += H.badge(Labels.appealState(a.state), a.state == .pending ? "warn" : "") }
        var facts: [(String, String)] = []
        if showSubject { facts.append(("人员", "\(e.subjectName)（\(e.subjectEmployeeNumber)）")) }
        facts += [("日期", H.day(e.occurredOn)), ("类别", e.polarity == .debit ? "扣分项" : "加分项"), ("数量", e.quantity)]
        let photos = e.evidence.filter { EvidencePages.shown.contains($0.contentType.lowercased()) }
        if !e.statusReason.isEmpty { facts.append(("理由", e.statusReason)) }
        if let a = e.appeal, !a.statement.isEmpty { facts.append(("申辩", a.statement)) }
        if let a = e.appeal, !a.decisionReason.isEmpty { facts.append(("处理意见", a.decisionReason)) }
        // Evidence: photos shown small (a tap opens the file), other files as links.
        var evidence = ""
        if !e.evidence.isEmpty {
            evidence = "<div class=\"evidence\"><span class=\"muted\">证据</span>" + e.evidence.map { ref in
                let href = "/m/evidence/" + ref.id
                if photos.contains(where: { $0.id == ref.id }) {
                    return "<a href=\"\(H.esc(href))\"><img class=\"thumb\" loading=\"lazy\" src=\"\(H.esc(href))\" alt=\"\(H.esc(ref.fileName))\"></a>"
                }
                return H.link(ref.fileName, href)
            }.joined(separator: " ") + "</div>"
        }
        return H.card(e.tagName, badge: badges, facts: facts, text: e.description, actions: evidence + actions, id: e.id)
    }
}
