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
}
