import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring

/// `lianjie scheme …`: the versioned tag libraries and coefficients.
enum SchemeCommands {
    static let usage = """
        usage: lianjie scheme show [--version N | --draft]
               lianjie scheme versions
               lianjie scheme export [--version N | --draft] > FILE.json
               lianjie scheme check FILE.json        (checked here with the scoring core; when logged in,
                                                     also what differs from the published version)
               lianjie scheme draft FILE.json        replace the draft with a file
               lianjie scheme diff                   what the draft changes against the published version
               lianjie scheme publish --note TEXT    freeze the draft as the next version
               lianjie scheme discard                throw the draft's changes away
               lianjie scheme tag add LIBRARY CODE --name NAME --dimension behaviour|awareness|problems
                                      --polarity credit|debit --points P [--coefficient C] --window MONTHS
                                      [--max N] [--red-line yes] [--alert yes] [--evidence yes]
               lianjie scheme tag edit LIBRARY CODE [any of the options above]
               lianjie scheme tag retire LIBRARY CODE
               lianjie scheme whatif --periods 2026Q1..2026Q4 [--file FILE.json] [--org ORG]
                                     [--grades EXCELLENT,GOOD,FAIR] [--max N]
                                     the draft (or FILE) scored against past periods beside the
                                     published version: grade counts and who crosses a grade,
                                     the red-line veto or an alert threshold; nothing is written
        """

