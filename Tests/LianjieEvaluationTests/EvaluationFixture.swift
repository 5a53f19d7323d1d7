import Foundation
import LianjieClient
import LianjieMessages
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// The demo deployment with its year of history, and the evaluation service as each demo
/// account sees it.
final class EvaluationFixture: @unchecked Sendable {
    // @unchecked: built once by the test's thread, then only read.
    let d: InProcessDeployment
    let inspector: EvaluationServiceClient
    let inspector2: EvaluationServiceClient
    let manager: EvaluationServiceClient
    let employee: EvaluationServiceClient
    let hr: EvaluationServiceClient
    let entries: EntryServiceClient
    let entriesB: EntryServiceClient
    let east: OrganizationRecord
    /// 城东区供电局/营销部: the scope the tests' runs use (the demo's own runs are per district).
    let marketing: OrganizationRecord

    init() async throws {
        d = try InProcessDeployment(history: true)
        inspector = try await d.evaluations("inspector")
        inspector2 = try await d.evaluations("inspector2")
        manager = try await d.evaluations("manager")
        employee = try await d.evaluations("employee")
        hr = try await d.evaluations("hr")
        entries = try await d.entries("inspector")
        entriesB = try await d.entries("inspector-b")
        east = try d.organization("城东区供电局")
        marketing = try d.organization("城东区供电局/营销部")
    }

    static let q3 = Period(kind: .quarter, year: 2026, index: 3)

    /// Starts a run and waits (on its state, polled) until it is no longer running.
    func run(_ period: Period = q3, organization: String? = nil, as client: EvaluationServiceClient? = nil,
             file: StaticString = #filePath, line: UInt = #line) async throws -> EvaluationRun {
        let c = client ?? inspector
        let created = try await c.createEvaluationRun(CreateEvaluationRunRequest(requestId: UUID().uuidString, period: period,
                                                                                 organizationId: organization ?? marketing.id))
        XCTAssertEqual(created.state, .running, file: file, line: line)
        return try await finished(created.id, as: c)
    }

    func finished(_ id: String, as client: EvaluationServiceClient? = nil) async throws -> EvaluationRun {
        let c = client ?? inspector
        var run = try await c.getEvaluationRun(GetEvaluationRunRequest(id: id))
        let deadline = Date().addingTimeInterval(60)
        while run.state == .running, Date() < deadline {
            await Task.yield()
            run = try await c.getEvaluationRun(GetEvaluationRunRequest(id: id))
        }
        return run
    }

    func publish(_ run: EvaluationRun, reason: String = "") async throws -> EvaluationRun {
        try await inspector.publishEvaluationRun(PublishEvaluationRunRequest(requestId: UUID().uuidString, id: run.id,
                                                                             note: "季度评价结果经纪检组审议", supersedeReason: reason))
    }

    func allResults(_ runID: String, as client: EvaluationServiceClient? = nil) async throws -> [EvaluationResult] {
        var out: [EvaluationResult] = [], token = ""
        repeat {
            let page = try await (client ?? inspector).listEvaluationResults(ListEvaluationResultsRequest(runId: runID, pageSize: 7, pageToken: token))
            out += page.results
            token = page.nextPageToken
        } while !token.isEmpty
        return out
    }
}
