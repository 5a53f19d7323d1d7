/// A signed integrity opinion (廉洁意见回复) as one printable HTML document: who it is about
/// and what for, the conclusion, the facts it rests on, both signatures and its validity.
/// An opinion not yet signed twice, or expired, says so across the top.
public struct OpinionPage: Sendable, Hashable {
    public var report: OpinionReport

    public init(_ report: OpinionReport) { self.report = report }

    /// The complete HTML5 document.
    public func html() -> String {
        let r = report
        var body = header()
        if !r.signed {
            body += "<div class=\"notice veto\"><strong>未生效 · Not in force</strong>本意见尚未经两级签署，不得使用。"
                + "This opinion is not signed twice yet and must not be used.</div>"
        } else if r.expired {
            body += "<div class=\"notice veto\"><strong>已过有效期 · Expired</strong>本意见已超过有效期（" + HTML.text(r.validUntil)
                + "），请重新申请。This opinion expired; request it again.</div>"
        }
        body += "<p class=\"statement\">经查阅该同志的廉洁档案（档案摘要见页脚），依据现行廉洁意见规则，就其" + HTML.text(r.purpose.zh)
            + "（" + HTML.text(r.purposeNote) + "）事项回复意见如下。Having read the subject's integrity dossier (its hash is in the footer) "
            + "under the opinion rules in force, we answer as follows for the " + HTML.text(r.purpose.en.lowercased()) + ".</p>"
        body += HTMLDocument.section("意见", "Opinion", conclusion())
        body += HTMLDocument.section("依据", "Facts relied on", facts())
        body += HTMLDocument.section("签署", "Signatures", signatures())
        body += HTMLDocument.section("说明", "Notes", "<ul class=\"notes\"><li>本意见仅用于上述事项，有效期至 " + HTML.text(r.validUntil.isEmpty ? "—" : r.validUntil)
            + "，逾期须重新申请。Valid for the purpose above until that day; after it, request a new opinion.</li>"
            + "<li>意见经纪检监察员审核签署、纪检负责人签发后生效；签署人均不得与本人存在利益冲突（回避）。"
            + "In force once reviewed by an inspector and signed by the head of discipline inspection, neither with a declared conflict.</li></ul>")
        body += HTMLDocument.footer([("意见编号", "Opinion", r.opinionID), ("档案摘要", "Dossier hash", r.dossierHash)], generatedAt: r.generatedAt)
        return HTMLDocument.render(title: "廉洁意见回复 · " + r.subject.name, body: body)
    }

    private func header() -> String {
        let s = report.subject
        let meta: [(String, String, String)] = [
            ("员工编号", "Employee No.", s.employeeNumber),
            ("单位", "Organisation", s.organization),
            ("岗位", "Post", s.post),
            ("用途", "Purpose", report.purpose.zh + " " + report.purpose.en),
            ("事由", "For", report.purposeNote),
            ("有效期至", "Valid until", report.validUntil.isEmpty ? "—" : report.validUntil),
        ]
        return HTMLDocument.header("廉洁意见回复", "Integrity opinion", title: s.name, meta: meta)
    }

    private func conclusion() -> String {
        guard let c = report.conclusion else { return "<p class=\"muted\">尚未审核 Not reviewed yet</p>" }
        var out = "<div class=\"verdict verdict-\(c.rawValue)\"><span class=\"zh\">" + HTML.text(c.reportLabel.zh) + "</span><span class=\"en\">"
            + HTML.text(c.reportLabel.en) + "</span></div>"
        if !report.changeReason.isEmpty {
            out += "<p>" + HTML.bilingual("审核调整理由", "Changed by the reviewer because") + "：" + HTML.text(report.changeReason) + "</p>"
        }
        return out
    }

    private func facts() -> String {
        guard !report.facts.isEmpty else {
            return "<p>按现行规则未发现影响事项。No matter the rules weigh was found.</p>"
        }
        return "<ul class=\"notes\">" + report.facts.map { "<li>" + HTML.text($0) + "</li>" }.joined() + "</ul>"
    }

    private func signatures() -> String {
        func cell(_ zh: String, _ en: String, _ who: String) -> String {
            "<div class=\"signature\"><div class=\"label\">" + HTML.bilingual(zh, en) + "</div><div class=\"who\">"
                + (who.isEmpty ? "<span class=\"muted\">待签署 Awaiting</span>" : HTML.text(who)) + "</div></div>"
        }
        return "<div class=\"signatures\">" + cell("审核人（纪检监察员）", "Reviewed by", report.firstSignature)
            + cell("签发人（纪检负责人）", "Signed by", report.secondSignature) + "</div>"
    }
}
