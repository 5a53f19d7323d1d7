import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieXCTestSupport
import XCTest

/// The scheme kept in the store: a draft edited tag by tag or replaced whole, published
/// as immutable numbered versions.
final class SchemeServiceTests: XCTestCase {
    func testTheShippedSchemeIsPublishedAsVersionOneOnFirstStart() async throws {
        let f = try await EntryFixture()
        let current = try await f.employee.getScheme(GetSchemeRequest())
        XCTAssertEqual(current.version, 1)
        XCTAssertEqual(current.hash, try SchemeLoader.defaultScheme().hash)
        XCTAssertEqual(Set(current.libraries.map(\.code)), ["COMMON", "HV_EXPANSION", "LV_EXPANSION", "METERING_INSPECTION"])
        XCTAssertTrue(current.libraries.allSatisfy { $0.version == 1 })
        let gift = try XCTUnwrap(current.libraries[0].tags.first { $0.code == "GIFT_ACCEPTED" })
        XCTAssertTrue(gift.evidenceRequired)
        XCTAssertEqual(gift.points, "10")
        // The document is the file form: it reads back to the same scheme.
        XCTAssertEqual(try SchemeLoader.load(Data(current.document.utf8)).hash, current.hash)
        let versions = try await f.hr.listSchemeVersions(ListSchemeVersionsRequest())
        XCTAssertEqual(versions.totalSize, 1)
        XCTAssertEqual(versions.versions.first?.tagCount, Int32(current.libraries.reduce(0) { $0 + $1.tags.count }))
        let draft = try await f.inspector.getScheme(GetSchemeRequest(draft: true))
        XCTAssertEqual(draft.hash, current.hash)
        XCTAssertEqual(draft.basedOnVersion, 1)
    }

    func testEditingTagByTagAndPublishingMakesANewVersionWhileOldOnesStayReadable() async throws {
        let f = try await EntryFixture()
        var draft = try await f.admin.getScheme(GetSchemeRequest(draft: true))
        draft = try await f.admin.addSchemeTag(AddSchemeTagRequest(
            requestId: "add-1", libraryCode: "COMMON",
            tag: SchemeTag(code: "SELF_EXAMINATION", name: "开展廉洁自查", dimension: .awareness, polarity: .credit, points: "1.5",
                           windowMonths: 12, maxPerPeriod: 2),
            etag: draft.etag))
        XCTAssertTrue(draft.libraries[0].tags.contains { $0.code == "SELF_EXAMINATION" })
        draft = try await f.admin.updateSchemeTag(UpdateSchemeTagRequest(
            libraryCode: "COMMON", tag: SchemeTag(code: "GIFT_ACCEPTED", points: "12"), updateMask: ["points"], etag: draft.etag))
        draft = try await f.admin.retireSchemeTag(RetireSchemeTagRequest(requestId: "retire-1", libraryCode: "COMMON",
                                                                        code: "TRAINING_ABSENT", etag: draft.etag))
        draft = try await f.admin.updateSchemeDraft(UpdateSchemeDraftRequest(
            scheme: Scheme(label: "2027.1", grades: GradeBands(excellent: "92", good: "82", fair: "70")),
            updateMask: ["label", "grades"], etag: draft.etag))
        XCTAssertEqual(draft.label, "2027.1")
        let published = try await f.admin.publishScheme(PublishSchemeRequest(requestId: "pub-1", note: "2027 年度调整", etag: draft.etag))
        XCTAssertEqual(published.version, 2)
        XCTAssertEqual(published.note, "2027 年度调整")
        XCTAssertEqual(published.changedBy, try f.accountID("admin"))
        let versions = Dictionary(uniqueKeysWithValues: published.libraries.map { ($0.code, $0.version) })
        XCTAssertEqual(versions, ["COMMON": 2, "HV_EXPANSION": 1, "LV_EXPANSION": 1, "METERING_INSPECTION": 1],
                       "only the library that changed takes a new version")
        let retired = try XCTUnwrap(published.libraries[0].tags.first { $0.code == "TRAINING_ABSENT" })
        XCTAssertTrue(retired.retired, "a retired tag stays in the library")

        let old = try await f.manager.getScheme(GetSchemeRequest(version: 1))
        XCTAssertEqual(old.hash, try SchemeLoader.defaultScheme().hash, "version 1 never changes")
        XCTAssertEqual(old.libraries[0].tags.first { $0.code == "GIFT_ACCEPTED" }?.points, "10")
        let current = try await f.manager.getScheme(GetSchemeRequest())
        XCTAssertEqual(current.version, 2)
        let list = try await f.manager.listSchemeVersions(ListSchemeVersionsRequest(pageSize: 1))
        XCTAssertEqual(list.versions.map(\.version), [2])
        XCTAssertEqual(list.totalSize, 2)
        let next = try await f.manager.listSchemeVersions(ListSchemeVersionsRequest(pageSize: 1, pageToken: list.nextPageToken))
        XCTAssertEqual(next.versions.map(\.version), [1])
        XCTAssertEqual(next.nextPageToken, "")

        // A retired tag takes no new entries; a new one does.
        let e = await assertRPCError(.invalidArgument) { try await f.manager.submitEntry(f.submission(tag: "TRAINING_ABSENT")) }
        XCTAssertEqual(e?.violations.map(\.field), ["tag"])
        XCTAssertTrue(e?.violations.first?.description.contains("retired") == true)
        let entry = try await f.manager.submitEntry(f.submission(tag: "SELF_EXAMINATION"))
        XCTAssertEqual(entry.tag, "COMMON@2/SELF_EXAMINATION")
        XCTAssertEqual(entry.schemeVersion, 2)
    }

