import Foundation
import LianjieMessages
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
    }
}
