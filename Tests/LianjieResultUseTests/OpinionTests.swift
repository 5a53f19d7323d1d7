import Foundation
import LianjieClient
import LianjieMessages
import LianjieReports
import LianjieRPC
import LianjieServiceKit
import LianjieServiceTestSupport
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Integrity opinions over the demo's history: rules propose from a frozen dossier, an
/// inspector reviews, the discipline head signs second, HR sees only signed ones until they
/// expire; recusal refuses declared conflicts and names the rule.
final class OpinionTests: XCTestCase {
    func deployment() throws -> InProcessDeployment {
        var settings = ServiceSettings()
        settings.sessionSeconds = 365 * 86_400
        settings.sessionIdleSeconds = 0
        return try InProcessDeployment(settings: settings, history: true)
    }

    func testOpinionsGoThroughBothSignaturesBeforeHRSeesThem() async throws {
        let d = try deployment()
        let hr = try await d.resultUse("hr"), inspector = try await d.resultUse("inspector"), head = try await d.resultUse("head")
        let due = CalendarDate(year: 2026, month: 12, day: 20)

        await assertRPCError(.invalidArgument) {
            try await hr.requestOpinions(RequestOpinionsRequest(purpose: .promotion, purposeNote: "拟任班长", subjects: [], dueDate: due))
        }
        await assertRPCError(.permissionDenied) {
            try await inspector.requestOpinions(RequestOpinionsRequest(purpose: .promotion, purposeNote: "拟任班长", subjects: ["HV0005"], dueDate: due))
        }
        let asked = try await hr.requestOpinions(RequestOpinionsRequest(requestId: "ask-1", purpose: .promotion, purposeNote: "拟任高压业扩班副班长",
                                                                        subjects: ["HV0001", "HV0012", "HV0005", "HV0005"], dueDate: due))
        XCTAssertEqual(asked.opinions.map(\.employeeNumber), ["HV0001", "HV0012", "HV0005"], "one opinion a subject")
        XCTAssertTrue(asked.opinions.allSatisfy { $0.state == .proposed && $0.conclusion == .unspecified && $0.reasons.isEmpty },
                      "HR sees no proposal")
        let again = try await hr.requestOpinions(RequestOpinionsRequest(requestId: "ask-1", purpose: .promotion, purposeNote: "拟任高压业扩班副班长",
                                                                        subjects: ["HV0001", "HV0012", "HV0005", "HV0005"], dueDate: due))
        XCTAssertEqual(again.batchId, asked.batchId, "a retry asks nothing new")
        await assertRPCError(.notFound) { try await hr.getOpinion(GetOpinionRequest(id: asked.opinions[0].id)) }
        let hidden = try await hr.listOpinions(ListOpinionsRequest(batchId: asked.batchId))
        XCTAssertTrue(hidden.opinions.isEmpty)

        // The proposals, with the facts they cite, from the dossier frozen at the request.
        let proposals = try await inspector.listOpinions(ListOpinionsRequest(batchId: asked.batchId)).opinions
        func by(_ number: String) -> Opinion { proposals.first { $0.employeeNumber == number }! }
        XCTAssertEqual(by("HV0001").proposed, .deferred)
        XCTAssertTrue(by("HV0001").reasons.contains { $0.rule == "OPEN_CASE" && $0.fact.contains("C-2026-0002") })
        XCTAssertEqual(by("HV0012").proposed, .objection)
        XCTAssertTrue(by("HV0012").reasons.contains { $0.rule == "RECENT_DISPOSITION" })
        let frozen = try await inspector.getDossier(GetDossierRequest(subject: "HV0001", reason: "核对廉洁意见"))
        XCTAssertEqual(by("HV0001").dossierSha256, frozen.sha256, "nothing changed since the request")

        // The first signature: a changed conclusion needs a reason.
        await assertRPCError(.invalidArgument) {
            try await inspector.reviewOpinion(ReviewOpinionRequest(id: by("HV0001").id, conclusion: .objection))
        }
        let reviewed = try await inspector.reviewOpinion(ReviewOpinionRequest(id: by("HV0001").id, conclusion: .objection,
                                                                              changeReason: "问题线索涉及收受礼品，性质较重", note: "已核对档案"))
        XCTAssertEqual(reviewed.state, .reviewed)
        XCTAssertEqual(reviewed.conclusion, .objection)
        XCTAssertEqual(reviewed.proposed, .deferred)
        let kept = try await inspector.reviewOpinion(ReviewOpinionRequest(id: by("HV0005").id))
        XCTAssertEqual(kept.conclusion, kept.proposed)
        await assertRPCError(.failedPrecondition) { try await inspector.reviewOpinion(ReviewOpinionRequest(id: by("HV0005").id)) }

        // The second signature: a discipline head of the subject's district who did not review it.
        await assertRPCError(.permissionDenied) { try await inspector.signOpinion(SignOpinionRequest(id: reviewed.id)) }
        await assertRPCError(.notFound) { try await d.resultUse("head2").signOpinion(SignOpinionRequest(id: reviewed.id)) }
        await assertRPCError(.failedPrecondition) { try await head.signOpinion(SignOpinionRequest(id: by("HV0012").id)) }
        _ = try await head.reviewOpinion(ReviewOpinionRequest(id: by("HV0012").id))
        let fourEyes = await assertRPCError(.failedPrecondition) { try await head.signOpinion(SignOpinionRequest(id: by("HV0012").id)) }
        XCTAssertTrue(fourEyes?.message.contains("four eyes") == true)
        let signed = try await head.signOpinion(SignOpinionRequest(id: reviewed.id))
        XCTAssertEqual(signed.state, .signed)
        XCTAssertEqual(signed.validUntil, CalendarDate(year: 2027, month: 3, day: 1), "90 days from 2026-12-01")
        _ = try await head.signOpinion(SignOpinionRequest(id: kept.id))

        // HR now sees the two signed ones, with what they conclude, and not the proposals.
        let seen = try await hr.listOpinions(ListOpinionsRequest(batchId: asked.batchId)).opinions
        XCTAssertEqual(Set(seen.map(\.employeeNumber)), ["HV0001", "HV0005"])
        let forHR = try await hr.getOpinion(GetOpinionRequest(id: signed.id))
        XCTAssertEqual(forHR.conclusion, .objection)
        XCTAssertEqual(forHR.proposed, .unspecified)
        XCTAssertEqual(forHR.reviewNote, "")
        XCTAssertFalse(forHR.expired)
        // The dossier lists opinions given.
        let dossier = try await inspector.getDossier(GetDossierRequest(subject: "HV0001", reason: "复核"))
        XCTAssertEqual(dossier.opinions.map(\.id), [signed.id])

        // The signed opinion as a printable page, checked as a person sees it.
        let directory = NSTemporaryDirectory() + "lianjie-opinion-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(forHR.reviewerName, "王纪检 (inspector, 城东区)")
        XCTAssertEqual(forHR.signerName, "钱书记 (discipline head, 城东区)")
        let report = MessageReports.opinion(forHR, subject: ReportSubject(name: forHR.subjectName, employeeNumber: forHR.employeeNumber,
                                                                           organization: "高压业扩班", category: "高压业扩报装", post: "高压客户经理"),
                                            generatedAt: "2026-12-01 09:00 (UTC+8)")
        XCTAssertEqual(report.conclusion, .objection)
        XCTAssertTrue(report.signed)
        let page = OpinionPage(report).html()
        XCTAssertTrue(page.contains("有异议") && page.contains("钱书记") && page.contains("C-2026-0002"))
        XCTAssertFalse(page.contains("未生效"))
        if let keep = ProcessInfo.processInfo.environment["LIANJIE_KEEP_PAGES"] {
            try page.write(toFile: keep + "/opinion.html", atomically: true, encoding: .utf8)
        }
        // A one-page letter: more white than a report, so a lower bar for ink.
        try assertRendersWell("opinion", page, charts: [], colours: ["#b3403a"], in: directory, thorough: true, minimumInk: 0.05)

        // Past its validity it has expired and must be asked for again.
        d.clock.advance(seconds: 91 * 86_400)
        let expired = try await hr.getOpinion(GetOpinionRequest(id: signed.id))
        XCTAssertTrue(expired.expired)
    }

