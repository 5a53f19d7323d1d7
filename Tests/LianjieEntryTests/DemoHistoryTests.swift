import Foundation
import LianjieClient
import LianjieMessages
import LianjieServiceTestSupport
import LianjieStore
import XCTest

/// The demo's year of history: real lists at once, and something for evaluation to score.
final class DemoHistoryTests: XCTestCase {
    func testTheDemoHasAYearOfEveryKindOfEntryAndTheRulesFoundTheSteering() async throws {
        let d = try InProcessDeployment(history: true)
        let inspector = try await d.entries("inspector")
        func count(_ r: ListEntriesRequest) async throws -> Int32 { try await inspector.listEntries(r).totalSize }
        let total = try await count(ListEntriesRequest())
        XCTAssertGreaterThan(total, 150)
        for status in [EntryStatus.submitted, .confirmed, .rejected, .revoked] {
            let n = try await count(ListEntriesRequest(status: status))
            XCTAssertGreaterThan(n, 0, "some \(status) entries")
        }
        for dimension in [Dimension.behaviour, .awareness, .problems] {
            let n = try await count(ListEntriesRequest(dimension: dimension))
            XCTAssertGreaterThan(n, 0, "entries of \(dimension)")
        }
        let steering = try await inspector.listEntries(ListEntriesRequest(tag: "HV_DESIGNATED_FIRMS")).entries
        XCTAssertEqual(steering.count, 1, "one 三指定 pattern")
        XCTAssertEqual(steering.first?.source, .rule)
        XCTAssertGreaterThanOrEqual(steering.first?.workOrderNumbers.count ?? 0, 8)
        let overdue = try await count(ListEntriesRequest(tag: "HV_STAGE_OVERDUE"))
        XCTAssertGreaterThan(overdue, 0)
        let employee = try await d.entries("employee")
        let own = try await employee.listEntries(ListEntriesRequest()).entries
        XCTAssertEqual(Set(own.compactMap { $0.appeal?.state }), [.dismissed, .pending], "one appeal decided, one waiting")
        let withEvidence = try await inspector.listEntries(ListEntriesRequest(tag: "GIFT_ACCEPTED")).entries.first
        let evidenceID = try XCTUnwrap(withEvidence?.evidence.first?.id)
        let chunk = try await inspector.getEvidence(GetEvidenceRequest(id: evidenceID))
        XCTAssertTrue(chunk.data.starts(with: Array("%PDF-".utf8)))
        let orders = try await inspector.listWorkOrders(ListWorkOrdersRequest()).totalSize
        XCTAssertEqual(orders, 170)
        // The second inspector of the district can decide the pending appeal.
        let second = try await d.entries("inspector-b")
        let pending = try XCTUnwrap(own.first { $0.appeal?.state == .pending })
        let decided = try await second.decideAppeal(DecideAppealRequest(requestId: "d", id: pending.id, decision: .upheld, reason: "派工单属实"))
        XCTAssertEqual(decided.status, .revoked)
    }
}
