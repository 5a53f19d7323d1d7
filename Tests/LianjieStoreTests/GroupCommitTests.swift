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

    /// Bodies nobody waits for that queue up behind a busy writer run in one savepoint
    /// together; when one of them throws, all are undone and run again (it alone, where it
    /// fails again), so each of the others lands once with its own result.
    func testABatchOfLaterWritesWithOneFailureKeepsTheOthersOnce() throws {
        let store = try SQLiteStore(directory: directory)
        let runs = Atomic<Int>(0)
        let bodies = (0..<10).map { i -> @Sendable (any StoreWriter) throws -> Int in
            { tx in
                runs.add(1, ordering: .relaxed)
                try tx.createAccount(Self.account(i))
                // The fifth body breaks a rule after its first insert.
                if i == 5 { try tx.createAccount(AccountRecord(id: "acc_5b", username: "user5", displayName: "X", passwordHash: "", grants: [], createTime: 1)) }
                return i * 10
            }
        }
        let results = try runAsOneBatch(store, holding: { tx in try tx.createAccount(Self.account(1000)) }, bodies)
        for i in 0..<10 where i != 5 { XCTAssertEqual(try? results[i].get(), i * 10, "body \(i) kept its own result") }
        guard case .failure(let e) = results[5] else { return XCTFail("the body that broke a rule failed") }
        XCTAssertEqual(e.code, .conflict)
        // Six runs together up to the failure; then, all undone, the five before it together
        // again, it alone (failing again), and the four after it together.
        XCTAssertEqual(runs.load(ordering: .relaxed), 16)
        let stored = try store.read { r in try (0..<10).filter { try r.account(id: "acc_\($0)") != nil } }
        XCTAssertEqual(stored, [0, 1, 2, 3, 4, 6, 7, 8, 9], "the failed body's first insert was undone with it")
        XCTAssertEqual(try store.read { try $0.accounts(scope: .everything, includeDisabled: true, page: Page(after: nil, limit: 100)).count }, 10, "each of the others landed once, beside the blocker's")
    }

    /// Queues `bodies` behind a writer held busy (by a write that does `holding`), so they
    /// run as one batch of bodies nobody waits for, and returns each one's outcome.
    private func runAsOneBatch<T: Sendable>(_ store: SQLiteStore, holding: @escaping @Sendable (any StoreWriter) throws -> Void = { _ in },
                                            _ bodies: [@Sendable (any StoreWriter) throws -> T]) throws -> [Result<T, StoreError>] {
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let blocker = DispatchGroup()
        blocker.enter()
        DispatchQueue.global().async {
            _ = try? store.write { tx in
                try holding(tx)
                inside.signal()
                release.wait()
            }
            blocker.leave()
        }
        inside.wait()
        let outcomes = Mutex<[Int: Result<T, StoreError>]>([:])
        let heard = DispatchGroup()
        for (i, body) in bodies.enumerated() {
            heard.enter()
            store.writeLater(body, then: { result in
                outcomes.withLock { $0[i] = result.mapError { $0 as? StoreError ?? StoreError(.failed, "\($0)") } }
                heard.leave()
            })
        }
        release.signal()
        XCTAssertEqual(heard.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(blocker.wait(timeout: .now() + 30), .success)
        return try outcomes.withLock { o in
            try bodies.indices.map { i in try XCTUnwrap(o[i], "body \(i) heard back") }
        }
    }

    /// What authentication reads changes only with what is committed: a session revoked by
    /// a body that then fails leaves the generation alone, and one revoked by a body undone
    /// only because another failed, then run again, still moves it.
    func testTheAuthGenerationFollowsOnlyWhatASharedSavepointKeeps() throws {
        let store = try SQLiteStore(directory: directory)
        let hash = [UInt8](repeating: 7, count: 32)
        try store.write { tx in
            try tx.createAccount(Self.account(1))
            try tx.createSession(SessionRecord(tokenHash: hash, accountID: "acc_1", createTime: 1, expireTime: 4_000_000_000, peer: "test"))
        }
        let duplicate = AccountRecord(id: "acc_dup", username: "user1", displayName: "D", passwordHash: "", grants: [], createTime: 1)
        let before = store.authGeneration
        func committed(_ bodies: [@Sendable (any StoreWriter) throws -> Void]) throws -> [Bool] {
            try runAsOneBatch(store, bodies).map { (try? $0.get()) != nil }
        }
        // The revoking body fails (after revoking): undone, and the generation stays.
        var outcomes = try committed([
            { tx in try tx.createAccount(Self.account(2)) },
            { tx in
                _ = try tx.revokeSession(tokenHash: hash, at: 5)
                try tx.createAccount(duplicate)
            },
            { tx in try tx.createAccount(Self.account(3)) },
        ])
        XCTAssertEqual(outcomes, [true, false, true])
        XCTAssertEqual(store.authGeneration, before, "nothing authentication reads was committed")
        XCTAssertEqual(try store.read { try $0.session(tokenHash: hash)?.revokeTime }, 0)
        // The revoking body succeeds, a later one fails: all undone, the revocation runs again and counts.
        outcomes = try committed([
            { tx in _ = try tx.revokeSession(tokenHash: hash, at: 6) },
            { tx in try tx.createAccount(duplicate) },
            { tx in try tx.createAccount(Self.account(4)) },
        ])
        XCTAssertEqual(outcomes, [true, false, true])
        XCTAssertNotEqual(store.authGeneration, before, "the committed revocation moved the generation")
        XCTAssertEqual(try store.read { try $0.session(tokenHash: hash)?.revokeTime }, 6)
    }
}
