import Foundation
import LianjieTestSupport
import XCTest

/// The operator's scripts work on a live server.
final class DeployTests: XCTestCase {
    func testOnlineBackupIsAConsistentCopyOfALiveStore() async throws {
        let server = try ServerProcess()
        _ = try await login(server)
        let backups = server.dataDirectory + "-backups"
        defer { try? FileManager.default.removeItem(atPath: backups) }
        for _ in 0..<3 {
            let p = Process()
            p.executableURL = InteropTests.root.appendingPathComponent("Deploy/backup.sh")
            p.arguments = [server.dataDirectory, backups, "2"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            usleep(1_100_000)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: backups).filter { $0.hasSuffix(".db") }
        XCTAssertEqual(files.count, 2, "only the newest KEEP copies are kept")
        // The copy holds the administrator and the session the login made.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", backups + "/" + files.sorted().last!, "SELECT username FROM accounts; SELECT COUNT(*) FROM sessions;"]
        let out = Pipe()
        sqlite.standardOutput = out
        try sqlite.run()
        sqlite.waitUntilExit()
        XCTAssertEqual(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self), "admin\n1\n")
        let mode = try FileManager.default.attributesOfItem(atPath: backups + "/" + files[0])[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
    }
}
