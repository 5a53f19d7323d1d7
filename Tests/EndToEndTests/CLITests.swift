import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import XCTest

/// The `lianjie` CLI as a script or a person uses it: output, --json, exit codes, the
/// credentials file.
final class CLITests: XCTestCase {
    var home = ""

    override func setUp() {
        home = NSTemporaryDirectory() + "lianjie-cli-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: home)
    }

    @discardableResult
    func run(_ args: [String], stdin: String? = nil) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ServerProcess.binDirectory + "/lianjie")
        p.arguments = args
        p.environment = ["HOME": home, "PATH": "/usr/bin:/bin"]
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testLoginWhoAmILogoutWithExitCodesAndJSON() throws {
        let server = try ServerProcess()
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "health"]).code, 0)

        let bad = try run(["--server", address, "login", "admin", "--password-stdin"], stdin: "wrong-password-1\n")
        XCTAssertEqual(bad.code, 3)
        XCTAssertEqual(bad.err, "lianjie: unknown username or wrong password\n", "one clear line")

        let ok = try run(["--server", address, "login", "admin", "--password-stdin"], stdin: adminPassword + "\n")
        XCTAssertEqual(ok.code, 0, ok.err)
        let credentials = home + "/.config/lianjie/credentials.json"
        let mode = try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: home + "/.config/lianjie")[.posixPermissions] as? NSNumber
        XCTAssertEqual(dirMode?.intValue, 0o700)
        XCTAssertFalse(try String(contentsOfFile: credentials, encoding: .utf8).contains(adminPassword), "the password is never kept")

        let me = try run(["--json", "whoami"])
        XCTAssertEqual(me.code, 0)
        let parsed = try WhoAmIResponse(jsonString: me.out)
        XCTAssertEqual(parsed.account?.username, "admin")

        XCTAssertEqual(try run(["logout"]).code, 0)
        let after = try run(["--json", "whoami"])
        XCTAssertEqual(after.code, 3)
        XCTAssertEqual(try JSONValue(parsing: after.out)["error"]?["exitCode"], .number("3"))
    }

    // Issue 7, A.9: the saved token went to whatever --server named; the credentials file
    // was written through a symlink; an existing directory kept a loose mode.
    func testTheSavedTokenGoesOnlyToItsServerAndTheFileIsWrittenSafely() throws {
        let server = try ServerProcess()
        let address = "127.0.0.1:\(server.port)"
        // A loose existing directory is tightened; a symlink at the file's path is replaced, not followed.
        let directory = home + "/.config/lianjie"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let victim = home + "/victim.txt"
        try "untouched\n".write(toFile: victim, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: directory + "/credentials.json", withDestinationPath: victim)
        XCTAssertEqual(try run(["--server", address, "login", "admin", "--password-stdin"], stdin: adminPassword + "\n").code, 0)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "untouched\n", "the link's target was not written")
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/credentials.json")
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeRegular)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let dirMode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? NSNumber
        XCTAssertEqual(dirMode?.intValue, 0o700)

        // Another server gets no token: the CLI refuses before connecting.
        let other = try ServerProcess()
        let elsewhere = try run(["--server", "127.0.0.1:\(other.port)", "whoami"])
        XCTAssertEqual(elsewhere.code, 3)
        XCTAssertTrue(elsewhere.err.contains("logged in to \(address)"), elsewhere.err)
        XCTAssertFalse(other.log.contains { $0.contains("WhoAmI") }, "nothing reached the other server")
        XCTAssertEqual(try run(["whoami"]).code, 0, "the issuing server still works")
    }

    // Issue 7, A.7: anchors printed by the CLI catch a log cut short.
    func testAuditAnchorsFromTheCLI() throws {
        let server = try ServerProcess()
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "login", "admin", "--password-stdin"], stdin: adminPassword + "\n").code, 0)
        let anchor = try run(["audit", "anchor"])
        XCTAssertEqual(anchor.code, 0, anchor.err)
        let text = anchor.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(text.range(of: #"^[0-9]+:[0-9a-f]{64}$"#, options: .regularExpression) != nil, text)
        let verified = try run(["audit", "verify", "--anchor", text])
        XCTAssertEqual(verified.code, 0, verified.out + verified.err)
        XCTAssertTrue(verified.out.contains("intact"))
        XCTAssertEqual(try run(["audit", "verify", "--anchor", "12:nothex"]).code, 2)
        let wrong = text.split(separator: ":")[0] + ":" + String(repeating: "0", count: 64)
        XCTAssertEqual(try run(["audit", "verify", "--anchor", String(wrong)]).code, 1, "an anchor the log does not hold fails")
    }

    func testUsageErrorsAndAnUnreachableServer() throws {
        XCTAssertEqual(try run(["frobnicate"]).code, 2)
        XCTAssertEqual(try run(["--server", "nonsense", "health"]).code, 2)
        let down = try run(["--server", "127.0.0.1:1", "health"])
        XCTAssertEqual(down.code, 8)
        XCTAssertTrue(down.err.hasPrefix("lianjie: cannot reach the server at 127.0.0.1:1"), down.err)
        XCTAssertEqual(down.err.split(separator: "\n").count, 1)
        let json = try run(["--json", "--server", "127.0.0.1:1", "health"])
        XCTAssertEqual(try JSONValue(parsing: json.out)["error"]?["status"], .string("UNAVAILABLE"))
    }

    func testDaemonVersionHelpAndBadOptions() throws {
        func daemon(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: ServerProcess.binDirectory + "/lianjied")
            p.arguments = args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
        XCTAssertEqual(try daemon(["--version"]).0, 0)
        XCTAssertTrue(try daemon(["--help"]).1.contains("--data-dir"))
        XCTAssertEqual(try daemon(["--bogus"]).0, 2)
        XCTAssertEqual(try daemon(["--listen", "nowhere"]).0, 2)
        let conf = home + ".conf"
        try "max_connections = lots\n".write(toFile: conf, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: conf) }
        let (code, text) = try daemon(["--config", conf])
        XCTAssertEqual(code, 2)
        XCTAssertTrue(text.contains("\(conf):1: max_connections must be a number"), text)
        // One address cannot be both a trusted proxy (PROXY header first) and a gateway's.
        try "trusted_proxies = 127.0.0.1\ntrusted_gateways = 127.0.0.1, 10.0.0.9\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let overlap = try daemon(["--config", conf])
        XCTAssertEqual(overlap.0, 2)
        XCTAssertTrue(overlap.1.contains("127.0.0.1 is in both trusted_proxies and trusted_gateways"), overlap.1)
        // The gateway socket is a path, and LJRP's own listener stays TCP.
        try "gateway_socket = lianjied.sock\n".write(toFile: conf, atomically: true, encoding: .utf8)
        let relative = try daemon(["--config", conf])
        XCTAssertEqual(relative.0, 2)
        XCTAssertTrue(relative.1.contains("gateway_socket must be an absolute path"), relative.1)
        let unixListen = try daemon(["--listen", "unix:/tmp/lianjied.sock"])
        XCTAssertEqual(unixListen.0, 2)
        XCTAssertTrue(unixListen.1.contains("listen must be HOST:PORT"), unixListen.1)
    }

    func testUserManagementCommandsAndTheRosterImport() throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "login", "admin", "--password-stdin"], stdin: adminPassword + "\n").code, 0)
        let orgs = try ListOrganizationsResponse(jsonString: try run(["--json", "org", "list"]).out)
        XCTAssertEqual(orgs.organizations.count, 16)
        let team = orgs.organizations.first { o in o.name == "高压业扩班" && orgs.organizations.contains { $0.id == o.ancestorIds[1] && $0.name == "城东区供电局" } }!
        let people = try run(["org", "list"])
        XCTAssertTrue(people.out.contains("  城东区供电局"), "a tree for people:\n\(people.out)")

        let created = try run(["--json", "org", "create", "--name", "物资部", "--kind", "department", "--parent", team.ancestorIds[1]])
        XCTAssertEqual(created.code, 0, created.err)
        XCTAssertEqual(try run(["org", "create", "--name", "x", "--kind", "galaxy"]).code, 2)

        let csv = home + "-roster.csv"
        defer { try? FileManager.default.removeItem(atPath: csv) }
        var good = "employee_number,name,organization_id,category_code,post_code,position_level,post_entry_date\r\n"
        for i in 0..<30 { good += "R\(100 + i),\"员工, \(i)\",\(team.id),HV_EXPANSION,HV_ACCOUNT_MANAGER,staff,2024-02-0\(1 + i % 9)\r\n" }
        let bad = good + "R100,重复,\(team.id),HV_EXPANSION,NO_SUCH_POST,chief,2024-02-30\r\n"
        try bad.write(toFile: csv, atomically: true, encoding: .utf8)
        let refused = try run(["subject", "import", csv])
        XCTAssertEqual(refused.code, 6, refused.err)
        let report = refused.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(report.filter { $0.hasPrefix("32 ") }, [
            "32 employee_number repeats line 2", "32 position_level must be STAFF, TEAM_LEADER, SECTION or DIVISION",
            "32 post_code no such post", "32 post_entry_date must be a valid day written YYYY-MM-DD",
        ], refused.out)
        XCTAssertTrue(refused.out.contains("nothing was imported"))
        XCTAssertEqual(try run(["--json", "subject", "list"]).out.components(separatedBy: "\"employeeNumber\"").count - 1, 20)

        try good.write(toFile: csv, atomically: true, encoding: .utf8)
        let dry = try run(["subject", "import", csv, "--dry-run"])
        XCTAssertEqual(dry.code, 0, dry.out + dry.err)
        XCTAssertTrue(dry.out.contains("dry run: all 30 rows are valid"))
        let real = try run(["--json", "subject", "import", csv])
        XCTAssertEqual(real.code, 0, real.out + real.err)
        XCTAssertEqual(try ImportSubjectsResponse(jsonString: real.out).created, 30)
        let listed = try ListSubjectsResponse(jsonString: try run(["--json", "subject", "list", "--org", team.id]).out)
        XCTAssertEqual(listed.subjects.count, 47)
        XCTAssertTrue(listed.subjects.contains { $0.name == "员工, 7" }, "quoted CSV fields keep their commas")
        let table = try run(["subject", "list", "--org", team.id])
        XCTAssertTrue(table.out.contains("员工, 7") && table.out.contains("高压业扩班"), "tables for people name the organisation:\n\(table.out)")

        let service = try run(["account", "create", "crm", "--service", "--role", "service"])
        XCTAssertEqual(service.code, 0, service.err)
        let id = String(service.out.split(separator: " ")[1])
        let token = try run(["token", "issue", id, "--description", "CRM push"])
        XCTAssertEqual(token.out.trimmingCharacters(in: .whitespacesAndNewlines).count, 43)
        XCTAssertTrue(token.err.contains("shown once"))

        let verify = try run(["audit", "verify"])
        XCTAssertEqual(verify.code, 0)
        XCTAssertTrue(verify.out.hasPrefix("the audit log is intact"))
        let audit = try ListAuditEntriesResponse(jsonString: try run(["--json", "audit", "list", "--method", "ImportSubjects"]).out)
        XCTAssertEqual(audit.entries.filter { $0.recordType == "subject" }.count, 30, "one entry per imported subject")
    }

    func testDataEntryCommandsAsAnInspectorAndAManagerUseThem() throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let address = "127.0.0.1:\(server.port)"
        func login(_ user: String) throws {
            XCTAssertEqual(try run(["--server", address, "login", user, "--password-stdin"], stdin: UserManagementTests.passwords[user]! + "\n").code, 0)
        }
        try login("inspector")
        // A subject by employee number, with its category and post named.
        let subject = try run(["subject", "get", "HV0002"])
        XCTAssertEqual(subject.code, 0, subject.err)
        XCTAssertTrue(subject.out.contains("高压业扩报装") && subject.out.contains("高压业扩班长"), subject.out)

        // A scheme file checked here: every problem with its path; the differences when logged in.
        let file = home + "-scheme.json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let exported = try run(["scheme", "export"])
        XCTAssertEqual(exported.code, 0)
        try exported.out.replacingOccurrences(of: "\"excellent\": \"90\"", with: "\"excellent\": \"92\"").write(toFile: file, atomically: true, encoding: .utf8)
        let ok = try run(["scheme", "check", file])
        XCTAssertEqual(ok.code, 0, ok.out + ok.err)
        XCTAssertTrue(ok.out.contains("~ grades"), ok.out)
        try exported.out.replacingOccurrences(of: "\"windowMonths\": 60", with: "\"windowMonths\": 99").write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try run(["--json", "scheme", "check", file])
        XCTAssertEqual(bad.code, 6)
        XCTAssertTrue(bad.out.contains("windowMonths") && bad.out.contains("\"valid\" : false") || bad.out.contains("\"valid\": false"), bad.out)

        // The manager records with evidence; the inspector confirms; the file comes back whole.
        try login("manager")
        let pdf = home + "-收据.pdf"
        defer { try? FileManager.default.removeItem(atPath: pdf) }
        let content = "%PDF-1.4\n" + String(repeating: "证据内容 ", count: 200_000)
        try content.write(toFile: pdf, atomically: true, encoding: .utf8)
        let submitted = try run(["--json", "entry", "submit", "--subject", "HV0005", "--tag", "GIFT_ACCEPTED", "--date", "2026-11-20",
                                 "--description", "收受客户购物卡", "--evidence", pdf])
        XCTAssertEqual(submitted.code, 0, submitted.err)
        let entry = try Entry(jsonString: submitted.out)
        XCTAssertEqual(entry.status, .submitted)
        XCTAssertEqual(entry.evidence.first?.size, Int64(content.utf8.count))
        let refused = try run(["entry", "submit", "--subject", "HV0005", "--tag", "LV_ON_TIME_CONNECTION", "--date", "2026-11-20", "--description", "x"])
        XCTAssertEqual(refused.code, 6)
        XCTAssertTrue(refused.err.contains("tag:"), refused.err)
        try login("inspector")
        let confirmed = try run(["entry", "confirm", entry.id])
        XCTAssertEqual(confirmed.code, 0, confirmed.err)
        let shown = try run(["entry", "show", entry.id])
        XCTAssertTrue(shown.out.contains("confirmed") && shown.out.contains("submitted"), shown.out)
        let copy = home + "-copy.pdf"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let got = try run(["entry", "evidence", "get", entry.evidence[0].id, "--output", copy])
        XCTAssertEqual(got.code, 0, got.err)
        XCTAssertEqual(try String(contentsOfFile: copy, encoding: .utf8), content)
        let listed = try ListEntriesResponse(jsonString: try run(["--json", "entry", "list", "--subject", "HV0005", "--status", "confirmed"]).out)
        XCTAssertTrue(listed.entries.contains { $0.id == entry.id })

        // Work orders: a bad row named by line and column, nothing stored; then the file, twice.
        let csv = home + "-orders.csv"
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let header = "number,type,customer_ref,design_firm,acceptance_handler,acceptance_start,acceptance_end,acceptance_limit_days,"
            + "site_survey_handler,site_survey_start,site_survey_end,site_survey_limit_days,complaints\n"
        let rows = "CLI-1,high-voltage-new,C1,甲设计院,HV0004,2026-10-01 09:00,2026-10-02 09:00,1,HV0005,2026-10-02 09:00,2026-10-12 09:00,3,\n"
            + "CLI-2,high-voltage-new,C2,乙设计院,HV0004,2026-10-03 09:00,2026-10-04 09:00,1,HV0006,2026-10-04 09:00,2026-10-05 09:00,3,2026-10-04 10:00/推诿\n"
        try (header + rows + "CLI-3,high-voltage-new,C3,,HV9999,2026-10-03 09:00,,1,,,,,\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let badImport = try run(["workorders", "import", csv])
        XCTAssertEqual(badImport.code, 6)
        XCTAssertTrue(badImport.out.contains("acceptance_handler") && badImport.out.contains("nothing was imported"), badImport.out)
        try (header + rows).write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try run(["--json", "workorders", "import", csv])
        XCTAssertEqual(try ImportWorkOrdersResponse(jsonString: imported.out).created, 2, imported.out + imported.err)
        let again = try ImportWorkOrdersResponse(jsonString: try run(["--json", "workorders", "import", csv]).out)
        XCTAssertEqual([again.created, again.updated, again.unchanged], [0, 0, 2])
        let rules = try run(["--json", "rules", "run", "--period", "2026Q4"])
        XCTAssertEqual(rules.code, 0, rules.err)
        let report = try RunWorkOrderRulesResponse(jsonString: rules.out)
        XCTAssertEqual(report.reports.first { $0.rule == "STAGE_OVERDUE" }?.recorded ?? 0 >= 1, true)
        let show = try run(["workorders", "show", "CLI-1"])
        XCTAssertTrue(show.out.contains("entries derived"), show.out)
    }

    func testEvaluationCommandsRunPublishVerifyAndWriteReports() throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "login", "inspector", "--password-stdin"], stdin: UserManagementTests.passwords["inspector"]! + "\n").code, 0)
        let runs = try ListEvaluationRunsResponse(jsonString: try run(["--json", "eval", "list", "--current"]).out)
        XCTAssertEqual(runs.runs.count, 4, "the demo's four quarters")
        let org = runs.runs[0].organizationId

        // A new run: the command waits for it, then it is published and verified.
        let made = try run(["--json", "eval", "run", "--period", "2026Q4", "--org", org])
        XCTAssertEqual(made.code, 0, made.err)
        let draft = try EvaluationRun(jsonString: made.out)
        XCTAssertEqual(draft.state, .draft)
        XCTAssertEqual(draft.personTimes, 17)
        let results = try run(["eval", "results", draft.id, "--by-total", "--limit", "5"])
        XCTAssertTrue(results.out.contains("EMPLOYEE") && results.out.contains("HV00"), results.out)
        let one = try run(["eval", "result", draft.id, "HV0002"])
        XCTAssertTrue(one.out.contains("王芳") && one.out.contains("DIMENSION"), one.out)
        XCTAssertEqual(try run(["eval", "publish", draft.id]).code, 2, "a note is required")
        XCTAssertEqual(try run(["eval", "publish", draft.id, "--note", "四季度评价"]).code, 0)
        let verified = try run(["eval", "verify", draft.id])
        XCTAssertEqual(verified.code, 0, verified.out + verified.err)
        XCTAssertTrue(verified.out.contains("verified"), verified.out)

        // The views, the alerts and the what-if.
        XCTAssertTrue(try run(["portrait", "HV0002", "--period", "2026Q3"]).out.contains("廉洁画像"))
        let stats = try run(["stats", org, "--period", "2026Q3", "--pseudonymised"])
        XCTAssertEqual(stats.code, 0, stats.err)
        XCTAssertTrue(stats.out.contains("P-01") && !stats.out.contains("王芳"), stats.out)
        let alerts = try ListAlertsResponse(jsonString: try run(["--json", "alerts", "list", "--state", "open"]).out)
        let alert = try XCTUnwrap(alerts.alerts.first)
        XCTAssertEqual(try run(["alerts", "ack", alert.id, "--note", "已约谈"]).code, 0)
        XCTAssertEqual(try run(["alerts", "dismiss", alert.id]).code, 6, "a dismissal needs a reason")
        let whatIf = try run(["scheme", "whatif", "--periods", "2026Q2..2026Q3", "--org", org, "--grades", "95,90,85"])
        XCTAssertEqual(whatIf.code, 0, whatIf.err)
        XCTAssertTrue(whatIf.out.contains("2026Q3") && whatIf.out.contains("→"), whatIf.out)

        // Reports: one self-contained file each, no script.
        for (args, name) in [(["report", "portrait", "HV0002", "--period", "2026Q3"], "portrait"),
                             (["report", "org", org, "--period", "2026Q3", "--pseudonymised"], "org")] {
            let file = home + "-\(name).html"
            defer { try? FileManager.default.removeItem(atPath: file) }
            let written = try run(args + ["--out", file])
            XCTAssertEqual(written.code, 0, written.err)
            let html = try String(contentsOfFile: file, encoding: .utf8)
            XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<script"), name)
        }
    }

    func testResultUseCommandsDriveACaseAndExportAndReadTheDossier() throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "login", "inspector", "--password-stdin"], stdin: UserManagementTests.passwords["inspector"]! + "\n").code, 0)

        // The demo's cases, one of them overdue (escalated by the server's first check).
        let listed = try run(["case", "list"])
        XCTAssertEqual(listed.code, 0, listed.err)
        XCTAssertTrue(listed.out.contains("C-2026-0001") && listed.out.contains("rectifying"), listed.out)
        let overdue = try ListCasesResponse(jsonString: try run(["--json", "case", "list", "--overdue"]).out)
        XCTAssertEqual(overdue.cases.map(\.number), ["C-2026-0003"])

        // A case by hand, round the loop's first steps; bad steps are refused with their codes.
        let opened = try run(["--json", "case", "open", "HV0009", "--source", "report", "--summary", "群众反映其服务态度问题"])
        XCTAssertEqual(opened.code, 0, opened.err)
        let c = try Case(jsonString: opened.out)
        XCTAssertEqual(try run(["case", "open", "HV0009", "--summary", "x"]).code, 2, "a source is required")
        let early = try run(["case", "dispose", c.number, "--form", "1", "--measure", "talk-reminder", "--date", "2026-11-30",
                             "--talked-by", "王纪检", "--notes", "已谈话提醒"])
        XCTAssertEqual(early.code, 7, "not assigned yet")
        XCTAssertTrue(early.err.contains("the case is open"), early.err)
        XCTAssertEqual(try run(["case", "assign", c.number, "--handler", "me", "--due", "2030-01-31"]).code, 0)
        let bad = try run(["case", "dispose", c.number, "--form", "1", "--date", "2026-11-30"])
        XCTAssertEqual(bad.code, 6, "the first form needs its record")
        XCTAssertTrue(bad.err.contains("disposition.measure"), bad.err)
        let disposed = try run(["case", "dispose", c.number, "--form", "1", "--measure", "talk-reminder", "--date", "2026-11-30",
                                "--talked-by", "王纪检", "--notes", "已谈话提醒"])
        XCTAssertEqual(disposed.code, 0, disposed.err)
        let shown = try run(["case", "show", c.number])
        XCTAssertTrue(shown.out.contains("1st form") && shown.out.contains("disposed by"), shown.out)

        // The appraisal export as CSV: a header and one row per subject with a Q3 result.
        let csv = try run(["export", "appraisal", "--period", "2026Q3"])
        XCTAssertEqual(csv.code, 0, csv.err)
        let lines = csv.out.split(separator: "\n")
        XCTAssertEqual(lines.first, "employee_number,name,subject_id,organization_id,period,total,grade,veto,no_data,appraisal_cap,cap_case,appraisal_grade,run_id,scheme_version")
        XCTAssertEqual(lines.count, 1 + 17)
        XCTAssertEqual(try run(["export", "appraisal"]).code, 2, "a period is required")

        // The dossier: a reason is required of staff; the page is one file.
        XCTAssertEqual(try run(["dossier", "HV0001"]).code, 6)
        let dossier = try run(["dossier", "HV0001", "--reason", "提拔审查"])
        XCTAssertEqual(dossier.code, 0, dossier.err)
        XCTAssertTrue(dossier.out.contains("张伟") && dossier.out.contains("C-2026-0002") && dossier.out.contains("content sha256"), dossier.out)
        let file = home + "-dossier.html"
        defer { try? FileManager.default.removeItem(atPath: file) }
        XCTAssertEqual(try run(["report", "dossier", "HV0001", "--reason", "提拔审查", "--out", file]).code, 0)
        let html = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<script"))

        // The employee reads their own talks and acknowledges them.
        XCTAssertEqual(try run(["login", "employee", "--password-stdin"], stdin: UserManagementTests.passwords["employee"]! + "\n").code, 0)
        let talks = try ListTalksResponse(jsonString: try run(["--json", "talks", "--unacknowledged"]).out)
        let talk = try XCTUnwrap(talks.talks.first)
        XCTAssertEqual(try run(["talks", "ack", talk.id]).code, 0)
        XCTAssertTrue(try ListTalksResponse(jsonString: try run(["--json", "talks", "--unacknowledged"]).out).talks.isEmpty)
        XCTAssertTrue(try run(["dossier", "me"]).out.contains("own view"))

        // The dossier reads are in the audit log with their reasons, found by the method's bare name.
        XCTAssertEqual(try run(["login", "admin", "--password-stdin"], stdin: adminPassword + "\n").code, 0)
        let audit = try run(["audit", "list", "--method", "GetDossier"])
        XCTAssertEqual(audit.code, 0, audit.err)
        XCTAssertTrue(audit.out.contains("提拔审查") && audit.out.contains("GetDossier"), audit.out)
    }
}

