import CSQLite
import LianjieStore
import XCTest

final class SQLiteStoreTests: XCTestCase {
    var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "lianjie-store-\(UUID().uuidString)"
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func account(_ id: String, _ username: String, grants: [GrantRecord] = [GrantRecord(role: "admin", organizationID: "")]) -> AccountRecord {
        AccountRecord(id: id, username: username, displayName: username.uppercased(), passwordHash: "$y$hash",
                      grants: grants, createTime: 1000)
    }

    func org(_ id: String, parent: OrganizationRecord?) -> OrganizationRecord {
        OrganizationRecord(id: id, name: id.uppercased(), kind: 1, parentID: parent?.id ?? "",
                           path: (parent?.path ?? "/") + id + "/", createTime: 1, updateTime: 1)
    }

    func testMigratesAndRecordsTheSchemaVersion() throws {
        let store = try SQLiteStore(directory: directory)
        XCTAssertEqual(try store.read { try $0.schemaVersion() }, 2)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.databasePath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(try SQLiteStore(directory: directory).read { try $0.schemaVersion() }, 2, "reopening runs nothing again")
    }

    func testAccountsRoundTripAndUsernamesAreUniqueIgnoringCase() throws {
        let store = try SQLiteStore(directory: directory)
        try store.write { try $0.createAccount(self.account("acc_1", "Zhang.Wei")) }
        XCTAssertEqual(try store.read { try $0.account(username: "zhang.wei") }, account("acc_1", "Zhang.Wei"))
        XCTAssertThrowsError(try store.write { try $0.createAccount(self.account("acc_2", "ZHANG.WEI")) }) { error in
            XCTAssertEqual((error as? StoreError)?.code, .conflict)
            XCTAssertEqual((error as? StoreError)?.message, "the username ZHANG.WEI is taken")
        }
        XCTAssertNil(try store.read { try $0.account(id: "acc_2") }, "the refused insert left nothing behind")
        XCTAssertEqual(try store.read { try $0.accountCount() }, 1)
    }

    func testAListingCarriesEachAccountsOwnGrants() throws {
        let store = try SQLiteStore(directory: directory)
        try store.write { tx in
            try tx.createAccount(self.account("acc_1", "a", grants: [GrantRecord(role: "hr", organizationID: "")]))
            try tx.createAccount(self.account("acc_2", "b", grants: []))
            try tx.createAccount(self.account("acc_3", "c", grants: [GrantRecord(role: "manager", organizationID: "org_x"),
                                                                      GrantRecord(role: "employee", organizationID: "org_x")]))
        }
        let listed = try store.read { try $0.accounts(scope: .everything, includeDisabled: true, page: Page(after: nil, limit: 10)) }
        XCTAssertEqual(listed.map(\.username), ["a", "b", "c"])
        XCTAssertEqual(listed.map { $0.grants.map(\.role) }, [["hr"], [], ["employee", "manager"]])
        let second = try store.read { try $0.accounts(scope: .everything, includeDisabled: true, page: Page(after: "a", limit: 1)) }
        XCTAssertEqual(second.map(\.username), ["b"], "keyset paging after a username")
    }

    func testAWriteThatThrowsLeavesNothingBehind() throws {
        struct Abort: Error {}
        let store = try SQLiteStore(directory: directory)
        XCTAssertThrowsError(try store.write { tx in
            try tx.createAccount(self.account("acc_1", "a"))
            try tx.createOrganization(self.org("org_a", parent: nil))
            throw Abort()
        })
        XCTAssertEqual(try store.read { try $0.accountCount() }, 0)
        XCTAssertNil(try store.read { try $0.organization(id: "org_a") })
    }

    func testFailedLoginsCountLockAndStartAgainAfterTheLock() throws {
        let store = try SQLiteStore(directory: directory)
        try store.write { try $0.createAccount(self.account("acc_1", "u")) }
        func fail(_ now: Int64) throws -> Int {
            try store.write { try $0.recordFailedLogin(accountID: "acc_1", now: now, lockAfter: 3, lockUntil: now + 4900) }
        }
        XCTAssertEqual(try fail(100), 1)
        XCTAssertEqual(try fail(100), 2)
        XCTAssertEqual(try store.read { try $0.account(id: "acc_1")?.lockedUntil }, 0, "not locked before the limit")
        XCTAssertEqual(try fail(100), 3)
        XCTAssertEqual(try store.read { try $0.account(id: "acc_1")?.lockedUntil }, 5000)
        XCTAssertEqual(try fail(5000), 1, "once the lock has run out, counting starts again")
        XCTAssertEqual(try store.read { try $0.account(id: "acc_1")?.lockedUntil }, 0)
    }

