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

    func testABackupCarriesTheEvidenceFilesItsDatabaseNames() throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let backups = server.dataDirectory + "-backups"
        defer { try? FileManager.default.removeItem(atPath: backups) }
        let p = Process()
        p.executableURL = InteropTests.root.appendingPathComponent("Deploy/backup.sh")
        p.arguments = [server.dataDirectory, backups]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        func objects(_ root: String) throws -> Set<String> {
            let base = root + "/blobs/objects"
            return Set(try FileManager.default.subpathsOfDirectory(atPath: base).filter { $0.count > 3 })
        }
        let stored = try objects(server.dataDirectory)
        XCTAssertFalse(stored.isEmpty, "the demo has evidence files")
        XCTAssertEqual(try objects(backups), stored)
        // Every evidence row of the copied database has its file in the copy.
        let db = try FileManager.default.contentsOfDirectory(atPath: backups).first { $0.hasSuffix(".db") }!
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["sqlite3", backups + "/" + db, "SELECT sha256 FROM evidence"]
        let out = Pipe()
        sqlite.standardOutput = out
        try sqlite.run()
        sqlite.waitUntilExit()
        let hashes = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertFalse(hashes.isEmpty)
        for h in hashes { XCTAssertTrue(FileManager.default.fileExists(atPath: backups + "/blobs/objects/\(h.prefix(2))/\(h)"), h) }
    }
}
