import CSQLite
import LianjieStore
import XCTest

/// The evaluation slice of the store: results keep their inputs exactly, a published run
/// is frozen by the database itself, and a parallel read sees one snapshot.
final class EvaluationStoreTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = NSTemporaryDirectory() + "lianjie-evalstore-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    static func run(_ id: String, state: Int32 = 2) -> EvaluationRunRecord {
        var r = EvaluationRunRecord()
        r.id = id
        r.period = PeriodKey(kind: 2, year: 2026, index: 3)
        r.organizationID = "org_a"
        r.organizationPath = "/org_a/"
        r.schemeVersion = 1
        r.evaluationDate = "2026-09-30"
        r.state = state
        return r
    }

    func testAResultKeepsItsInputsInTheirOrderWhateverTheSteps() throws {
        let store = try SQLiteStore(directory: directory)
        var result = EvaluationResultRecord()
        result.runID = "run_1"
        result.subjectID = "sub_1"
        // Scored in (day, seq) order: seqs go back as well as forward, by small and huge steps.
        result.inputs = [500, 3, 9_000_000_000, 4, 4_294_967_296, 1, 127, 128, 16_384]
        result.vetoEntries = [3, 500]
        result.dimensions = [["80", "-2.5", "0", "77.5", "0.4", "31"]]
        try store.write { tx in
            try tx.createEvaluationRun(Self.run("run_1"))
            try tx.saveEvaluationResults([result])
        }
        XCTAssertEqual(try store.read { try $0.evaluationResult(runID: "run_1", subjectID: "sub_1") }, result)
    }

    func testAPublishedRunAndItsResultsCannotBeChangedOrDropped() throws {
        let store = try SQLiteStore(directory: directory)
        var published = Self.run("run_p", state: 3)
        published.inputsSHA256 = "a"
        var result = EvaluationResultRecord()
        result.runID = "run_p"
        result.subjectID = "sub_1"
        try store.write { tx in
            try tx.createEvaluationRun(published)
            try tx.saveEvaluationResults([result])
        }
        var changed = published
        changed.inputsSHA256 = "b"
        XCTAssertThrowsError(try store.write { try $0.updateEvaluationRun(changed) })
        XCTAssertThrowsError(try store.write { try $0.deleteEvaluationResults(runID: "run_p") })
        var superseded = published
        superseded.supersededBy = "run_q"
        superseded.supersedeReason = "a better run"
        XCTAssertNoThrow(try store.write { try $0.updateEvaluationRun(superseded) }, "supersession may be recorded")
        XCTAssertEqual(try store.read { try $0.allEvaluationResults(runID: "run_p", withInputs: true) }.count, 1)
    }

    func testReadTogetherGivesEveryPartOneSnapshot() throws {
        let store = try SQLiteStore(directory: directory)
        _ = try store.write { try $0.createEvaluationRun(Self.run("run_0")) }
        // While the parts read, writes keep landing; every part still sees the same runs.
        let writer = Thread {
            for i in 1...200 { _ = try? store.write { try $0.createEvaluationRun(Self.run("run_\(i)")) } }
        }
        writer.start()
        for _ in 0..<20 {
            let counts = try store.readTogether(parts: 2) { _, r in try r.evaluationRunCount(EvaluationRunFilter()) }
            XCTAssertEqual(counts.count, 2)
            XCTAssertEqual(Set(counts).count, 1, "both parts saw \(counts)")
        }
    }

    /// With fewer reader connections than parts, every part still runs (in turn): a scan
    /// split in parts must never lose one.
    func testEveryPartRunsWithFewerReadersThanParts() throws {
        let store = try SQLiteStore(directory: directory, readers: 1)
        let parts = try store.readTogether(parts: 3) { part, r in (part, try r.evaluationRunCount(EvaluationRunFilter())) }
        XCTAssertEqual(parts.map(\.0), [0, 1, 2])
    }

    /// A store with one organisation, category and post, and these subjects in it.
    func storeWithSubjects(_ ids: [String]) throws -> SQLiteStore {
        let store = try SQLiteStore(directory: directory)
        let org = OrganizationRecord(id: "org_a", name: "A", kind: 1, parentID: "", path: "/org_a/", createTime: 1, updateTime: 1)
        try store.write { tx in
            try tx.createOrganization(org)
            try tx.createCategory(CategoryRecord(id: "cat_1", code: "HV", name: "HV"))
            try tx.createPost(PostRecord(id: "post_1", code: "MGR", name: "Manager", categoryID: "cat_1", riskCoefficient: "1.20"))
            for (i, id) in ids.enumerated() {
                try tx.createSubject(SubjectRecord(id: id, employeeNumber: "E\(i)", name: "N", organizationID: org.id, categoryID: "cat_1",
                                                   postID: "post_1", positionLevel: 1, status: 1, accountID: "", postEntryDate: "2024-01-01",
                                                   createTime: 1, updateTime: 1),
                                     placement: PlacementRecord(subjectID: id, organizationID: org.id, fromDate: "2024-01-01", reason: "created", changedBy: "acc"))
            }
        }
        return store
    }

    static func entry(_ id: String, _ subject: String, _ day: String, status: Int32) -> EntryRecord {
        EntryRecord(id: id, subjectID: subject, tagLibrary: "COMMON", tagVersion: 1, tagCode: subject == "sub_2" ? "GIFT_ACCEPTED" : "WORK_DISCIPLINE", tagName: "违反工作纪律",
                    dimension: "behaviour", polarity: "debit", occurredOn: day, quantity: 100, description: "x", source: 1, status: status,
                    recordedBy: "acc_m", recordTime: 100, schemeVersion: 1)
    }

    /// What `scanConfirmedEntries` hands over for these subjects in 2025: (subject index, day,
    /// seq); each entry's tag is the one it was recorded with (sub_2's another tag).
    func counted(_ store: SQLiteStore, _ subjects: [String]) throws -> [[Int64]] {
        // 2025-01-01 and 2025-12-31 as days since 1970-01-01.
        try store.read { r in
            var out: [[Int64]] = []
            let tags = try r.confirmedEntryTags()
            try r.scanConfirmedEntries(subjectIDs: subjects[...], days: 20089...20453) { i, e in
                XCTAssertEqual(tags.first { $0.id == e.tag },
                               ConfirmedEntryTag(id: e.tag, library: "COMMON", version: 1, code: subjects[i] == "sub_2" ? "GIFT_ACCEPTED" : "WORK_DISCIPLINE"))
                out.append([Int64(i), Int64(e.day), e.seq])
            }
            return out
        }
    }

    /// What an evaluation reads follows every change of an entry's status in the same
    /// transaction: only confirmed entries, each once, subject by subject, by day then seq.
    func testTheEntriesAnEvaluationReadsFollowEveryStatusChange() throws {
        let store = try storeWithSubjects(["sub_1", "sub_2"])
        var seqs: [String: Int64] = [:]
        try store.write { tx in
            for (id, subject, day, status) in [("ent_1", "sub_1", "2025-03-02", Int32(1)), ("ent_2", "sub_1", "2025-01-05", 2),
                                               ("ent_3", "sub_2", "2025-02-01", 1), ("ent_4", "sub_1", "2024-12-31", 2)] {
                seqs[id] = try tx.createEntry(Self.entry(id, subject, day, status: status),
                                              event: EntryEventRecord(entryID: id, time: 1, accountID: "acc_m", action: "submitted", status: status))
            }
        }
        // Created confirmed (a rule's or a case's entry) counts at once; the one of 2024 lies outside the days asked for.
        XCTAssertEqual(try counted(store, ["sub_1", "sub_2"]), [[0, 20093, seqs["ent_2"]!]])
        func change(_ id: String, _ subject: String, _ day: String, to status: Int32) throws {
            try store.write { tx in
                try tx.updateEntry(Self.entry(id, subject, day, status: status),
                                   event: EntryEventRecord(entryID: id, time: 2, accountID: "acc_i", action: "changed", status: status))
            }
        }
        try change("ent_1", "sub_1", "2025-03-02", to: 2)
        try change("ent_3", "sub_2", "2025-02-01", to: 2)
        // By day within a subject, though ent_1 was recorded first; the subjects in the order asked.
        XCTAssertEqual(try counted(store, ["sub_1", "sub_2"]), [[0, 20093, seqs["ent_2"]!], [0, 20149, seqs["ent_1"]!], [1, 20120, seqs["ent_3"]!]])
        XCTAssertEqual(try counted(store, ["sub_2", "sub_1"]).map { $0[0] }, [0, 1, 1])
        XCTAssertEqual(try store.read { try $0.confirmedEntryTags() }.map(\.code), ["WORK_DISCIPLINE", "GIFT_ACCEPTED"], "each tag numbered once")
        // A change that keeps it confirmed (an appeal filed) keeps it once; a revocation takes it out.
        try change("ent_1", "sub_1", "2025-03-02", to: 2)
        try change("ent_2", "sub_1", "2025-01-05", to: 4)
        XCTAssertEqual(try counted(store, ["sub_1", "sub_2"]), [[0, 20149, seqs["ent_1"]!], [1, 20120, seqs["ent_3"]!]])
        // A change that fails rolls back with the rest of its transaction.
        XCTAssertThrowsError(try store.write { tx in
            try tx.updateEntry(Self.entry("ent_3", "sub_2", "2025-02-01", status: 4),
                               event: EntryEventRecord(entryID: "ent_3", time: 3, accountID: "acc_i", action: "revoked", status: 4))
            throw StoreError(.failed, "later step failed")
        })
        XCTAssertEqual(try counted(store, ["sub_2"]), [[0, 20120, seqs["ent_3"]!]])
    }

    /// A store from before `confirmed_entries` gets its confirmed entries copied in when the
    /// step runs, with the same days the store's own writes would give.
    func testTheStepThatAddsTheEvaluationsTableCopiesTheConfirmedEntries() throws {
        var path = ""
        do {
            let store = try storeWithSubjects(["sub_1"])
            path = store.databasePath
            try store.write { tx in
                for (id, day, status) in [("ent_1", "2025-03-02", Int32(2)), ("ent_2", "2025-12-31", 2), ("ent_3", "2025-06-01", 1)] {
                    _ = try tx.createEntry(Self.entry(id, "sub_1", day, status: status),
                                           event: EntryEventRecord(entryID: id, time: 1, accountID: "acc_m", action: "submitted", status: status))
                }
            }
        }
        let expected: [[Int64]] = [[0, 20149, 1], [0, 20453, 2]]
        // Undo the step, as a store written before it would be, and open the store again.
        var db: OpaquePointer?
        XCTAssertEqual(sqlite3_open(path, &db), SQLITE_OK)
        XCTAssertEqual(sqlite3_exec(db, "DROP TABLE confirmed_entries; DROP TABLE tag_refs; DELETE FROM module_migrations WHERE module = 'entry' AND version = 3", nil, nil, nil), SQLITE_OK)
        sqlite3_close(db)
        XCTAssertEqual(try counted(try SQLiteStore(directory: directory), ["sub_1"]), expected)
    }
}