    func testSessionsAreFoundByHashAndRevoked() throws {
        let store = try SQLiteStore(directory: directory)
        try store.write { try $0.createAccount(self.account("acc_1", "u")) }
        let a = [UInt8](repeating: 7, count: 32), b = [UInt8](repeating: 8, count: 32)
        try store.write { tx in
            try tx.createSession(SessionRecord(tokenHash: a, accountID: "acc_1", createTime: 1, expireTime: 100, peer: "p"))
            try tx.createSession(SessionRecord(tokenHash: b, accountID: "acc_1", createTime: 2, expireTime: 100, peer: "p"))
        }
        XCTAssertEqual(try store.read { try $0.sessions(accountID: "acc_1", now: 50, idleSince: 0).count }, 2)
        XCTAssertEqual(try store.write { try $0.revokeSessions(accountID: "acc_1", except: a, at: 60) }, 1)
        XCTAssertEqual(try store.read { try $0.sessions(accountID: "acc_1", now: 61, idleSince: 0).map(\.tokenHash) }, [a])
        XCTAssertTrue(try store.write { try $0.revokeSession(tokenHash: a, at: 70) })
        XCTAssertFalse(try store.write { try $0.revokeSession(tokenHash: a, at: 71) }, "already revoked")
    }

    func testSubtreesAreScopedByPathAndMovesRewriteThem() throws {
        let store = try SQLiteStore(directory: directory)
        let root = org("org_root", parent: nil)
        let d1 = org("org_d1", parent: root), d2 = org("org_d2", parent: root)
        let team = org("org_t1", parent: d1)
        try store.write { tx in for o in [root, d1, d2, team] { try tx.createOrganization(o) } }
        let inD1 = try store.read { try $0.organizations(scope: .subtrees([d1.path]), includeInactive: false, page: Page(after: nil, limit: 10)) }
        XCTAssertEqual(inD1.map(\.id), ["org_d1", "org_t1"])
        XCTAssertEqual(try store.read { try $0.organizationCount(scope: .nothing, includeInactive: true) }, 0)
        // `_` in ids must not act as a wildcard: org_d1 is no prefix match for org_d1x.
        let lookalike = org("org_d1x", parent: root)
        try store.write { try $0.createOrganization(lookalike) }
        XCTAssertEqual(try store.read { try $0.organizationCount(scope: .subtrees(["/org_root/org_d1"]), includeInactive: true) }, 3,
                       "a prefix without its closing slash is the caller's mistake; with it the subtree is exact")
        XCTAssertEqual(try store.read { try $0.organizationCount(scope: .subtrees([d1.path]), includeInactive: true) }, 2)

        try store.write { try $0.moveOrganization(id: "org_t1", newParentID: "org_d2", newPath: d2.path + "org_t1/", at: 5) }
        let moved = try XCTUnwrap(try store.read { try $0.organization(id: "org_t1") })
        XCTAssertEqual(moved.path, "/org_root/org_d2/org_t1/")
        XCTAssertEqual(moved.ancestorIDs, ["org_root", "org_d2"])
        XCTAssertEqual(moved.version, 2)
    }

    func testSubjectsPlacementsAndTheirUniqueness() throws {
        let store = try SQLiteStore(directory: directory)
        let root = org("org_root", parent: nil), d1 = org("org_d1", parent: root), d2 = org("org_d2", parent: root)
        try store.write { tx in
            for o in [root, d1, d2] { try tx.createOrganization(o) }
            try tx.createCategory(CategoryRecord(id: "cat_1", code: "HV", name: "HV"))
            try tx.createPost(PostRecord(id: "post_1", code: "MGR", name: "Manager", categoryID: "cat_1", riskCoefficient: "1.20"))
        }
        func subject(_ id: String, _ number: String, _ o: OrganizationRecord) -> SubjectRecord {
            SubjectRecord(id: id, employeeNumber: number, name: "N", organizationID: o.id, categoryID: "cat_1", postID: "post_1",
                          positionLevel: 1, status: 1, accountID: "", postEntryDate: "2024-01-01", createTime: 1, updateTime: 1)
        }
        try store.write { tx in
            try tx.createSubject(subject("sub_1", "E001", d1), placement: PlacementRecord(subjectID: "sub_1", organizationID: d1.id, fromDate: "2024-01-01", reason: "created", changedBy: "acc"))
            try tx.createSubject(subject("sub_2", "E002", d2), placement: PlacementRecord(subjectID: "sub_2", organizationID: d2.id, fromDate: "2024-01-01", reason: "created", changedBy: "acc"))
        }
        XCTAssertThrowsError(try store.write { tx in
            try tx.createSubject(subject("sub_3", "E001", d1), placement: PlacementRecord(subjectID: "sub_3", organizationID: d1.id, fromDate: "2024-01-01", reason: "", changedBy: ""))
        }) { XCTAssertEqual(($0 as? StoreError)?.message, "a subject with employee number E001 exists") }
        let scoped = try store.read { try $0.subjects(SubjectFilter(scope: .subtrees([d1.path])), page: Page(after: nil, limit: 10)) }
        XCTAssertEqual(scoped.map(\.id), ["sub_1"])
        XCTAssertEqual(try store.read { try $0.subjectCount(SubjectFilter(scope: .subtrees([d2.path]))) }, 1)
        try store.write { try $0.addPlacement(PlacementRecord(subjectID: "sub_1", organizationID: d2.id, fromDate: "2025-03-01", reason: "rotation", changedBy: "acc")) }
        let history = try store.read { try $0.placements(subjectID: "sub_1") }
        XCTAssertEqual(history.map(\.organizationID), [d1.id, d2.id])
        XCTAssertEqual(history.map(\.toDate), ["2025-03-01", ""])
    }