    func testOnlyEditorsCoveringARootChangeTheSchemeAndEveryoneReadsIt() async throws {
        let f = try await EntryFixture()
        let draft = try await f.inspector.getScheme(GetSchemeRequest(draft: true))
        // A district inspector reads it but does not change what applies to every district.
        await assertRPCError(.permissionDenied) {
            try await f.inspector.retireSchemeTag(RetireSchemeTagRequest(requestId: "r", libraryCode: "COMMON", code: "PLEDGE_SIGNED", etag: draft.etag))
        }
        await assertRPCError(.permissionDenied) {
            try await f.manager.publishScheme(PublishSchemeRequest(requestId: "p", note: "x", etag: draft.etag))
        }
        // Refused for the role before anything about the draft is looked at: a tag that is
        // not there is not told apart from one that is.
        await assertRPCError(.permissionDenied) {
            try await f.inspector.retireSchemeTag(RetireSchemeTagRequest(requestId: "r2", libraryCode: "NO_SUCH", code: "NONE", etag: draft.etag))
        }
        await assertRPCError(.permissionDenied) {
            try await f.inspector.updateSchemeTag(UpdateSchemeTagRequest(libraryCode: "COMMON", tag: SchemeTag(code: "NONE", points: "1"),
                                                                         updateMask: ["points"], etag: draft.etag))
        }
        _ = try await f.employee.getScheme(GetSchemeRequest(version: 1))
        await assertRPCError(.unauthenticated) { try await f.d.anonymous().entryService.getScheme(GetSchemeRequest()) }
        await assertRPCError(.notFound) { try await f.employee.getScheme(GetSchemeRequest(version: 7)) }
        await assertRPCError(.invalidArgument) { try await f.employee.getScheme(GetSchemeRequest(version: 1, draft: true)) }
    }

    func testPublishingNeedsANoteTheEtagAsReadAndAChange() async throws {
        let f = try await EntryFixture()
        var draft = try await f.admin.getScheme(GetSchemeRequest(draft: true))
        await assertRPCError(.failedPrecondition) {
            try await f.admin.publishScheme(PublishSchemeRequest(requestId: "p1", note: "无变化", etag: draft.etag))
        }
        let before = draft.etag
        draft = try await f.admin.updateSchemeTag(UpdateSchemeTagRequest(
            libraryCode: "COMMON", tag: SchemeTag(code: "PLEDGE_SIGNED", evidenceRequired: true), updateMask: ["evidence_required"], etag: draft.etag))
        await assertRPCError(.aborted) {
            try await f.admin.publishScheme(PublishSchemeRequest(requestId: "p2", note: "旧版本", etag: before))
        }
        let e = await assertRPCError(.invalidArgument) {
            try await f.admin.publishScheme(PublishSchemeRequest(requestId: "p3", note: "  ", etag: draft.etag))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["note"])
        let published = try await f.admin.publishScheme(PublishSchemeRequest(requestId: "p4", note: "承诺书需附件", etag: draft.etag))
        XCTAssertEqual(published.version, 2)
        // The same request again answers the same version and publishes nothing more.
        let again = try await f.admin.publishScheme(PublishSchemeRequest(requestId: "p4", note: "承诺书需附件", etag: draft.etag))
        XCTAssertEqual(again.version, 2)
        let count = try await f.admin.listSchemeVersions(ListSchemeVersionsRequest()).totalSize
        XCTAssertEqual(count, 2)
    }