extension CLITests {
    func testGatewayAccountsAndTheNotificationOutboxFromTheCLI() throws {
        let server = try ServerProcess(config: ["notification_max_attempts = 1"], extraArguments: ["--demo"])
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try run(["--server", address, "login", "admin", "--password-stdin"], stdin: adminPassword + "\n").code, 0)
        // The gateway's own account and its token, as Deploy/run-demo.sh makes them.
        let created = try run(["--json", "account", "create", "gateway", "--service", "--role", "gateway"])
        XCTAssertEqual(created.code, 0, created.err)
        let gateway = try Account(jsonString: created.out)
        let token = try run(["token", "issue", gateway.id, "--description", "lianjie-gateway"])
        XCTAssertEqual(token.code, 0, token.err)
        XCTAssertFalse(token.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)

        let employee = try XCTUnwrap(try ListAccountsResponse(jsonString: try run(["--json", "account", "list"]).out).accounts.first { $0.username == "employee" })
        let linked = try run(["account", "link-platform", employee.id, "zhangwei01"])
        XCTAssertEqual(linked.code, 0, linked.err)
        XCTAssertTrue(linked.out.contains("signs in from the messaging app as zhangwei01"), linked.out)
        XCTAssertEqual(try run(["account", "link-platform", employee.id, "a b"]).code, 6, "a malformed id is refused")

