import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieReports

/// `lianjie report …`: a portrait, an organisation's statistics or a dossier as one self-contained
/// HTML file (inline SVG and CSS, no script, A4 print layout) to hand to a committee.
enum ReportCommands {
    static let usage = """
        usage: lianjie report portrait SUBJECT [--period P] --out FILE.html
               lianjie report org ORG --period P [--category CODE] [--pseudonymised] [--ranking N] --out FILE.html
               lianjie report dossier SUBJECT --reason TEXT --out FILE.html      (an employee: their own, no reason)
               lianjie report opinion ID --out FILE.html
        P is YYYY, YYYYQn or YYYY-MM. The file opens in any browser and prints on A4.
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--pseudonymised"])
        let ev = try ctx.evaluations()
        let html: String
        switch sub {
        case "portrait":
            try args.only(["--period", "--out"], positionals: 1)
            var request = GetPortraitRequest(subject: try args.positional(0, "SUBJECT"))
            if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
            let p = try await Commands.rpc { try await ev.getPortrait(request, options: ctx.options) }
            html = PortraitPage(MessageReports.portrait(p, generatedAt: generatedAt())).html()
        case "org":
            try args.only(["--period", "--category", "--pseudonymised", "--ranking", "--out"], positionals: 1)
            guard let p = args.value("--period") else { throw CLIError.usage(usage) }
            let request = GetStatisticsRequest(organizationId: try args.positional(0, "ORG"), categoryCode: args.value("--category") ?? "",
                                               period: try Show.parsePeriod(p), pseudonymised: args.flag("--pseudonymised"),
                                               rankingSize: Int32(args.value("--ranking") ?? "0") ?? -1)
            let s = try await Commands.rpc { try await ev.getStatistics(request, options: ctx.options) }
            html = OrganizationPage(MessageReports.organization(s, generatedAt: generatedAt())).html()
        case "dossier":
            try args.only(["--reason", "--out"], positionals: 1)
            let rs = try ctx.resultUse()
            let request = GetDossierRequest(subject: try args.positional(0, "SUBJECT"), reason: args.value("--reason") ?? "")
            let d = try await Commands.rpc { try await rs.getDossier(request, options: ctx.options) }
            html = DossierPage(MessageReports.dossier(d, generatedAt: generatedAt())).html()
        case "opinion":
            try args.only(["--out"], positionals: 1)
            let rs = try ctx.resultUse()
            let o = try await Commands.rpc { try await rs.getOpinion(GetOpinionRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            // The subject's post and organisation as the caller may read them (HR and inspectors may).
            let users = try ctx.users()
            let s = try? await users.getSubject(GetSubjectRequest(id: o.subjectId), options: ctx.options)
            let names = await OrgCommands.names(ctx, users)
            let post = try? await users.listPosts(options: ctx.options).posts.first { $0.id == s?.postId }?.name
            let subject = ReportSubject(name: o.subjectName, employeeNumber: o.employeeNumber,
                                        organization: names[o.organizationId] ?? o.organizationId, category: "", post: post ?? "")
            html = OpinionPage(MessageReports.opinion(o, subject: subject, generatedAt: generatedAt())).html()
        default:
            throw CLIError.usage(usage)
        }
        guard let out = args.value("--out") else { throw CLIError.usage(usage) }
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CLIError(message: "cannot write \(out): \(error.localizedDescription)", exitCode: CLIError.Code.failure)
        }
        if ctx.json {
            print(#"{"file": "\#(out.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))", "bytes": \#(html.utf8.count)}"#)
        } else {
            print("wrote \(out) (\(html.utf8.count / 1024) KiB)")
        }
    }

    /// Now, local time with its offset: `2026-12-01 09:30 (UTC+8)`.
    static func generatedAt() -> String {
        let seconds = TimeZone.current.secondsFromGMT()
        let offset = seconds % 3600 == 0 ? "\(seconds >= 0 ? "+" : "-")\(abs(seconds) / 3600)"
            : String(format: "%@%d:%02d", seconds >= 0 ? "+" : "-", abs(seconds) / 3600, abs(seconds) % 3600 / 60)
        return "\(Show.time(Time(seconds: Int64(Date().timeIntervalSince1970)))) (UTC\(offset))"
    }
}
