import Foundation
import LianjieRPC
import LianjieRPCServer
import LianjieSecurity
@testable import LianjieServiceKit
import LianjieStore
import XCTest

/// The keyed audit chain (issue 7, A.7): someone holding the database file but not the key
/// cannot rewrite the log, cut it short, or put back an older copy unnoticed.
final class AuditChainTests: XCTestCase {
    var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "lianjie-audit-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: directory + ".key")
    }

    func sqlite(_ sql: String, _ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, sql)
        return String(decoding: data, as: UTF8.self)
    }

    func makeLog(entries: Int) throws -> (SQLiteStore, AuditLog) {
        let store = try SQLiteStore(directory: directory)
        let audit = AuditLog(key: try AuditKey.load(path: directory + ".key", create: true))
        for i in 0..<entries {
            try store.write { tx in
                try audit.append(tx, time: Int64(i) * 1_000_000_000, accountID: "acc_\(i % 3)", method: "/lianjie.v1.UserService/GetSubject",
                                 target: AuditLog.Target(type: "subject", id: "sub_\(i)"), peer: "10.0.0.\(i % 7):5000", outcome: "OK")
            }
        }
        return (store, audit)
    }

    func testAnIntactChainVerifies() throws {
        let (store, audit) = try makeLog(entries: 25)
        let verdict = try audit.verify(store, anchor: try audit.anchor(store))
        XCTAssertEqual(verdict, AuditLog.Verdict(checked: 25, firstBroken: 0, problem: ""))
    }

    // The attack of the review: drop the triggers, edit an entry, recompute every hash as
    // the old unkeyed chain did. Without the key the recomputed chain cannot verify.
    func testARewriteWithRecomputedPlainHashesIsDetected() throws {
        let (store, audit) = try makeLog(entries: 10)
        let db = store.databasePath
        _ = try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'PERMISSION_DENIED' WHERE sequence = 4;", db)
        let rows = try store.read { try $0.auditEntries(AuditFilter(scope: .everything), afterSequence: 0, limit: 100) }
        var previous = AuditLog.genesis
        var script = ""
        for e in rows {
            let hash = AuditLog.plainHash(previous: previous, content: AuditLog.content(e))
            script += "UPDATE audit_log SET previous_hash = '\(previous)', hash = '\(hash)' WHERE sequence = \(e.sequence);"
            previous = hash
        }
        _ = try sqlite(script, db)
        let verdict = try audit.verify(store)
        XCTAssertEqual(verdict.firstBroken, 1, verdict.problem)
        XCTAssertTrue(verdict.problem.contains("MAC") || verdict.problem.contains("follow"), verdict.problem)

        // Marking the rewritten rows unkeyed does not help either, and a restart with the
        // existing key does not launder them.
        _ = try sqlite("UPDATE audit_log SET keyed = 0;", db)
        let restarted = AuditLog(key: try AuditKey.load(path: directory + ".key", create: false))
        XCTAssertEqual(try restarted.keyOlderEntries(store), 0)
        XCTAssertTrue(try restarted.verify(store).problem.contains("not keyed"))
    }

    func testAnEditedEntryIsNamed() throws {
        let (store, audit) = try makeLog(entries: 8)
        _ = try sqlite("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET account_id = 'acc_x' WHERE sequence = 5;", store.databasePath)
        let verdict = try audit.verify(store)
        XCTAssertEqual(verdict.firstBroken, 5)
        XCTAssertEqual(verdict.checked, 4)
    }

    func testACutOffTailVerifiesOnlyWithoutTheAnchor() throws {
        let (store, audit) = try makeLog(entries: 12)
        let anchor = try audit.anchor(store)
        XCTAssertEqual(anchor.sequence, 12)
        _ = try sqlite("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence > 9;", store.databasePath)
        XCTAssertEqual(try audit.verify(store).firstBroken, 0, "a chain cut short is still a chain")
        let verdict = try audit.verify(store, anchor: anchor)
        XCTAssertEqual(verdict.firstBroken, 10)
        XCTAssertTrue(verdict.problem.contains("anchor"), verdict.problem)
    }

    func testAnOlderBackupWithAnotherHistoryFailsTheAnchor() throws {
        let (store, audit) = try makeLog(entries: 6)
        let anchor = try audit.anchor(store)
        // The same sequence number, other content: a rolled-back-and-rewritten history.
        _ = try sqlite("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE sequence = 6;", store.databasePath)
        try store.write { tx in
            try audit.append(tx, time: 99, accountID: "acc_other", method: "m", target: nil, peer: "p", outcome: "OK")
        }
        let verdict = try audit.verify(store, anchor: anchor)
        XCTAssertEqual(verdict.firstBroken, 6)
    }

    func testAChainWrittenBeforeKeyingIsKeyedOnceWhenTheKeyIsCreated() throws {
        let store = try SQLiteStore(directory: directory)
        // Entries as the unkeyed chain wrote them, marked unkeyed.
        var previous = AuditLog.genesis
        for i in 1...5 {
            var e = AuditRecord(sequence: Int64(i), time: Int64(i), accountID: "a", method: "m", recordType: "", recordID: "",
                                organizationID: "", organizationPath: "", peer: "p", outcome: "OK", previousHash: previous, hash: "",
                                keyed: false)
            e.hash = AuditLog.plainHash(previous: previous, content: AuditLog.content(e))
            previous = e.hash
            try store.write { try $0.appendAudit(e) }
        }
        let fresh = AuditLog(key: try AuditKey.load(path: directory + ".key", create: true))
        XCTAssertEqual(try fresh.keyOlderEntries(store), 5)
        XCTAssertEqual(try fresh.verify(store), AuditLog.Verdict(checked: 5, firstBroken: 0, problem: ""))
        // The trigger still refuses every other change.
        XCTAssertThrowsError(try store.write { tx in try tx.rekeyAudit([]) ; try tx.appendAudit(AuditRecord(
            sequence: 3, time: 0, accountID: "", method: "", recordType: "", recordID: "", organizationID: "", organizationPath: "",
            peer: "", outcome: "", previousHash: "", hash: "")) })
    }

    func testTheKeyFileIsPrivateAndAMissingOneIsNotReplacedSilently() throws {
        let path = directory + ".key"
        let key = try AuditKey.load(path: path, create: true)
        XCTAssertTrue(key.isNew)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let again = try AuditKey.load(path: path, create: true)
        XCTAssertEqual(again.bytes, key.bytes)
        XCTAssertFalse(again.isNew)
        try FileManager.default.removeItem(atPath: path)
        XCTAssertThrowsError(try AuditKey.load(path: path, create: false)) { error in
            XCTAssertTrue(String(describing: error).contains("missing"))
        }
        _ = try AuditKey.load(path: path, create: true)
        chmod(path, 0o644)
        XCTAssertThrowsError(try AuditKey.load(path: path, create: false))
    }
}

