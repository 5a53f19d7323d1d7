import Dispatch
import Foundation
import LianjieStore
import Synchronization
import XCTest

/// Writes nobody waits for (`writeLater`) share group commits with blocked ones; each is
/// told once, after its transaction is durable, and a failing one undoes only itself.
final class GroupCommitTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = NSTemporaryDirectory() + "lianjie-gc-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    static func account(_ i: Int) -> AccountRecord {
        AccountRecord(id: "acc_\(i)", username: "user\(i)", displayName: "U\(i)", passwordHash: "", grants: [], createTime: 1)
    }

    func testLaterWritesAndBlockedWritesAllLandAndEachHearsItsOwnOutcome() throws {
        let store = try SQLiteStore(directory: directory)
        let outcomes = Mutex<[Int: Bool]>([:])
        let allHeard = DispatchGroup()
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            if i % 3 == 0 {
                // A blocked caller in the same stream.
                _ = try? store.write { tx in try tx.createAccount(Self.account(i)) }
                outcomes.withLock { $0[i] = true }
            } else {
                allHeard.enter()
                store.writeLater({ tx -> Int in
                    if i % 50 == 1 {
                        // The same username twice: this job fails, and its first insert goes with it.
                        let dup = AccountRecord(id: "acc_dup\(i)", username: "dup\(i)", displayName: "D", passwordHash: "", grants: [], createTime: 1)
                        try tx.createAccount(dup)
                        try tx.createAccount(AccountRecord(id: "acc_dup\(i)b", username: "dup\(i)", displayName: "D", passwordHash: "", grants: [], createTime: 1))
                    }
                    try tx.createAccount(Self.account(i))
                    return i
                }, then: { result in
                    outcomes.withLock { $0[i] = (try? result.get()) == i }
                    allHeard.leave()
                })
            }
        }
        XCTAssertEqual(allHeard.wait(timeout: .now() + 30), .success)
        let heard = outcomes.withLock { $0 }
        XCTAssertEqual(heard.count, 400, "every write heard back exactly once")
        let failed = Set(heard.filter { !$0.value }.keys)
        XCTAssertEqual(failed, Set((0..<400).filter { $0 % 50 == 1 && $0 % 3 != 0 }), "only the jobs that broke a rule failed")
        let stored = try store.read { r in try (0..<400).filter { try r.account(id: "acc_\($0)") != nil } }
        XCTAssertEqual(Set(stored), Set(0..<400).subtracting(failed), "a failing job undid only itself")
        XCTAssertNil(try store.read { try $0.account(username: "dup1") }, "nothing of a failed job remains")
    }
}
