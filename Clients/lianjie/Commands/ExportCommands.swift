import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie export appraisal`: the integrity scores, grades and caps of a period for the
/// performance-appraisal system, as CSV or JSON.
enum ExportCommands {
    static let usage = """
        usage: lianjie export appraisal --period P [--org ORG] [--format csv|json] [--out FILE]
          every subject with a published result for the period (2026, 2026Q3, 2026-09), with the
          appraisal cap a disposition sets and the grade after it; CSV by default, to stdout
          unless --out names a file
        """

    static let columns = ["employee_number", "name", "subject_id", "organization_id", "period", "total", "grade", "veto", "no_data",
                          "appraisal_cap", "cap_case", "appraisal_grade", "run_id", "scheme_version"]

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard raw.first == "appraisal" else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: [])
        try args.only(["--period", "--org", "--format", "--out"], positionals: 0)
        let format = args.value("--format") ?? (ctx.json ? "json" : "csv")
        guard ["csv", "json"].contains(format) else { throw CLIError.usage("--format is csv or json") }
        let period = try Show.parsePeriod(try args.required("--period"))
        let rs = try ctx.resultUse()
        var all: [Appraisal] = [], token = "", progress: Progress?
        repeat {
            let page = try await Commands.rpc {
                try await rs.listAppraisals(ListAppraisalsRequest(period: period, organizationId: args.value("--org") ?? "", pageSize: 500,
                                                                  pageToken: token), options: ctx.options)
            }
            all += page.appraisals
            token = page.nextPageToken
            if progress == nil { progress = Progress(total: Int(page.totalSize), label: "exporting") }
            progress?.update(all.count)
        } while !token.isEmpty
        progress?.finish()
        let text: String
        if format == "json" {
            text = ListAppraisalsResponse(appraisals: all, totalSize: Int32(all.count)).jsonString(pretty: true) + "\n"
        } else {
            func grade(_ g: Grade) -> String { g == .unspecified ? "" : Show.name(g, prefix: "GRADE_") }
            text = ([CSV.line(columns)] + all.map { a in
                CSV.line([a.employeeNumber, a.subjectName, a.subjectId, a.organizationId, EvaluationCommands.period(a.period), a.total,
                          grade(a.grade), a.veto ? "yes" : "no", a.noData ? "yes" : "no", grade(a.appraisalCap), a.capCaseNumber,
                          grade(a.appraisalGrade), a.runId, String(a.schemeVersion)])
            }).joined(separator: "\n") + "\n"
        }
        if let out = args.value("--out") {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                throw CLIError(message: "cannot write \(out): \(error.localizedDescription)", exitCode: CLIError.Code.failure)
            }
            FileHandle.standardError.write(Data("wrote \(all.count) subjects to \(out)\n".utf8))
        } else {
            print(text, terminator: "")
        }
    }
}
