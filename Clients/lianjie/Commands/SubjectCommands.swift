import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie subject …`, `category …`, `post …`
enum SubjectCommands {
    static let usage = """
        usage: lianjie subject list [--org ID] [--category ID] [--status active|transferred|left]
               lianjie subject get NUMBER|ID
               lianjie subject create --number N --name NAME --org ID --category ID --post ID --level LEVEL
                                      [--entered YYYY-MM-DD] [--account ID]
               lianjie subject update NUMBER|ID [--name NAME] [--category ID] [--post ID] [--level LEVEL]
                                         [--status STATUS] [--account ID] [--entered YYYY-MM-DD]
               lianjie subject transfer NUMBER|ID --to ORG_ID --date YYYY-MM-DD --reason TEXT
               lianjie subject history NUMBER|ID
               lianjie subject import FILE.csv [--dry-run]
        levels: staff team-leader section division
        CSV columns (with a header row): employee_number,name,organization_id,category_code,post_code,
                                         position_level,post_entry_date
        """

    /// Names for the ids a subject carries, so tables show people's words.
    struct Names {
        var organizations: [String: String] = [:]
        var categories: [String: String] = [:]
        var posts: [String: String] = [:]

        static func load(_ ctx: CLIContext, _ users: UserServiceClient) async -> Names {
            var n = Names()
            guard !ctx.json else { return n }
            n.organizations = await OrgCommands.names(ctx, users)
            if let c = try? await users.listCategories(options: ctx.options) { n.categories = Dictionary(uniqueKeysWithValues: c.categories.map { ($0.id, $0.name) }) }
            if let p = try? await users.listPosts(options: ctx.options) { n.posts = Dictionary(uniqueKeysWithValues: p.posts.map { ($0.id, $0.name) }) }
            return n
        }
    }

    static func table(_ subjects: [Subject], names: Names = Names()) -> Table {
        var t = Table("ID", "NUMBER", "NAME", "ORGANIZATION", "CATEGORY", "POST", "LEVEL", "STATUS")
        for s in subjects {
            t.add(s.id, s.employeeNumber, s.name, names.organizations[s.organizationId] ?? s.organizationId,
                  names.categories[s.categoryId] ?? s.categoryId, names.posts[s.postId] ?? s.postId,
                  Show.name(s.positionLevel, prefix: "POSITION_LEVEL_"),
                  Show.name(s.status, prefix: "SUBJECT_STATUS_"))
        }
        return t
    }

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--dry-run"])
        let users = try ctx.users()
        switch sub {
        case "list":
            try args.only(["--org", "--category", "--status"], positionals: 0)
            let status = try args.value("--status").map { try Show.parse($0, prefix: "SUBJECT_STATUS_", SubjectStatus.self, field: "--status") }
            let all = try await Commands.allPages { token in
                let page = try await Commands.rpc {
                    try await users.listSubjects(ListSubjectsRequest(organizationId: args.value("--org") ?? "", categoryId: args.value("--category") ?? "",
                                                                     status: status ?? .unspecified, pageSize: 500, pageToken: token), options: ctx.options)
                }
                return (page.subjects, page.nextPageToken)
            }
            let response = ListSubjectsResponse(subjects: all, totalSize: Int32(all.count))
            let names = await Names.load(ctx, users)
            ctx.output(response) { table(all, names: names).print() }
        case "get":
            try args.only([], positionals: 1)
            let s = try await Commands.rpc { try await users.getSubject(GetSubjectRequest(id: try args.positional(0, "NUMBER or ID")), options: ctx.options) }
            let names = await Names.load(ctx, users)
            ctx.output(s) {
                var t = Table("FIELD", "VALUE")
                t.add("id", s.id); t.add("employee number", s.employeeNumber); t.add("name", s.name)
                t.add("organization", names.organizations[s.organizationId] ?? s.organizationId)
                t.add("category", names.categories[s.categoryId] ?? s.categoryId); t.add("post", names.posts[s.postId] ?? s.postId)
                t.add("level", Show.name(s.positionLevel, prefix: "POSITION_LEVEL_")); t.add("status", Show.name(s.status, prefix: "SUBJECT_STATUS_"))
                t.add("account", s.accountId); t.add("entered post", Show.date(s.postEntryDate)); t.add("etag", s.etag)
                t.print()
            }
        case "create":
            try args.only(["--number", "--name", "--org", "--category", "--post", "--level", "--entered", "--account"], positionals: 0)
            let subject = Subject(employeeNumber: try args.required("--number"), name: try args.required("--name"), organizationId: try args.required("--org"),
                                  categoryId: try args.required("--category"), postId: try args.required("--post"),
                                  positionLevel: try Show.parse(try args.required("--level"), prefix: "POSITION_LEVEL_", PositionLevel.self, field: "--level"),
                                  accountId: args.value("--account") ?? "",
                                  postEntryDate: try args.value("--entered").map { try Show.parseDate($0, field: "--entered") })
            let s = try await Commands.rpc { try await users.createSubject(CreateSubjectRequest(requestId: Show.requestID(), subject: subject), options: ctx.options) }
            ctx.output(s) { print("created \(s.id) \(s.employeeNumber) \(s.name)") }
        case "update":
            try args.only(["--name", "--category", "--post", "--level", "--status", "--account", "--entered"], positionals: 1)
            let id = try args.positional(0, "ID")
            var patch = Subject(id: id)
            var mask: [String] = []
            if let v = args.value("--name") { patch.name = v; mask.append("name") }
            if let v = args.value("--category") { patch.categoryId = v; mask.append("category_id") }
            if let v = args.value("--post") { patch.postId = v; mask.append("post_id") }
            if let v = args.value("--level") { patch.positionLevel = try Show.parse(v, prefix: "POSITION_LEVEL_", PositionLevel.self, field: "--level"); mask.append("position_level") }
            if let v = args.value("--status") { patch.status = try Show.parse(v, prefix: "SUBJECT_STATUS_", SubjectStatus.self, field: "--status"); mask.append("status") }
            if let v = args.value("--account") { patch.accountId = v; mask.append("account_id") }
            if let v = args.value("--entered") { patch.postEntryDate = try Show.parseDate(v, field: "--entered"); mask.append("post_entry_date") }
            guard !mask.isEmpty else { throw CLIError.usage("name at least one field to change") }
            let current = try await Commands.rpc { try await users.getSubject(GetSubjectRequest(id: id), options: ctx.options) }
            let s = try await Commands.rpc {
                try await users.updateSubject(UpdateSubjectRequest(subject: patch, updateMask: mask, etag: current.etag), options: ctx.options)
            }
            ctx.output(s) { table([s]).print() }
        case "transfer":
            try args.only(["--to", "--date", "--reason"], positionals: 1)
            let s = try await Commands.rpc {
                try await users.transferSubject(TransferSubjectRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"),
                                                                       toOrganizationId: try args.required("--to"),
                                                                       effectiveDate: try Show.parseDate(try args.required("--date"), field: "--date"),
                                                                       reason: try args.required("--reason")), options: ctx.options)
            }
            ctx.output(s) { print("transferred \(s.id) to \(s.organizationId)") }
        case "history":
            try args.only([], positionals: 1)
            let r = try await Commands.rpc { try await users.listPlacements(ListPlacementsRequest(subjectId: try args.positional(0, "ID")), options: ctx.options) }
            let names = ctx.json ? [:] : await OrgCommands.names(ctx, users)
            ctx.output(r) {
                var t = Table("ORGANIZATION", "FROM", "TO", "REASON", "BY")
                for p in r.placements {
                    t.add(names[p.organizationId] ?? p.organizationId, Show.date(p.fromDate), Show.date(p.toDate), p.reason, p.changedBy)
                }
                t.print()
            }
        case "import":
            try args.only(["--dry-run"], positionals: 1)
            try await importFile(ctx, users, path: try args.positional(0, "FILE.csv"), dryRun: args.flag("--dry-run"))
        default:
            throw CLIError.usage(usage)
        }
    }

    static let columns = ["employee_number", "name", "organization_id", "category_code", "post_code", "position_level", "post_entry_date"]
    static let chunk = 500

    /// Checks every row (in chunks, with progress), reports every refusal, and imports
    /// all rows in one call only when none was refused: nothing is ever half-imported.
    static func importFile(_ ctx: CLIContext, _ users: UserServiceClient, path: String, dryRun: Bool) async throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError(message: "cannot read \(path) as UTF-8 text", exitCode: CLIError.Code.usage)
        }
        let records = try CSV.parse(text)
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw CLIError(message: "\(path) is empty", exitCode: CLIError.Code.invalidArgument)
        }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let missing = columns.filter { index[$0] == nil && $0 != "post_entry_date" }
        guard missing.isEmpty else {
            throw CLIError(message: "\(path): the header lacks \(missing.joined(separator: ", ")); expected \(columns.joined(separator: ","))",
                           exitCode: CLIError.Code.invalidArgument)
        }
        let rows = records.dropFirst().filter { !$0.fields.allSatisfy(\.isEmpty) }.map { r -> SubjectImportRow in
            func f(_ c: String) -> String { index[c].flatMap { $0 < r.fields.count ? r.fields[$0].trimmingCharacters(in: .whitespaces) : nil } ?? "" }
            return SubjectImportRow(line: Int32(r.line), employeeNumber: f("employee_number"), name: f("name"), organizationId: f("organization_id"),
                                    categoryCode: f("category_code"), postCode: f("post_code"), positionLevel: f("position_level"),
                                    postEntryDate: f("post_entry_date"))
        }
        guard !rows.isEmpty else { throw CLIError(message: "\(path) has no rows", exitCode: CLIError.Code.invalidArgument) }
        guard rows.count <= 5000 else {
            throw CLIError(message: "\(path) has \(rows.count) rows; at most 5000 are imported at once — split the file", exitCode: CLIError.Code.usage)
        }
        var rejections: [ImportRejection] = []
        var seen: [String: Int32] = [:]
        for row in rows where !row.employeeNumber.isEmpty {
            if let first = seen[row.employeeNumber] {
                rejections.append(ImportRejection(line: row.line, field: "employee_number", reason: "repeats line \(first)"))
            } else {
                seen[row.employeeNumber] = row.line
            }
        }
        let progress = Progress(total: rows.count, label: "checking")
        var checked = 0
        for start in stride(from: 0, to: rows.count, by: chunk) {
            let part = Array(rows[start..<min(start + chunk, rows.count)])
            let report = try await Commands.rpc {
                try await users.importSubjects(ImportSubjectsRequest(rows: part, dryRun: true), options: ctx.options)
            }
            rejections += report.rejections
            checked += part.count
            progress.update(checked)
        }
        progress.finish()
        // A repeat inside one chunk is reported by the server and by the check above: once is enough.
        rejections = ImportReport.distinct(rejections)
        var result = ImportSubjectsResponse(applied: false, created: Int32(rows.count), rejections: rejections)
        if rejections.isEmpty, !dryRun {
            result = try await Commands.rpc {
                try await users.importSubjects(ImportSubjectsRequest(requestId: Show.requestID(), rows: rows), options: CallOptions(timeout: .seconds(300)))
            }
            rejections = result.rejections
        }
        ctx.output(result) {
            if !rejections.isEmpty {
                ImportReport.print(rejections, outcome: "nothing was imported")
            } else if result.applied {
                print("imported \(result.created) subjects from \(path)")
            } else {
                print("dry run: all \(rows.count) rows are valid; nothing was imported")
            }
        }
        if !rejections.isEmpty { throw ImportReport.failure(rejections, outcome: "nothing was imported") }
    }

    static func category(_ ctx: CLIContext, _ raw: [String]) async throws {
        let users = try ctx.users()
        switch raw.first {
        case "list":
            let r = try await Commands.rpc { try await users.listCategories(options: ctx.options) }
            ctx.output(r) {
                var t = Table("ID", "CODE", "NAME")
                for c in r.categories { t.add(c.id, c.code, c.name) }
                t.print()
            }
        case "create":
            guard raw.count == 3 else { throw CLIError.usage("usage: lianjie category create CODE NAME") }
            let c = try await Commands.rpc {
                try await users.createCategory(CreateCategoryRequest(requestId: Show.requestID(), code: raw[1], name: raw[2]), options: ctx.options)
            }
            ctx.output(c) { print("created \(c.id) \(c.code)") }
        default:
            throw CLIError.usage("usage: lianjie category list | lianjie category create CODE NAME")
        }
    }

    static func post(_ ctx: CLIContext, _ raw: [String]) async throws {
        let users = try ctx.users()
        let args = try Args(Array(raw.dropFirst()))
        switch raw.first {
        case "list":
            try args.only(["--category"], positionals: 0)
            let r = try await Commands.rpc { try await users.listPosts(ListPostsRequest(categoryId: args.value("--category") ?? ""), options: ctx.options) }
            ctx.output(r) {
                var t = Table("ID", "CODE", "NAME", "CATEGORY", "RISK")
                for p in r.posts { t.add(p.id, p.code, p.name, p.categoryId, p.riskCoefficient) }
                t.print()
            }
        case "create":
            try args.only(["--category", "--coefficient"], positionals: 2)
            let p = try await Commands.rpc {
                try await users.createPost(CreatePostRequest(requestId: Show.requestID(), code: try args.positional(0, "CODE"), name: try args.positional(1, "NAME"),
                                                             categoryId: try args.required("--category"), riskCoefficient: try args.required("--coefficient")),
                                           options: ctx.options)
            }
            ctx.output(p) { print("created \(p.id) \(p.code)") }
        default:
            throw CLIError.usage("usage: lianjie post list [--category ID] | lianjie post create CODE NAME --category ID --coefficient 1.20")
        }
    }
}

/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF, a UTF-8 byte-order mark.
enum CSV {
    struct Record {
        /// The line the record starts on (1 = the header).
        var line: Int
        var fields: [String]
    }

    /// One record as a line: fields quoted when they hold a comma, a quote or a line break
    /// (a quote doubled), and a field that starts like a spreadsheet formula (`=`, `+`, `-`,
    /// `@`) quoted with a leading `'`, so opening the file never runs anything.
    static func line(_ fields: [String]) -> String {
        fields.map { f -> String in
            var v = f
            if let c = v.first, "=+-@".contains(c), Double(v) == nil { v = "'" + v }
            guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }

    static func parse(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var field = ""
        var fields: [String] = []
        var line = 1
        var recordLine = 1
        var quoted = false
        var afterQuote = false
        var chars = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false; afterQuote = true }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty, !afterQuote else { throw CLIError(message: "line \(line): a quote inside an unquoted field", exitCode: CLIError.Code.invalidArgument) }
                quoted = true
            } else if c == "," {
                fields.append(field); field = ""; afterQuote = false
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                fields.append(field); field = ""; afterQuote = false
                records.append(Record(line: recordLine, fields: fields))
                fields = []
                line += 1
                recordLine = line
            } else {
                guard !afterQuote else { throw CLIError(message: "line \(line): text after a closing quote", exitCode: CLIError.Code.invalidArgument) }
                field.append(c)
            }
            i += 1
        }
        if quoted { throw CLIError(message: "line \(recordLine): a quoted field is never closed", exitCode: CLIError.Code.invalidArgument) }
        return records
    }
}
