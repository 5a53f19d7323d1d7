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

    func account(_ id: String, _ username: String) -> AccountRecord {
        AccountRecord(id: id, username: username, displayName: username.uppercased(), passwordHash: "$y$hash",
                      grants: [GrantRecord(role: "admin", organizationID: ""), GrantRecord(role: "inspector", organizationID: "org_2")],
                      createTime: 1000)
    }

    func testMigratesAndRecordsTheSchemaVersion() throws {
        let store = try SQLiteStore(directory: directory)
        XCTAssertEqual(try store.schemaVersion(), 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.databasePath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        // Opening again does not re-run migrations.
        XCTAssertEqual(try SQLiteStore(directory: directory).schemaVersion(), 1)
    }

    func testAccountsRoundTripAndUsernamesAreUniqueIgnoringCase() throws {
        let store = try SQLiteStore(directory: directory)
        try store.createAccount(account("acc_1", "Zhang.Wei"))
        XCTAssertEqual(try store.account(username: "zhang.wei"), account("acc_1", "Zhang.Wei"))
        XCTAssertEqual(try store.account(id: "acc_1")?.grants.count, 2)
        XCTAssertNil(try store.account(username: "nobody"))
        XCTAssertThrowsError(try store.createAccount(account("acc_2", "ZHANG.WEI"))) { error in
            XCTAssertEqual((error as? StoreError)?.code, .conflict)
        }
        XCTAssertNil(try store.account(id: "acc_2"), "the refused insert left nothing behind")
        XCTAssertEqual(try store.accountCount(), 1)
    }

    func testFailedLoginsCountLockAndStartAgainAfterTheLock() throws {
        let store = try SQLiteStore(directory: directory)
        try store.createAccount(account("acc_1", "u"))
        XCTAssertEqual(try store.recordFailedLogin(accountID: "acc_1", now: 100, lockAfter: 3, lockUntil: 5000), 1)
        XCTAssertEqual(try store.recordFailedLogin(accountID: "acc_1", now: 100, lockAfter: 3, lockUntil: 5000), 2)
        XCTAssertEqual(try store.account(id: "acc_1")?.lockedUntil, 0, "not locked before the limit")
        XCTAssertEqual(try store.recordFailedLogin(accountID: "acc_1", now: 100, lockAfter: 3, lockUntil: 5000), 3)
        XCTAssertEqual(try store.account(id: "acc_1")?.lockedUntil, 5000)
        // Once the lock has run out, counting starts again rather than re-locking at once.
        XCTAssertEqual(try store.recordFailedLogin(accountID: "acc_1", now: 5000, lockAfter: 3, lockUntil: 9000), 1)
        XCTAssertEqual(try store.account(id: "acc_1")?.lockedUntil, 0)
        try store.resetLoginFailures(accountID: "acc_1")
        let a = try XCTUnwrap(store.account(id: "acc_1"))
        XCTAssertEqual(a.failedLogins, 0)
        XCTAssertEqual(a.lockedUntil, 0)
    }

    func testSessionsAreFoundByHashAndRevokedOnce() throws {
        let store = try SQLiteStore(directory: directory)
        try store.createAccount(account("acc_1", "u"))
        let hash = [UInt8](repeating: 7, count: 32)
        try store.createSession(SessionRecord(tokenHash: hash, accountID: "acc_1", createTime: 1, expireTime: 2, peer: "127.0.0.1:1"))
        XCTAssertEqual(try store.session(tokenHash: hash)?.accountID, "acc_1")
        XCTAssertNil(try store.session(tokenHash: [UInt8](repeating: 8, count: 32)))
        XCTAssertTrue(try store.revokeSession(tokenHash: hash, at: 10))
        XCTAssertFalse(try store.revokeSession(tokenHash: hash, at: 11), "already revoked")
        XCTAssertEqual(try store.session(tokenHash: hash)?.revokeTime, 10)
    }

    func testDataSurvivesReopening() throws {
        do {
            let store = try SQLiteStore(directory: directory)
            try store.createAccount(account("acc_1", "u"))
        }
        XCTAssertEqual(try SQLiteStore(directory: directory).account(id: "acc_1")?.username, "u")
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
