import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Runs end to end: background progress, results that add up entry by entry, publish and
/// supersede, byte-exact verification (also after an entry is revoked), cancel, and scope.
final class EvaluationRunTests: XCTestCase {
    func testARunScoresEverySubjectInScopeAndEachResultAddsUp() async throws {
        let f = try await EvaluationFixture()
        let run = try await f.run()
        XCTAssertEqual(run.state, .draft, run.endReason)
        XCTAssertEqual(run.progress?.phase, "done")
        XCTAssertEqual(run.progress?.subjectsDone, run.progress?.subjectsTotal)
        XCTAssertGreaterThanOrEqual(run.personTimes, 17, "every active subject of 城东区 is one person-time")
        XCTAssertEqual(run.inputsSha256.count, 64)
        let g = try XCTUnwrap(run.grades)
        XCTAssertEqual(Int(g.excellent + g.good + g.fair + g.poor + g.noData), Int(run.personTimes))

        let results = try await f.allResults(run.id)
        XCTAssertEqual(results.count, Int(run.personTimes))
        XCTAssertEqual(Set(results.map(\.subjectId)).count, results.count, "paging neither repeats nor skips")
        let scored = try XCTUnwrap(results.first { !$0.noData && $0.countedEntries > 2 })
        XCTAssertNotNil(scored.organizationStanding)
        let full = try await f.inspector.getEvaluationResult(GetEvaluationResultRequest(runId: run.id, subject: scored.employeeNumber))
        XCTAssertEqual(full.resultSha256, scored.resultSha256)
        // Digit for digit: each dimension's entries are the sum of its counted lines, and the
        // total the sum of the weighted dimensions.
        var total = Exact.zero
        for d in full.dimensions {
            let lines = full.breakdown.filter { $0.dimension == d.dimension && $0.outcome == .counted }
            let sum = lines.reduce(Exact.zero) { $0 + Exact($1.contribution)! }
            XCTAssertEqual(sum, Exact(d.entries), "dimension \(d.dimension)")
            XCTAssertEqual(Exact(d.score)!, Exact(d.baseScore)! + Exact(d.entries)! + Exact(d.adjustment)!)
            total += Exact(d.weighted)!
        }
        XCTAssertEqual(total, Exact(full.total))
        XCTAssertEqual(full.breakdown.filter { $0.outcome == .counted }.count, Int(full.countedEntries))
    }

    func testPublishSupersedeAndVerifyAfterARevocation() async throws {
        let f = try await EvaluationFixture()
        let first = try await f.run()
        await assertRPCError(.invalidArgument) {
            try await f.inspector.publishEvaluationRun(PublishEvaluationRunRequest(requestId: UUID().uuidString, id: first.id, note: " "))
        }
        let published = try await f.publish(first)
        XCTAssertEqual(published.state, .published)
        XCTAssertTrue(published.current)
        await assertRPCError(.failedPrecondition) { try await f.publish(published) }
        var check = try await f.inspector.verifyEvaluationRun(VerifyEvaluationRunRequest(id: first.id))
        XCTAssertTrue(check.matches, "\(check.mismatches)")
        XCTAssertEqual(check.resultsChecked, published.personTimes)

        // Revoke a counted entry: the published run still verifies against what it had,
        // and a new run differs for that subject.
        let results = try await f.allResults(first.id)
        let subject = try XCTUnwrap(results.first { $0.countedEntries > 0 })
        let full = try await f.inspector.getEvaluationResult(GetEvaluationResultRequest(runId: first.id, subject: subject.subjectId))
        let line = try XCTUnwrap(full.breakdown.first { $0.outcome == .counted })
        let entry = try await f.entries.getEntry(GetEntryRequest(id: line.entryId))
        let reviewer = entry.reviewedBy == (try f.d.account("inspector").id) ? f.entriesB : f.entries
        _ = try await reviewer.revokeEntry(RevokeEntryRequest(requestId: UUID().uuidString, id: entry.id, reason: "复核发现记录有误", etag: entry.etag))
        check = try await f.inspector.verifyEvaluationRun(VerifyEvaluationRunRequest(id: first.id))
        XCTAssertTrue(check.matches, "the old run verifies against its own inputs: \(check.mismatches)")

        let second = try await f.run()
        XCTAssertNotEqual(second.inputsSha256, first.inputsSha256)
        let again = try await f.inspector.getEvaluationResult(GetEvaluationResultRequest(runId: second.id, subject: subject.subjectId))
        XCTAssertNotEqual(again.resultSha256, full.resultSha256)
        XCTAssertFalse(again.breakdown.contains { $0.entryId == entry.id })

        await assertRPCError(.failedPrecondition) { try await f.publish(second) }
        let replacing = try await f.publish(second, reason: "撤销一条有误记录后重新评价")
        XCTAssertTrue(replacing.current)
        XCTAssertEqual(replacing.supersedesRun, first.id)
        let old = try await f.inspector.getEvaluationRun(GetEvaluationRunRequest(id: first.id))
        XCTAssertFalse(old.current)
        XCTAssertEqual(old.supersededByRun, second.id)
        XCTAssertEqual(old.state, .published, "a superseded run stays published and unchanged")
        XCTAssertEqual(old.resultsSha256, first.resultsSha256)

        // A published run is frozen in the store itself.
        XCTAssertThrowsError(try f.d.store.write { tx in try tx.deleteEvaluationResults(runID: first.id) })
    }

