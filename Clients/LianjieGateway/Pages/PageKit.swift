import Foundation
import LianjieMessages
import LianjieReports
import LianjieRPC
import LianjieScoring

/// Pieces of the mobile pages. Every text goes through `esc`; markup is only ever built
/// here and in the page files from escaped text.
enum H {
    static func esc(_ s: String) -> String { Markup.escape(s) }

    /// A whole page: the shell with the stylesheet and script (both from this gateway, as
    /// the Content-Security-Policy demands), the header with the viewer's menu, `body`.
    static func page(_ title: String, viewer: Viewer?, notice: Notice? = nil, _ body: String) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <title>\(esc(title)) · 廉洁评价</title>
            <link rel="stylesheet" href="/m/app.css">
            <script src="/m/app.js" defer></script>
            </head>
            <body>
            <header class="bar"><a class="brand" href="/m/">廉洁评价</a>
            """
        if let viewer {
            out += "<span class=\"who\">" + esc(viewer.account.displayName.isEmpty ? viewer.account.username : viewer.account.displayName) + "</span>"
        }
        out += "</header>\n"
        if let viewer { out += "<nav class=\"menu\">" + menu(viewer).map { "<a href=\"\($0.1)\">\(esc($0.0))</a>" }.joined() + "</nav>\n" }
        out += "<main>\n<h1>\(esc(title))</h1>\n"
        if let notice { out += notice.html }
        out += body
        out += "\n</main>\n"
        if let viewer {
            out += "<footer class=\"foot\"><a href=\"/m/password\">修改密码</a>"
                + form("/m/logout", viewer, [], submit: "退出登录", style: "inline")
                + "<p>内部资料 · 注意保密</p></footer>"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// The menu: what each of the viewer's roles does here.
    static func menu(_ v: Viewer) -> [(String, String)] {
        var items: [(String, String)] = [("首页", "/m/")]
        if v.subjectID != nil {
            items += [("我的画像", "/m/me"), ("我的记录", "/m/me/entries"), ("谈话提醒", "/m/me/talks"), ("我的档案", "/m/me/dossier")]
        }
        if v.has(.manager) { items += [("我的团队", "/m/team"), ("记录情况", "/m/entries/new"), ("整改", "/m/cases")] }
        if v.isDiscipline {
            items += [("待审核", "/m/review"), ("申辩", "/m/appeals"), ("预警", "/m/alerts"), ("案件", "/m/cases"), ("意见", "/m/opinions")]
        }
        if v.has(.hr) { items += [("廉洁意见", "/m/opinions")] }
        var seen = Set<String>()
        return items.filter { seen.insert($0.1).inserted }
    }

    /// A form posting `fields` (already HTML: inputs and labels) with the CSRF token.
    static func form(_ action: String, _ viewer: Viewer?, _ fields: [String], submit: String, style: String = "",
                     multipart: Bool = false, csrf: String? = nil, danger: Bool = false) -> String {
        let token = csrf ?? viewer?.csrf ?? ""
        return "<form method=\"post\" action=\"\(esc(action))\"" + (style.isEmpty ? "" : " class=\"\(esc(style))\"")
            + (multipart ? " enctype=\"multipart/form-data\"" : "") + ">"
            + "<input type=\"hidden\" name=\"csrf\" value=\"\(esc(token))\">"
            + fields.joined()
            + "<button type=\"submit\"\(danger ? " class=\"danger\"" : "")>\(esc(submit))</button></form>"
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(esc(name))\" value=\"\(esc(value))\">"
    }

    /// A labelled input.
    static func field(_ label: String, _ name: String, type: String = "text", value: String = "", required: Bool = true,
                      extra: String = "") -> String {
        "<label>\(esc(label))<input type=\"\(type)\" name=\"\(esc(name))\" value=\"\(esc(value))\"\(required ? " required" : "") \(extra)></label>"
    }

    static func textarea(_ label: String, _ name: String, value: String = "", maxLength: Int = 2000, required: Bool = true) -> String {
        "<label>\(esc(label))<textarea name=\"\(esc(name))\" maxlength=\"\(maxLength)\" rows=\"4\"\(required ? " required" : "")>\(esc(value))</textarea></label>"
    }

    static func select(_ label: String, _ name: String, _ options: [(value: String, text: String)], selected: String = "") -> String {
        "<label>\(esc(label))<select name=\"\(esc(name))\" required>"
            + options.map { "<option value=\"\(esc($0.value))\"\($0.value == selected ? " selected" : "")>\(esc($0.text))</option>" }.joined()
            + "</select></label>"
    }

    /// A card: a heading line, facts, and actions (HTML).
    static func card(_ title: String, badge: String = "", facts: [(String, String)] = [], text: String = "", actions: String = "",
                     id: String? = nil) -> String {
        "<article class=\"card\"\(id.map { " id=\"\(esc($0))\"" } ?? "")><h2>\(esc(title))\(badge)</h2>"
            + (facts.isEmpty ? "" : "<dl>" + facts.map { "<dt>\(esc($0.0))</dt><dd>\(esc($0.1))</dd>" }.joined() + "</dl>")
            + (text.isEmpty ? "" : "<p class=\"text\">\(esc(text))</p>")
            + actions + "</article>\n"
    }

    static func badge(_ text: String, _ tone: String = "") -> String {
        " <span class=\"badge \(esc(tone))\">\(esc(text))</span>"
    }

    static func empty(_ text: String) -> String { "<p class=\"empty\">\(esc(text))</p>" }

    static func link(_ text: String, _ href: String) -> String { "<a href=\"\(esc(href))\">\(esc(text))</a>" }

    /// `YYYY-MM-DD`, or a dash for none.
    static func day(_ d: CalendarDate?) -> String {
        d.flatMap { Day(year: Int($0.year), month: Int($0.month), day: Int($0.day)) }?.description ?? "—"
    }

    /// `YYYY-MM-DD HH:MM`, Beijing time, or a dash for none.
    static func time(_ t: Time?) -> String {
        guard let t, t.seconds > 0 else { return "—" }
        let local = t.seconds + Beijing.offset
        let minute = (local % 86_400 + 86_400) % 86_400 / 60
        func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return Beijing.day(t.seconds).description + " " + pad(minute / 60) + ":" + pad(minute % 60)
    }
}

/// The pages' days: Beijing time (UTC+8 all year), as the scoring core's `Day`.
enum Beijing {
    static let offset: Int64 = 8 * 3600

    /// The day it is in Beijing at `unixSeconds`.
    static func day(_ unixSeconds: Int64) -> Day {
        let local = unixSeconds + offset
        return Day(ordinal: Int32(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    static func day(_ unixSeconds: Double) -> Day { day(Int64(unixSeconds.rounded(.down))) }

    static func calendarDate(_ d: Day) -> CalendarDate {
        let c = d.components
        return CalendarDate(year: Int32(c.year), month: Int32(c.month), day: Int32(c.day))
    }
}

/// A message at the top of a page: done, or what went wrong.
struct Notice: Sendable {
    enum Tone: String, Sendable { case ok, error }
    var tone: Tone
    var text: String
    var details: [String] = []

    var html: String {
        "<div class=\"notice \(tone.rawValue)\" role=\"status\">" + H.esc(text)
            + (details.isEmpty ? "" : "<ul>" + details.map { "<li>\(H.esc($0))</li>" }.joined() + "</ul>") + "</div>\n"
    }

    static func ok(_ text: String) -> Notice { Notice(tone: .ok, text: text) }

    /// lianjied's refusal, a line per bad field (named by `name`).
    static func refusal(_ error: RPCError, name: (String) -> String = { $0 }) -> Notice {
        Notice(tone: .error, text: error.message, details: error.violations.map { "\(name($0.field))：\($0.description)" })
    }
}
