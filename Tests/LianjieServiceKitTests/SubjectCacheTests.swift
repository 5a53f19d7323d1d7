import Foundation
@testable import LianjieServiceKit
import LianjieStore
import XCTest

/// The subject cache never answers with a subject or organisation older than the last
/// committed change to either, whichever write made it.
final class SubjectCacheTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = NSTemporaryDirectory() + "lianjie-subjects-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func org(_ id: String) -> OrganizationRecord {
        OrganizationRecord(id: id, name: id.uppercased(), kind: 1, parentID: "", path: "/\(id)/", createTime: 1, updateTime: 1)
    }

    func testAChangeToASubjectOrItsOrganisationIsSeenAtTheNextLookupAndNothingElseEmptiesTheCache() throws {
        let store = try SQLiteStore(directory: directory)
        var subject = SubjectRecord(id: "sub_1", employeeNumber: "E1", name: "N", organizationID: "org_a", categoryID: "cat_1", postID: "post_1",
                                    positionLevel: 1, status: 1, accountID: "", postEntryDate: "2024-01-01", createTime: 1, updateTime: 1)
        try store.write { tx in
            for o in [org("org_a"), org("org_b")] { try tx.createOrganization(o) }
            try tx.createCategory(CategoryRecord(id: "cat_1", code: "HV", name: "HV"))
            try tx.createPost(PostRecord(id: "post_1", code: "MGR", name: "Manager", categoryID: "cat_1", riskCoefficient: "1.20"))
            try tx.createSubject(subject, placement: PlacementRecord(subjectID: "sub_1", organizationID: "org_a", fromDate: "2024-01-01",
                                                                     reason: "created", changedBy: "acc"))
        }
        let cache = SubjectCache()
        func lookup(_ key: String) throws -> (String, String, String)? {
            let generation = store.subjectGeneration
            return try store.read { r in try cache.subjectWithOrganization(key: key, generation: generation, now: 100, r) }
                .map { ($0.0.id, $0.1.name, $0.1.path) }
        }
        XCTAssertEqual(try lookup("E1")?.2, "/org_a/", "by employee number")
        XCTAssertEqual(try lookup("sub_1")?.2, "/org_a/", "by id")
        XCTAssertNil(try lookup("E2"))

        // Writes to other tables leave it be.
        let before = store.subjectGeneration
        XCTAssertEqual(before % 2, 0, "even when no change is committing")
        try store.write { try $0.createCategory(CategoryRecord(id: "cat_2", code: "LV", name: "LV")) }
        XCTAssertEqual(store.subjectGeneration, before)

        // A move, a rename or move of the organisation, a subject created later: each seen at once.
        subject.organizationID = "org_b"
        subject.updateTime = 2
        try store.write { try $0.updateSubject(subject) }
        XCTAssertEqual(store.subjectGeneration, before + 2, "odd while the change commits, even again after")
        XCTAssertEqual(try lookup("E1")?.2, "/org_b/")
        var b = org("org_b")
        b.name = "Renamed"
        try store.write { try $0.updateOrganization(b) }
        XCTAssertEqual(try lookup("sub_1")?.1, "Renamed")
        try store.write { try $0.moveOrganization(id: "org_b", newParentID: "org_a", newPath: "/org_a/org_b/", at: 3) }
        XCTAssertEqual(try lookup("sub_1")?.2, "/org_a/org_b/")
        try store.write { tx in
            try tx.createSubject(SubjectRecord(id: "sub_2", employeeNumber: "E2", name: "M", organizationID: "org_a", categoryID: "cat_1",
                                               postID: "post_1", positionLevel: 1, status: 1, accountID: "", postEntryDate: "2024-01-01",
                                               createTime: 1, updateTime: 1),
                                 placement: PlacementRecord(subjectID: "sub_2", organizationID: "org_a", fromDate: "2024-01-01", reason: "created", changedBy: "acc"))
        }
        XCTAssertEqual(try lookup("E2")?.0, "sub_2")

        // At an odd generation (a change committing) nothing is used or kept.
        let odd: UInt64 = 101
        _ = try store.read { try cache.subjectWithOrganization(key: "E1", generation: odd, now: 100, $0) }
        subject.name = "Changed"
        try store.write { try $0.updateSubject(subject) }
        XCTAssertEqual(try store.read { try cache.subjectWithOrganization(key: "E1", generation: odd, now: 100, $0) }?.0.name, "Changed")
    }
}