    func testCancelDropsTheResultsAndScopeIsEnforced() async throws {
        let f = try await EvaluationFixture()
        let run = try await f.run()
        await assertRPCError(.notFound) { try await f.inspector2.getEvaluationRun(GetEvaluationRunRequest(id: run.id)) }
        await assertRPCError(.notFound) {
            try await f.inspector2.cancelEvaluationRun(CancelEvaluationRunRequest(requestId: UUID().uuidString, id: run.id))
        }
        await assertRPCError(.permissionDenied) { try await f.employee.getEvaluationRun(GetEvaluationRunRequest(id: run.id)) }
        // The manager of 高压业扩班 sees the run over their team, and only their team's results.
        let managed = try await f.allResults(run.id, as: f.manager)
        let team = try f.d.organization("城东区供电局/营销部/高压业扩班")
        XCTAssertFalse(managed.isEmpty)
        XCTAssertTrue(managed.allSatisfy { $0.organizationId == team.id })
        let west = try await f.run(organization: try f.d.organization("城西区供电局").id, as: f.inspector2)
        XCTAssertEqual(west.state, .draft)
        await assertRPCError(.notFound) { try await f.manager.getEvaluationRun(GetEvaluationRunRequest(id: west.id)) }
        await assertRPCError(.notFound) { try await f.inspector.listEvaluationResults(ListEvaluationResultsRequest(runId: west.id)) }
        let cancelled = try await f.inspector.cancelEvaluationRun(CancelEvaluationRunRequest(requestId: UUID().uuidString, id: run.id,
                                                                                              reason: "范围选错"))
        XCTAssertEqual(cancelled.state, .cancelled)
        XCTAssertEqual(cancelled.endReason, "范围选错")
        await assertRPCError(.failedPrecondition) { try await f.publish(cancelled) }
        XCTAssertEqual(try f.d.store.read { try $0.allEvaluationResults(runID: run.id, withInputs: false) }.count, 0)
        await assertRPCError(.invalidArgument) {
            try await f.inspector.createEvaluationRun(CreateEvaluationRunRequest(requestId: UUID().uuidString,
                                                                                 period: Period(kind: .quarter, year: 2026, index: 5),
                                                                                 organizationId: f.east.id))
        }
        await assertRPCError(.failedPrecondition) {
            try await f.inspector.createEvaluationRun(CreateEvaluationRunRequest(requestId: UUID().uuidString,
                                                                                 period: Period(kind: .quarter, year: 2027, index: 2),
                                                                                 organizationId: f.east.id))
        }
        // Every change and every read of results is in the audit log.
        XCTAssertFalse(try f.d.auditEntries(method: "/lianjie.v1.EvaluationService/ListEvaluationResults").isEmpty)
        XCTAssertFalse(try f.d.auditEntries(method: "/lianjie.v1.EvaluationService/CancelEvaluationRun").isEmpty)
    }

    func testARunWhoseServerStoppedAnsweringIsReportedFailed() async throws {
        let f = try await EvaluationFixture()
        // A run left RUNNING by a server that died: its heartbeat is older than five minutes.
        var orphan = EvaluationRunRecord()
        orphan.id = "run_orphan"
        orphan.period = PeriodKey(kind: 2, year: 2026, index: 3)
        orphan.organizationID = f.marketing.id
        orphan.organizationPath = f.marketing.path
        orphan.schemeVersion = 1
        orphan.evaluationDate = "2026-09-30"
        orphan.state = RunState.running.rawValue
        orphan.heartbeat = f.d.clock.now() - 301
        _ = try f.d.store.write { try $0.createEvaluationRun(orphan) }
        let seen = try await f.inspector.getEvaluationRun(GetEvaluationRunRequest(id: "run_orphan"))
        XCTAssertEqual(seen.state, .failed)
        XCTAssertTrue(seen.endReason.contains("stopped"), seen.endReason)
        XCTAssertEqual(try f.d.store.read { try $0.evaluationRun(id: "run_orphan") }?.state, RunState.failed.rawValue, "recorded, for every server")
    }
}