    func testAReplacedDraftIsCheckedAndEveryProblemNamedByItsPath() async throws {
        let f = try await EntryFixture()
        let current = try await f.admin.getScheme(GetSchemeRequest(draft: true))
        var text = current.document
        text = text.replacingOccurrences(of: "\"points\": \"10\"", with: "\"points\": \"0\"")  // GIFT_ACCEPTED
        text = text.replacingOccurrences(of: "\"excellent\": \"90\"", with: "\"excellent\": \"60\"")
        let e = await assertRPCError(.invalidArgument) {
            try await f.admin.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: "r1", document: text, etag: current.etag))
        }
        let fields = Set(e?.violations.map(\.field) ?? [])
        XCTAssertTrue(fields.contains("document.grades"), "\(fields)")
        XCTAssertTrue(fields.contains { $0.hasPrefix("document.libraries[0].tags[") && $0.hasSuffix("].points") }, "\(fields)")

        let misspelt = current.document.replacingOccurrences(of: "\"windowMonths\": 3,", with: "\"windowMonth\": 3,")
        let m = await assertRPCError(.invalidArgument) {
            try await f.admin.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: "r2", document: misspelt, etag: current.etag))
        }
        XCTAssertEqual(m?.violations.first?.field, "document.libraries[0].tags[0].windowMonth")

        let removed = current.document.components(separatedBy: "\n").filter { !$0.contains("\"PLEDGE_SIGNED\"") }.joined(separator: "\n")
        let r = await assertRPCError(.invalidArgument) {
            try await f.admin.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: "r3", document: removed, etag: current.etag))
        }
        XCTAssertTrue(r?.violations.contains { $0.description.contains("COMMON/PLEDGE_SIGNED") } == true, "\(String(describing: r))")

        let unknownCategory = current.document.replacingOccurrences(of: "\"category\": \"LV_EXPANSION\"", with: "\"category\": \"NO_SUCH\"")
        let c = await assertRPCError(.invalidArgument) {
            try await f.admin.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: "r4", document: unknownCategory, etag: current.etag))
        }
        XCTAssertTrue(c?.violations.contains { $0.field == "document.libraries[2].category" } == true, "\(String(describing: c))")

        // Nothing of the refused drafts landed.
        let after = try await f.admin.getScheme(GetSchemeRequest(draft: true))
        XCTAssertEqual(after.hash, current.hash)
        XCTAssertEqual(after.etag, current.etag)

        // A good file replaces the draft; discarding brings the published version back.
        let good = current.document.replacingOccurrences(of: "\"excellent\": \"90\"", with: "\"excellent\": \"91\"")
        let replaced = try await f.admin.replaceSchemeDraft(ReplaceSchemeDraftRequest(requestId: "r5", document: good, etag: current.etag))
        XCTAssertEqual(replaced.grades?.excellent, "91")
        let discarded = try await f.admin.discardSchemeDraft(DiscardSchemeDraftRequest(requestId: "d1", etag: replaced.etag))
        XCTAssertEqual(discarded.hash, current.hash)
    }

    func testTagEditsNameTheRequestFields() async throws {
        let f = try await EntryFixture()
        let draft = try await f.admin.getScheme(GetSchemeRequest(draft: true))
        let e = await assertRPCError(.invalidArgument) {
            try await f.admin.addSchemeTag(AddSchemeTagRequest(requestId: "a1", libraryCode: "COMMON", tag: SchemeTag(
                code: "BAD_TAG", name: "坏标签", dimension: .problems, polarity: .credit, points: "200", redLine: true, windowMonths: 0),
                etag: draft.etag))
        }
        XCTAssertEqual(Set(e?.violations.map(\.field) ?? []), ["tag.points", "tag.window_months", "tag.red_line"])
        await assertRPCError(.alreadyExists) {
            try await f.admin.addSchemeTag(AddSchemeTagRequest(requestId: "a2", libraryCode: "COMMON", tag: SchemeTag(
                code: "GIFT_ACCEPTED", name: "重复", dimension: .problems, polarity: .debit, points: "1", windowMonths: 1), etag: draft.etag))
        }
        await assertRPCError(.notFound) {
            try await f.admin.retireSchemeTag(RetireSchemeTagRequest(requestId: "a3", libraryCode: "NO_SUCH", code: "X", etag: draft.etag))
        }
        let u = await assertRPCError(.invalidArgument) {
            try await f.admin.updateSchemeTag(UpdateSchemeTagRequest(libraryCode: "COMMON", tag: SchemeTag(code: "GIFT_ACCEPTED"),
                                                                     updateMask: ["retired"], etag: draft.etag))
        }
        XCTAssertEqual(u?.violations.map(\.field), ["update_mask"])
        let d = await assertRPCError(.invalidArgument) {
            try await f.admin.updateSchemeDraft(UpdateSchemeDraftRequest(
                scheme: Scheme(categoryCoefficients: [CategoryCoefficient(categoryCode: "HV_EXPANSION", dimension: .problems, coefficient: "9")]),
                updateMask: ["category_coefficients"], etag: draft.etag))
        }
        XCTAssertEqual(d?.violations.map(\.field), ["scheme.category_coefficients"])
    }
}
