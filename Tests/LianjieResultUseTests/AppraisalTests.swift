import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// The appraisal export over the demo's published quarters: paging, scope, and the cap a
/// second-form disposition puts on the grade.
final class AppraisalTests: XCTestCase {
    static let q3 = Period(kind: .quarter, year: 2026, index: 3)

    func testHRTakesEveryScoreWithItsCapPageByPage() async throws {
        let d = try InProcessDeployment(history: true)
        let inspector = try await d.resultUse("inspector")
        let hr = try await d.resultUse("hr")
        let east = try d.organization("城东区供电局")

        // A second-form disposition dated inside Q3 caps Q3's appraisal at fair.
        var c = try await inspector.createCase(CreateCaseRequest(subject: "HV0003", source: .audit, summary: "违规办理业扩手续"))
        c = try await inspector.assignCase(AssignCaseRequest(id: c.id, handlerId: try d.account("inspector").id,
                                                             dueDate: CalendarDate(year: 2026, month: 12, day: 31)))
        c = try await inspector.disposeCase(DisposeCaseRequest(id: c.id, disposition: Disposition(
            form: .second, date: CalendarDate(year: 2026, month: 8, day: 1), documentNumber: "城东纪发〔2026〕9号")))

        var all: [Appraisal] = [], token = ""
        repeat {
            let page = try await hr.listAppraisals(ListAppraisalsRequest(period: Self.q3, organizationId: east.id, pageSize: 5, pageToken: token))
            XCTAssertEqual(page.totalSize, 17)
            XCTAssertLessThanOrEqual(page.appraisals.count, 5)
            all += page.appraisals
            token = page.nextPageToken
        } while !token.isEmpty
        XCTAssertEqual(all.count, 17)
        XCTAssertEqual(all.map(\.subjectId), all.map(\.subjectId).sorted(), "paged by subject id")
        XCTAssertEqual(Set(all.map(\.subjectId)).count, 17)

        let capped = try XCTUnwrap(all.first { $0.employeeNumber == "HV0003" })
        XCTAssertEqual(capped.appraisalCap, .fair)
        XCTAssertEqual(capped.capCaseNumber, c.number)
        if capped.noData {
            XCTAssertEqual(capped.appraisalGrade, .unspecified)
        } else {
            XCTAssertEqual(capped.appraisalGrade, capped.grade.rawValue > Grade.fair.rawValue ? capped.grade : .fair)
            XCTAssertFalse(capped.total.isEmpty)
        }
        XCTAssertFalse(capped.runId.isEmpty)
        XCTAssertGreaterThan(capped.schemeVersion, 0)
        for a in all where a.employeeNumber != "HV0003" {
            XCTAssertEqual(a.appraisalCap, .unspecified, a.employeeNumber)
            XCTAssertEqual(a.appraisalGrade, a.grade, a.employeeNumber)
        }

        // Scope: the second district's inspector sees none of these; HR (on the root) needs no organisation.
        let west = try await d.resultUse("inspector2")
        await assertRPCError(.notFound) { try await west.listAppraisals(ListAppraisalsRequest(period: Self.q3, organizationId: east.id)) }
        let everything = try await hr.listAppraisals(ListAppraisalsRequest(period: Self.q3, pageSize: 500))
        XCTAssertEqual(everything.totalSize, 20)
        await assertRPCError(.invalidArgument) { try await hr.listAppraisals(ListAppraisalsRequest(organizationId: east.id)) }
        await assertRPCError(.permissionDenied) { try await d.resultUse("manager").listAppraisals(ListAppraisalsRequest(period: Self.q3)) }
        // Each subject listed is a read of that person's data: audited.
        let audited = try d.auditEntries(method: ResultUseService.listAppraisals.path).filter { $0.recordType == "subject" }
        XCTAssertEqual(Set(audited.map(\.recordID)).count, 20)
    }
}