    func testTheAuditTableRefusesUpdatesAndDeletes() throws {
        let store = try SQLiteStore(directory: directory)
        let e = AuditRecord(sequence: 1, time: 1, accountID: "a", method: "m", recordType: "t", recordID: "r", organizationID: "",
                            organizationPath: "", peer: "p", outcome: "OK", previousHash: "0", hash: "h")
        try store.write { try $0.appendAudit(e) }
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(directory + "/lianjie.db", &db), SQLITE_OK)
        defer { sqlite3_close(db) }
        XCTAssertEqual(sqlite3_exec(db, "UPDATE audit_log SET outcome = 'X'", nil, nil, nil), SQLITE_CONSTRAINT)
        XCTAssertEqual(sqlite3_exec(db, "DELETE FROM audit_log", nil, nil, nil), SQLITE_CONSTRAINT)
        XCTAssertEqual(try store.read { try $0.lastAuditEntry() }, e)
    }

    func testIdempotencyRecordsAreKeptPerAccountAndMethodWithinTheWindow() throws {
        let store = try SQLiteStore(directory: directory)
        let record = IdempotencyRecord(accountID: "a", method: "m", requestID: "r1", response: [1, 2], fingerprint: [9],
                                       targetType: "subject", targetID: "sub_1", organizationPath: "/o/", createTime: 100)
        try store.write { try $0.saveIdempotencyRecord(record) }
        XCTAssertEqual(try store.read { try $0.idempotencyRecord(accountID: "a", method: "m", requestID: "r1", notBefore: 50) }, record)
        XCTAssertNil(try store.read { try $0.idempotencyRecord(accountID: "a", method: "m", requestID: "r1", notBefore: 101) },
                     "past the window it is forgotten")
        XCTAssertNil(try store.read { try $0.idempotencyRecord(accountID: "b", method: "m", requestID: "r1", notBefore: 0) })
        XCTAssertNil(try store.read { try $0.idempotencyRecord(accountID: "a", method: "other", requestID: "r1", notBefore: 0) })
        XCTAssertEqual(try store.write { try $0.pruneIdempotency(before: 100) }, 0)
        XCTAssertEqual(try store.write { try $0.pruneIdempotency(before: 101) }, 1)
        XCTAssertNil(try store.read { try $0.idempotencyRecord(accountID: "a", method: "m", requestID: "r1", notBefore: 0) })
    }

    // Issue 7, A.8: acknowledged writes survive a power cut.
    func testWritesAreDurableWithSynchronousFull() throws {
        let store = try SQLiteStore(directory: directory)
        XCTAssertEqual(try store.writerPragma("synchronous"), 2, "FULL")
    }

    /// Writes `count` idempotency records of 40,000 bytes each, one commit each (about ten
    /// WAL frames a commit).
    func bulkyWrites(_ store: SQLiteStore, _ count: Int) throws {
        for i in 0..<count {
            try store.write { tx in
                try tx.saveIdempotencyRecord(IdempotencyRecord(accountID: "a", method: "m", requestID: "r\(i)", response: [UInt8](repeating: 7, count: 40_000),
                                                               fingerprint: [], targetType: "", targetID: "", organizationPath: "", createTime: 100))
            }
        }
    }

    func databaseBytes(_ store: SQLiteStore) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: store.databasePath)[.size] as? NSNumber)?.intValue ?? -1
    }

    // Issue 9: checkpoints are the store's own and run in the background. SQLite's automatic
    // one (inside whichever commit crosses 1,000 frames) is off; once the WAL holds
    // `checkpointPages` frames, a background checkpoint copies it into the database.
    func testTheWALIsCopiedIntoTheDatabaseByABackgroundCheckpoint() throws {
        let store = try SQLiteStore(directory: directory, checkpointPages: 1_000_000)
        let start = try databaseBytes(store)
        try bulkyWrites(store, 150)
        store.settleCheckpoints()
        XCTAssertEqual(try databaseBytes(store), start, "about 1,500 frames, all still in the WAL")

        let other = try SQLiteStore(directory: directory + "-2", checkpointPages: 500)
        defer { try? FileManager.default.removeItem(atPath: directory + "-2") }
        try bulkyWrites(other, 150)
        other.settleCheckpoints()
        XCTAssertGreaterThan(try databaseBytes(other), 80 * 40_000, "all but the newest frames were copied into the database")
        XCTAssertEqual(try other.read { try $0.idempotencyRecord(accountID: "a", method: "m", requestID: "r149", notBefore: 0) }?.response.count, 40_000)
        XCTAssertEqual(try other.read { try $0.idempotencyRecord(accountID: "a", method: "m", requestID: "r0", notBefore: 0) }?.response.count, 40_000)
    }

    // Issue 8: each write of a batch has its own savepoint; its undo pages stay in memory
    // (a temporary file cost two pwrites per page, a third of the writer's time).
    func testSavepointUndoPagesStayInMemory() throws {
        let store = try SQLiteStore(directory: directory)
        XCTAssertEqual(try store.writerPragma("temp_store"), 2, "MEMORY")
    }

    // Issue 7, A.9: SQLITE_BUSY past the busy timeout is `.busy` (UNAVAILABLE), not a failure.
    func testALockHeldPastTheBusyTimeoutIsBusy() throws {
        let store = try SQLiteStore(directory: directory, busyTimeoutMs: 20)
        var other: OpaquePointer?
        XCTAssertEqual(sqlite3_open(directory + "/lianjie.db", &other), SQLITE_OK)
        defer { sqlite3_close(other) }
        XCTAssertEqual(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil), SQLITE_OK)
        XCTAssertThrowsError(try store.write { try $0.createAccount(self.account("acc_9", "busy")) }) { error in
            XCTAssertEqual((error as? StoreError)?.code, .busy)
        }
        XCTAssertEqual(sqlite3_exec(other, "ROLLBACK", nil, nil, nil), SQLITE_OK)
        try store.write { try $0.createAccount(self.account("acc_9", "busy")) }
    }

    // Group commit: many writers at once, each in its own savepoint; one that throws
    // undoes only itself, and every other is committed.
    func testConcurrentWritesAreGroupCommittedAndIsolated() throws {
        let store = try SQLiteStore(directory: directory)
        struct Refused: Error {}
        let accounts = (0..<64).map { account("acc_\($0)", "user\($0)") }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            do {
                try store.write { tx in
                    try tx.createAccount(accounts[i])
                    if i % 8 == 0 { throw Refused() }
                }
                XCTAssertNotEqual(i % 8, 0)
            } catch {
                XCTAssertTrue(error is Refused, "\(error)")
            }
        }
        XCTAssertEqual(try store.read { try $0.accountCount() }, 56)
    }

    func testTheAuthGenerationMovesWithChangesAuthenticationReads() throws {
        let store = try SQLiteStore(directory: directory)
        let g0 = store.authGeneration
        try store.write { try $0.createAccount(self.account("acc_1", "u")) }
        try store.write { try $0.createSession(SessionRecord(tokenHash: [1], accountID: "acc_1", createTime: 1, expireTime: 9, peer: "p")) }
        XCTAssertEqual(store.authGeneration, g0, "new accounts and sessions invalidate nothing")
        try store.write { _ = try $0.revokeSession(tokenHash: [1], at: 2) }
        XCTAssertEqual(store.authGeneration, g0 + 2, "odd while the revocation commits, even again after")
        XCTAssertEqual(g0 % 2, 0)
        let g1 = store.authGeneration
        struct Refused: Error {}
        XCTAssertThrowsError(try store.write { tx in _ = try tx.revokeSessions(accountID: "acc_1", except: nil, at: 3); throw Refused() })
        XCTAssertEqual(store.authGeneration, g1, "a change rolled back invalidates nothing")
    }

    func testDataSurvivesReopening() throws {
        do {
            let store = try SQLiteStore(directory: directory)
            try store.write { try $0.createAccount(self.account("acc_1", "u")) }
        }
        XCTAssertEqual(try SQLiteStore(directory: directory).read { try $0.account(id: "acc_1")?.username }, "u")
    }

    func testADatabaseFromANewerVersionIsRefused() throws {
        _ = try SQLiteStore(directory: directory)
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(directory + "/lianjie.db", &db), SQLITE_OK)
        XCTAssertEqual(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (999, 0)", nil, nil, nil), SQLITE_OK)
        sqlite3_close(db)
        XCTAssertThrowsError(try SQLiteStore(directory: directory)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .tooNew)
        }
    }

    func testAnUnusableDirectoryIsAClearError() {
        XCTAssertThrowsError(try SQLiteStore(directory: "/proc/lianjie-cannot-be-here")) { error in
            XCTAssertEqual((error as? StoreError)?.code, .unavailable)
        }
    }
}