    func testRecusalRefusesDeclaredConflictsAndNamesTheRule() async throws {
        let d = try deployment()
        let hr = try await d.resultUse("hr"), inspectorB = try await d.resultUse("inspector-b"), inspector = try await d.resultUse("inspector")
        let declared = try await inspectorB.declareConflict(DeclareConflictRequest(subject: "HV0002", relation: "relative", note: "配偶"))
        XCTAssertEqual(declared.subjectName, "王芳")
        await assertRPCError(.alreadyExists) { try await inspectorB.declareConflict(DeclareConflictRequest(subject: "HV0002", relation: "other")) }
        await assertRPCError(.invalidArgument) { try await inspectorB.declareConflict(DeclareConflictRequest(subject: "HV0003", relation: "cousin")) }
        await assertRPCError(.notFound) { try await inspectorB.declareConflict(DeclareConflictRequest(subject: "HV0018", relation: "relative")) }

        // Opinions: no review by the declarer.
        let asked = try await hr.requestOpinions(RequestOpinionsRequest(purpose: .award, purposeNote: "年度先进个人", subjects: ["HV0002"],
                                                                        dueDate: CalendarDate(year: 2026, month: 12, day: 31)))
        let refused = await assertRPCError(.failedPrecondition) {
            try await inspectorB.reviewOpinion(ReviewOpinionRequest(id: asked.opinions[0].id))
        }
        XCTAssertTrue(refused?.message.contains("recusal") == true && refused?.message.contains(declared.id) == true, refused?.message ?? "")

        // Cases: the declarer neither opens, handles nor is given one.
        await assertRPCError(.failedPrecondition) {
            try await inspectorB.createCase(CreateCaseRequest(subject: "HV0002", source: .report, summary: "x"))
        }
        let c = try await inspector.createCase(CreateCaseRequest(subject: "HV0002", source: .report, summary: "群众反映"))
        await assertRPCError(.invalidArgument) {
            try await inspector.assignCase(AssignCaseRequest(id: c.id, handlerId: try d.account("inspector-b").id,
                                                             dueDate: CalendarDate(year: 2026, month: 12, day: 31)))
        }
        await assertRPCError(.failedPrecondition) { try await inspectorB.dismissCase(DismissCaseRequest(id: c.id, reason: "x")) }

        // Entries: no review of an entry about them.
        let e = try await d.entries("inspector").submitEntry(SubmitEntryRequest(subjectId: "HV0002", tag: "ON_TIME_HANDLING",
                                                                                  occurredOn: CalendarDate(year: 2026, month: 11, day: 30),
                                                                                  description: "按时办结", source: .pc))
        await assertRPCError(.failedPrecondition) { try await d.entries("inspector-b").confirmEntry(ConfirmEntryRequest(id: e.id)) }

        // The declarer sees their own; the district's discipline head sees it too; withdrawn, it no longer binds.
        let own = try await inspectorB.listConflicts(ListConflictsRequest())
        XCTAssertEqual(own.conflicts.map(\.id), [declared.id])
        let heads = try await d.resultUse("head").listConflicts(ListConflictsRequest())
        XCTAssertEqual(heads.conflicts.map(\.id), [declared.id])
        let others = try await inspector.listConflicts(ListConflictsRequest())
        XCTAssertTrue(others.conflicts.isEmpty)
        await assertRPCError(.notFound) { try await inspector.withdrawConflict(WithdrawConflictRequest(id: declared.id)) }
        let withdrawn = try await inspectorB.withdrawConflict(WithdrawConflictRequest(id: declared.id))
        XCTAssertNotNil(withdrawn.withdrawTime)
        let reviewed = try await inspectorB.reviewOpinion(ReviewOpinionRequest(id: asked.opinions[0].id))
        XCTAssertEqual(reviewed.state, .reviewed)
    }
}