/// Refusals audited off the caller's path (issue 7, A.5/A.6): a flood of them is written
/// in batches and cannot make the server hold memory without bound; what is dropped is
/// counted in the log.
final class AuditorTests: XCTestCase {
    func testAFloodOfRefusalsIsBoundedAndEveryOneIsAccountedFor() throws {
        let directory = NSTemporaryDirectory() + "lianjie-auditor-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory)
        let audit = AuditLog(key: AuditKey(bytes: Array(repeating: 3, count: 32)))
        let auditor = Auditor(store: store, audit: audit, clock: ManualClock(), logger: Logger(level: .error, sink: { _ in }))
        let flood = 3 * Auditor.maxPending
        for i in 0..<flood {
            auditor.later(accountID: "", method: "/lianjie.v1.UserService/WhoAmI", targets: [nil], peer: "10.0.0.\(i % 250):1", outcome: "UNAUTHENTICATED")
        }
        auditor.flush()
        let entries = try store.read { try $0.auditEntries(AuditFilter(scope: .everything), afterSequence: 0, limit: 1_000_000) }
        let written = entries.filter { $0.outcome == "UNAUTHENTICATED" }.count
        let dropped = entries.compactMap { e -> Int? in
            guard e.outcome.hasPrefix("DROPPED_") else { return nil }
            return Int(e.outcome.split(separator: "_")[1])
        }.reduce(0, +)
        XCTAssertEqual(written + dropped, flood, "every refusal is either in the log or counted there")
        XCTAssertEqual(try audit.verify(store).firstBroken, 0)
    }
}