        // One failed delivery makes a dead letter here (one attempt allowed); the CLI lists and retries it.
        let gw = RPCClientForCLITests(port: server.port, token: token.out.trimmingCharacters(in: .whitespacesAndNewlines))
        let (claimed, claim) = try gw.claimOne()
        try gw.fail(claimed, claim: claim)
        let dead = try run(["notifications", "list", "--state", "dead"])
        XCTAssertEqual(dead.code, 0, dead.err)
        XCTAssertTrue(dead.out.contains("dead") && dead.out.contains("gateway-test"), dead.out)
        let retried = try run(["notifications", "retry", claimed])
        XCTAssertEqual(retried.code, 0, retried.err)
        XCTAssertTrue(retried.out.contains("pending again"))
        XCTAssertEqual(try run(["notifications", "retry", claimed]).code, 7, "not dead any more: refused (FAILED_PRECONDITION)")
        XCTAssertEqual(try run(["notifications", "list", "--state", "lost"]).code, 2)
    }
}

/// The gateway's side of the outbox, driven directly (what lianjie-gateway does).
struct RPCClientForCLITests {
    let port: Int
    let token: String

    func call<Req: ProtoMessage, Resp: ProtoMessage>(_ m: RPCMethod<Req, Resp>, _ r: Req) throws -> Resp {
        let c = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port), token: token)
        defer { c.close() }
        return try Resp(serializedBytes: try c.callBlocking(path: m.path, body: r.serializedBytes()))
    }

    func claimOne() throws -> (id: String, claim: String) {
        let n = try call(NotificationService.claimNotifications, ClaimNotificationsRequest(max: 1)).notifications
        guard let first = n.first else { throw XCTSkip("the demo's outbox is empty") }
        return (first.id, first.claim)
    }

    func fail(_ id: String, claim: String) throws {
        _ = try call(NotificationService.reportNotificationDelivery, ReportNotificationDeliveryRequest(id: id, claim: claim, error: "gateway-test"))
    }
}
