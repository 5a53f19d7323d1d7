import Foundation
import LianjieRPC
import LianjieSecurity
@testable import LianjieServiceKit
import LianjieStore
import Synchronization
import XCTest

/// The store, with its authentication generation set by the test and its reads counted.
final class GenerationStore: Store, Sendable {
    let base: SQLiteStore
    let generation = Atomic<UInt64>(0)
    let reads = Atomic<Int>(0)

    init(_ base: SQLiteStore) { self.base = base }

    func read<T: Sendable>(_ body: (any StoreReader) throws -> T) throws -> T {
        reads.add(1, ordering: .relaxed)
        return try base.read(body)
    }

    func write<T: Sendable>(_ body: (any StoreWriter) throws -> T) throws -> T { try base.write(body) }
    var authGeneration: UInt64 { generation.load(ordering: .relaxed) }
    var subjectGeneration: UInt64 { base.subjectGeneration }
    var blobs: any BlobStore { base.blobs }
}

/// Resolved callers are reused only while no change authentication reads is committing or
/// has committed since.
final class AuthenticatorCacheTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = NSTemporaryDirectory() + "lianjie-authcache-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func testWhileAChangeIsCommittingEveryCallReadsTheStoreAndNothingIsKept() throws {
        let base = try SQLiteStore(directory: directory)
        let token = Token.generate()
        let now = Int64(Date().timeIntervalSince1970)
        try base.write { tx in
            try tx.createAccount(AccountRecord(id: "acc_1", username: "u", displayName: "U", passwordHash: "$y$hash",
                                               grants: [GrantRecord(role: "admin", organizationID: "")], createTime: now))
            try tx.createSession(SessionRecord(tokenHash: Token.storageHash(token), accountID: "acc_1", createTime: now,
                                               expireTime: now + 3600, peer: "p"))
        }
        let store = GenerationStore(base)
        let auth = Authenticator(store: store, settings: ServiceSettings(), logger: Logger(level: .error, sink: { _ in }))
        func calls(_ n: Int) throws -> Int {
            let before = store.reads.load(ordering: .relaxed)
            for _ in 0..<n { XCTAssertEqual(try auth.authenticate(token: token, method: "/m").id, "acc_1") }
            return store.reads.load(ordering: .relaxed) - before
        }
        XCTAssertEqual(try calls(3), 1, "at an even generation the first call loads, the rest reuse it")
        store.generation.store(1, ordering: .relaxed)
        XCTAssertEqual(try calls(3), 3, "while a change commits, every call reads the store")
        store.generation.store(2, ordering: .relaxed)
        XCTAssertEqual(try calls(3), 1, "nothing read at the odd value was kept; after it, one load again")
    }
}
