import Foundation
import LianjieClient
import LianjieMessages
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import XCTest

/// The demo deployment in process, with a second inspector in the first district (for four
/// eyes) and the entry service as each demo account sees it.
final class EntryFixture: @unchecked Sendable {
    // @unchecked: built once by the test's thread, then only read.
    let d: InProcessDeployment
    let admin: EntryServiceClient
    let inspector: EntryServiceClient
    /// Another inspector of 城东区供电局.
    let inspector3: EntryServiceClient
    /// The inspector of 城西区供电局 (the first district is out of scope).
    let inspector2: EntryServiceClient
    let manager: EntryServiceClient
    let employee: EntryServiceClient
    let hr: EntryServiceClient

    static let inspector3Password = "Jiancha3-2026-Test"

    init(settings: ServiceSettings = ServiceSettings()) async throws {
        d = try InProcessDeployment(settings: settings)
        let users = try await d.users("admin")
        let east = try d.organization("城东区供电局")
        _ = try await users.createAccount(CreateAccountRequest(username: "inspector3", password: Self.inspector3Password,
                                                               grants: [RoleGrant(role: .inspector, organizationId: east.id)], kind: .person))
        admin = try await d.entries("admin")
        inspector = try await d.entries("inspector")
        inspector3 = try await d.entries("inspector3", password: Self.inspector3Password)
        inspector2 = try await d.entries("inspector2")
        manager = try await d.entries("manager")
        employee = try await d.entries("employee")
        hr = try await d.entries("hr")
    }

    /// The subject with this employee number (HV0001 is the employee's own record).
    func subject(_ number: String) throws -> SubjectRecord {
        try XCTUnwrap(try d.store.read { try $0.subject(employeeNumber: number) })
    }

    func accountID(_ username: String) throws -> String { try d.account(username).id }

    /// A valid submission: one on-time handling, yesterday, about `subject`.
    func submission(_ subject: String = "HV0002", tag: String = "ON_TIME_HANDLING", requestID: String = UUID().uuidString,
                    description: String = "按时限办结高压新装业务") -> SubmitEntryRequest {
        SubmitEntryRequest(requestId: requestID, subjectId: subject, tag: tag, occurredOn: CalendarDate(year: 2026, month: 11, day: 30),
                           quantity: "1", description: description, source: .pc)
    }
}