    /// `scheme whatif`: SimulateScheme over a range of periods.
    static func whatIf(_ ctx: CLIContext, _ raw: [String]) async throws {
        let args = try Args(raw, flags: [])
        try args.only(["--periods", "--file", "--org", "--grades", "--max"], positionals: 0)
        guard let range = args.value("--periods") else { throw CLIError.usage(usage) }
        var request = SimulateSchemeRequest(periods: try periods(range), organizationId: args.value("--org") ?? "",
                                            maxCrossings: Int32(args.value("--max") ?? "0") ?? -1)
        if let file = args.value("--file") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError.usage("cannot read \(file)") }
            request.document = text
        }
        if let g = args.value("--grades") {
            let parts = g.split(separator: ",").map(String.init)
            guard parts.count == 3 else { throw CLIError.usage("--grades is EXCELLENT,GOOD,FAIR, e.g. 92,82,72") }
            request.grades = LianjieMessages.GradeBands(excellent: parts[0], good: parts[1], fair: parts[2])
        }
        let ev = try ctx.evaluations()
        let r = try await Commands.rpc { try await ev.simulateScheme(request, options: ctx.options) }
        ctx.output(r) {
            print("proposed scheme \(r.proposedHash.prefix(16))… against published v\(r.baseVersion), \(r.subjects) subjects")
            var t = Table("PERIOD", "EXCELLENT", "GOOD", "FAIR", "POOR", "NO DATA")
            func counts(_ b: GradeCounts?, _ a: GradeCounts?, _ k: KeyPath<GradeCounts, Int32>) -> String {
                let x = b?[keyPath: k] ?? 0, y = a?[keyPath: k] ?? 0
                return x == y ? String(x) : "\(x) → \(y)"
            }
            for p in r.periods {
                t.add(EvaluationCommands.period(p.period), counts(p.before, p.after, \.excellent), counts(p.before, p.after, \.good),
                      counts(p.before, p.after, \.fair), counts(p.before, p.after, \.poor), counts(p.before, p.after, \.noData))
            }
            t.print()
            var c = Table("PERIOD", "SUBJECT", "TOTAL", "GRADE", "VETO", "ALERTS", "MOVED BY")
            for x in r.crossings {
                c.add(EvaluationCommands.period(x.period), x.subjectName, "\(x.totalBefore) → \(x.totalAfter)",
                      "\(EvaluationCommands.grade(x.gradeBefore)) → \(EvaluationCommands.grade(x.gradeAfter))",
                      x.vetoBefore == x.vetoAfter ? "" : "\(x.vetoBefore) → \(x.vetoAfter)", x.alertChanges.joined(separator: " "),
                      x.movedBy.joined(separator: ", "))
            }
            c.print(empty: "(nobody crosses a grade, the veto or an alert threshold)")
            if r.crossingsLeftOut > 0 { print("(\(r.crossingsLeftOut) more crossings; --max shows more)") }
        }
    }

    /// `2026Q1..2026Q4`, `2026-01..2026-06`, `2025..2026`, or one period.
    static func periods(_ text: String) throws -> [LianjieMessages.Period] {
        let ends = text.components(separatedBy: "..")
        let first = try Show.parsePeriod(ends[0])
        guard ends.count == 2 else { return [first] }
        let last = try Show.parsePeriod(ends[1])
        guard first.kind == last.kind else { throw CLIError.usage("both ends of --periods must be of one kind") }
        var out: [LianjieMessages.Period] = [], p = first
        let per: Int32 = first.kind == .quarter ? 4 : first.kind == .month ? 12 : 1
        while (p.year, p.index) <= (last.year, last.index) {
            out.append(p)
            guard out.count <= 12 else { throw CLIError.usage("--periods names at most 12 periods") }
            p.index += 1
            if p.index > per { p.index = 1; p.year += 1 }
        }
        return out
    }

    /// The scheme file format's Scheme, not the wire's.
    typealias CoreScheme = LianjieScoring.Scheme

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--draft"])
        switch sub {
        case "whatif":
            try await whatIf(ctx, Array(raw.dropFirst()))
            return
        case "show":
            try args.only(["--version", "--draft"], positionals: 0)
            let s = try await fetch(ctx, args)
            ctx.output(s) { show(s) }
        case "versions":
            try args.only([], positionals: 0)
            let entries = try ctx.entries()
            let all = try await Commands.allPages { token in
                let page = try await Commands.rpc { try await entries.listSchemeVersions(ListSchemeVersionsRequest(pageSize: 500, pageToken: token), options: ctx.options) }
                return (page.versions, page.nextPageToken)
            }
            ctx.output(ListSchemeVersionsResponse(versions: all, totalSize: Int32(all.count))) {
                var t = Table("VERSION", "LABEL", "PUBLISHED", "BY", "TAGS", "HASH", "NOTE")
                for v in all { t.add(String(v.version), v.label, Show.time(v.publishTime), v.publishedBy, String(v.tagCount), String(v.hash.prefix(12)), v.note) }
                t.print()
            }
        case "export":
            try args.only(["--version", "--draft"], positionals: 0)
            let s = try await fetch(ctx, args)
            print(s.document, terminator: "")
        case "check":
            try args.only([], positionals: 1)
            try await check(ctx, path: try args.positional(0, "FILE.json"))
        case "draft":
            try args.only([], positionals: 1)
            let path = try args.positional(0, "FILE.json")
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError.usage("cannot read \(path) as UTF-8 text") }
            let entries = try ctx.entries()
            let current = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(draft: true), options: ctx.options) }
            let s = try await Commands.rpc {
                try await entries.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: Show.requestID(), document: text, etag: current.etag), options: ctx.options)
            }
            ctx.output(s) { print("the draft is now \(path) (based on version \(s.basedOnVersion)); lianjie scheme diff shows what it changes") }
        case "diff":
            try args.only([], positionals: 0)
            let entries = try ctx.entries()
            let draft = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(draft: true), options: ctx.options) }
            let published = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(), options: ctx.options) }
            let lines = try core(draft).differences(from: try core(published))
            printDifferences(ctx, lines, against: published.version)
        case "publish":
            try args.only(["--note"], positionals: 0)
            let note = try args.required("--note")
            let entries = try ctx.entries()
            let draft = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(draft: true), options: ctx.options) }
            let s = try await Commands.rpc {
                try await entries.publishScheme(PublishSchemeRequest(requestId: Show.requestID(), note: note, etag: draft.etag), options: ctx.options)
            }
            ctx.output(s) {
                let versions = s.libraries.map { "\($0.code)@\($0.version)" }.joined(separator: ", ")
                print("published version \(s.version) (\(s.label)): \(versions); hash \(s.hash.prefix(12))")
            }
        case "discard":
            try args.only([], positionals: 0)
            let entries = try ctx.entries()
            let draft = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(draft: true), options: ctx.options) }
            let s = try await Commands.rpc {
                try await entries.discardSchemeDraft(DiscardSchemeDraftRequest(requestId: Show.requestID(), etag: draft.etag), options: ctx.options)
            }
            ctx.output(s) { print("the draft is version \(s.basedOnVersion) again") }
        case "tag":
            try await tag(ctx, Array(raw.dropFirst()))
        default:
            throw CLIError.usage(usage)
        }
    }

    static func fetch(_ ctx: CLIContext, _ args: Args) async throws -> LianjieMessages.Scheme {
        let version = try args.value("--version").map { v -> Int32 in
            guard let n = Int32(v), n > 0 else { throw CLIError.usage("--version must be a version number") }
            return n
        }
        if version != nil, args.flag("--draft") { throw CLIError.usage("--version and --draft exclude each other") }
        let entries = try ctx.entries()
        return try await Commands.rpc {
            try await entries.getScheme(GetSchemeRequest(version: version ?? 0, draft: args.flag("--draft")), options: ctx.options)
        }
    }

    static func core(_ s: LianjieMessages.Scheme) throws -> CoreScheme {
        do { return try SchemeLoader.load(Data(s.document.utf8)) } catch {
            throw CLIError(message: "the server sent a scheme this client cannot read: \(error)", exitCode: CLIError.Code.failure)
        }
    }

    static func show(_ s: LianjieMessages.Scheme) {
        if s.version == 0 {
            print("draft based on version \(s.basedOnVersion) — \(s.label) — changed \(Show.time(s.changeTime)) by \(s.changedBy.isEmpty ? "-" : s.changedBy)")
        } else {
            print("version \(s.version) — \(s.label) — published \(Show.time(s.changeTime)) by \(s.changedBy.isEmpty ? "(first start)" : s.changedBy)")
            print("note: \(s.note)")
        }
        print("hash: \(s.hash)")
        let dims = s.dimensions.map { "\(Show.name($0.dimension, prefix: "DIMENSION_")) base \($0.baseScore) weight \($0.weight)" }
        print("dimensions: \(dims.joined(separator: "; "))")
        if let g = s.grades { print("grades: excellent ≥ \(g.excellent), good ≥ \(g.good), fair ≥ \(g.fair), else poor") }
        for c in Set(s.categoryCoefficients.map(\.categoryCode)).sorted() {
            let values = s.categoryCoefficients.filter { $0.categoryCode == c }.map { "\(Show.name($0.dimension, prefix: "DIMENSION_")) ×\($0.coefficient)" }
            print("category \(c): \(values.joined(separator: ", "))")
        }
        for p in s.postCoefficients { print("post \(p.postCode): ×\(p.coefficient)") }
        print("")
        var t = Table("LIBRARY", "CODE", "NAME", "DIMENSION", "POINTS", "COEF", "MONTHS", "MAX", "FLAGS")
        for l in s.libraries {
            for tag in l.tags {
                var flags: [String] = []
                if tag.redLine { flags.append("red-line") }
                if tag.immediateAlert { flags.append("alert") }
                if tag.evidenceRequired { flags.append("evidence") }
                if tag.retired { flags.append("retired") }
                t.add("\(l.code)@\(l.version)", tag.code, tag.name, Show.name(tag.dimension, prefix: "DIMENSION_"),
                      (tag.polarity == .debit ? "-" : "+") + tag.points, tag.coefficient, String(tag.windowMonths),
                      tag.maxPerPeriod == 0 ? "" : String(tag.maxPerPeriod), flags.joined(separator: ","))
            }
        }
        t.print()
        if !s.workOrderRules.isEmpty {
            print("")
            var r = Table("RULE", "KIND", "TAG", "ENTRIES START", "ENABLED")
            for rule in s.workOrderRules { r.add(rule.code, rule.kind, rule.tag, rule.confirmed ? "confirmed" : "submitted", rule.enabled ? "yes" : "no") }
            r.print()
        }
    }

    static func printDifferences(_ ctx: CLIContext, _ lines: [String], against version: Int32) {
        if ctx.json {
            print(JSONValue.object([("against", .number(String(version))), ("differences", .array(lines.map { .string($0) }))]).serialized(pretty: true))
        } else if lines.isEmpty {
            print("no differences from version \(version)")
        } else {
            print("against version \(version):")
            for l in lines { print("  \(l)") }
        }
    }

    /// Checks a file with the scoring core, here; when logged in, also compares it with
    /// the published version. Exit 6 when the file has problems.
    static func check(_ ctx: CLIContext, path: String) async throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.usage("cannot read \(path)") }
        let (scheme, problems) = SchemeLoader.check(data)
        var differences: [String] = []
        var against: Int32 = 0
        if let scheme, (try? ctx.token()) != nil {
            let entries = try ctx.entries()
            if let published = try? await entries.getScheme(GetSchemeRequest(), options: ctx.options), let old = try? core(published) {
                differences = scheme.differences(from: old)
                against = published.version
                for removed in scheme.removedTags(since: old) {
                    differences.append("! \(removed) is published and missing: retire it (\"retired\": true) instead of removing it")
                }
            }
        }
        if ctx.json {
            var fields: [(String, JSONValue)] = [("valid", .bool(problems.isEmpty)),
                                                 ("problems", .array(problems.map { .object([("field", .string($0.field)), ("reason", .string($0.reason))]) }))]
            if against > 0 { fields += [("against", .number(String(against))), ("differences", .array(differences.map { .string($0) }))] }
            print(JSONValue.object(fields).serialized(pretty: true))
        } else {
            if problems.isEmpty { print("\(path): a valid scheme (hash \(scheme!.hash.prefix(12)))") }
            for p in problems { print("\(path): \(p.field.isEmpty ? "" : p.field + ": ")\(p.reason)") }
            if against > 0 { printDifferences(ctx, differences, against: against) }
        }
        if !problems.isEmpty {
            var e = CLIError(message: "\(problems.count) problem(s)", exitCode: CLIError.Code.invalidArgument)
            e.alreadyReported = true
            throw e
        }
    }

    static func tag(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let verb = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()))
        let options: Set<String> = ["--name", "--dimension", "--polarity", "--points", "--coefficient", "--window", "--max", "--red-line",
                                    "--alert", "--evidence"]
        let library = try args.positional(0, "LIBRARY"), code = try args.positional(1, "CODE")
        let entries = try ctx.entries()
        let draft = try await Commands.rpc { try await entries.getScheme(GetSchemeRequest(draft: true), options: ctx.options) }
        func yes(_ name: String) throws -> Bool? {
            guard let v = args.value(name) else { return nil }
            switch v.lowercased() {
            case "yes", "true", "1": return true
            case "no", "false", "0": return false
            default: throw CLIError.usage("\(name) takes yes or no")
            }
        }
        func number(_ name: String) throws -> Int32? {
            try args.value(name).map { v in
                guard let n = Int32(v) else { throw CLIError.usage("\(name) must be a whole number") }
                return n
            }
        }
        var t = SchemeTag(code: code)
        var mask: [String] = []
        if let v = args.value("--name") { t.name = v; mask.append("name") }
        if let v = args.value("--dimension") { t.dimension = try Show.parse(v, prefix: "DIMENSION_", Dimension.self, field: "--dimension"); mask.append("dimension") }
        if let v = args.value("--polarity") { t.polarity = try Show.parse(v, prefix: "POLARITY_", Polarity.self, field: "--polarity"); mask.append("polarity") }
        if let v = args.value("--points") { t.points = v; mask.append("points") }
        if let v = args.value("--coefficient") { t.coefficient = v; mask.append("coefficient") }
        if let v = try number("--window") { t.windowMonths = v; mask.append("window_months") }
        if let v = try number("--max") { t.maxPerPeriod = v; mask.append("max_per_period") }
        if let v = try yes("--red-line") { t.redLine = v; mask.append("red_line") }
        if let v = try yes("--alert") { t.immediateAlert = v; mask.append("immediate_alert") }
        if let v = try yes("--evidence") { t.evidenceRequired = v; mask.append("evidence_required") }
        let s: LianjieMessages.Scheme
        switch verb {
        case "add":
            try args.only(options, positionals: 2)
            s = try await Commands.rpc {
                try await entries.addSchemeTag(AddSchemeTagRequest(requestId: Show.requestID(), libraryCode: library, tag: t, etag: draft.etag), options: ctx.options)
            }
        case "edit":
            try args.only(options, positionals: 2)
            guard !mask.isEmpty else { throw CLIError.usage("name at least one field to change") }
            s = try await Commands.rpc {
                try await entries.updateSchemeTag(UpdateSchemeTagRequest(libraryCode: library, tag: t, updateMask: mask, etag: draft.etag), options: ctx.options)
            }
        case "retire":
            try args.only([], positionals: 2)
            s = try await Commands.rpc {
                try await entries.retireSchemeTag(RetireSchemeTagRequest(requestId: Show.requestID(), libraryCode: library, code: code, etag: draft.etag),
                                                  options: ctx.options)
            }
        default:
            throw CLIError.usage(usage)
        }
        ctx.output(s) { print("draft changed (\(verb) \(library)/\(code)); lianjie scheme diff shows every change, lianjie scheme publish --note … publishes") }
    }
}
