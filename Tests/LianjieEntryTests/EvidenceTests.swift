import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieServiceKit
import LianjieXCTestSupport
import XCTest

/// Evidence files: chunked, acknowledged, resumable uploads checked against their hash and
/// type, stored content-addressed, and read back only by whoever may see the entry.
final class EvidenceTests: XCTestCase {
    /// A PDF-looking file of `size` bytes whose content depends on `seed`.
    static func pdf(_ size: Int, seed: UInt8 = 1) -> [UInt8] {
        var bytes = Array("%PDF-1.7\n".utf8)
        var x = UInt32(seed) &* 2654435761
        while bytes.count < size {
            x = x &* 1664525 &+ 1013904223
            bytes.append(UInt8(truncatingIfNeeded: x >> 24))
        }
        return bytes
    }

    static func chunks(_ bytes: [UInt8], _ size: Int) -> [(Int64, [UInt8])] {
        stride(from: 0, to: bytes.count, by: size).map { (Int64($0), Array(bytes[$0..<min($0 + size, bytes.count)])) }
    }

    func upload(_ c: EntryServiceClient, _ bytes: [UInt8], type: String = "application/pdf", name: String = "收据.pdf") async throws -> EvidenceRef {
        let u = try await c.startEvidenceUpload(StartEvidenceUploadRequest(requestId: UUID().uuidString, fileName: name, contentType: type,
                                                                          size: Int64(bytes.count), sha256: Digest.hex(Digest.sha256(bytes))))
        for (offset, chunk) in Self.chunks(bytes, Int(u.maxChunkBytes)) {
            let ack = try await c.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: offset, data: chunk))
            XCTAssertEqual(ack.received, offset + Int64(chunk.count))
        }
        return try await c.finishEvidenceUpload(FinishEvidenceUploadRequest(requestId: UUID().uuidString, uploadId: u.id))
    }

    func download(_ c: EntryServiceClient, _ id: String) async throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try await c.getEvidence(GetEvidenceRequest(id: id, offset: Int64(out.count)))
            out += chunk.data
            if chunk.last { return out }
        }
    }

    func testAFileUploadedInChunksIsStoredByItsHashAndReadBackByWhoMaySeeTheEntry() async throws {
        let f = try await EntryFixture()
        let file = Self.pdf(2_500_000)
        let evidence = try await upload(f.manager, file)
        XCTAssertEqual(evidence.size, 2_500_000)
        XCTAssertEqual(evidence.sha256, Digest.hex(Digest.sha256(file)))
        let stored = f.d.directory + "/blobs/objects/\(evidence.sha256.prefix(2))/\(evidence.sha256)"
        XCTAssertEqual(FileManager.default.contents(atPath: stored).map(Array.init), file, "content-addressed under the data directory")

        var s = f.submission("HV0001", tag: "GIFT_ACCEPTED", description: "收受客户购物卡")
        s.evidenceIds = [evidence.id]
        let entry = try await f.manager.submitEntry(s)
        XCTAssertEqual(entry.evidence.map(\.id), [evidence.id])
        let read = try await download(f.inspector, evidence.id)
        XCTAssertEqual(read, file)
        await assertRPCError(.notFound) { try await f.inspector2.getEvidence(GetEvidenceRequest(id: evidence.id)) }
        await assertRPCError(.notFound) { try await f.employee.getEvidence(GetEvidenceRequest(id: evidence.id)) }
        _ = try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: entry.id))
        let mine = try await f.employee.getEvidence(GetEvidenceRequest(id: evidence.id, length: 100))
        XCTAssertEqual(mine.data, Array(file.prefix(100)), "the employee reads the evidence of a confirmed entry about them")
        XCTAssertFalse(mine.last)
        let reads = try f.d.auditEntries(method: EntryService.getEvidence.path).filter { $0.recordID == evidence.id }
        XCTAssertGreaterThanOrEqual(reads.count, 4, "every download is audited, refusals too")

        // Someone else's evidence cannot be attached to an entry.
        var borrowed = f.submission("HV0002", tag: "GIFT_ACCEPTED")
        borrowed.evidenceIds = [evidence.id]
        await assertRPCError(.notFound) { try await f.inspector.submitEntry(borrowed) }
    }

    func testAnUploadResumesWhereTheServerSaysAndAChunkSentTwiceIsAcknowledged() async throws {
        let f = try await EntryFixture()
        let file = Self.pdf(2_200_000, seed: 2)
        let parts = Self.chunks(file, 1 << 20)
        let u = try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(requestId: "u1", fileName: "a.pdf", contentType: "application/pdf",
                                                                                  size: Int64(file.count), sha256: Digest.hex(Digest.sha256(file))))
        _ = try await f.manager.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: parts[0].0, data: parts[0].1))
        // The connection dropped: a new client asks where the upload stands.
        let again = try await f.d.entries("manager")
        let gap = await assertRPCError(.failedPrecondition) {
            try await again.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: parts[2].0, data: parts[2].1))
        }
        XCTAssertTrue(gap?.message.contains("offset 1048576") == true, gap?.message ?? "")
        let where_ = try await again.getEvidenceUpload(GetEvidenceUploadRequest(uploadId: u.id))
        XCTAssertEqual(where_.received, 1 << 20)
        let repeated = try await again.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: parts[0].0, data: parts[0].1))
        XCTAssertEqual(repeated.received, 1 << 20, "a chunk sent again is acknowledged, not written twice")
        for (offset, data) in parts.dropFirst() {
            _ = try await again.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: offset, data: data))
        }
        let done = try await again.finishEvidenceUpload(FinishEvidenceUploadRequest(requestId: "f1", uploadId: u.id))
        let back = try await download(f.manager, done.id)
        XCTAssertEqual(back, file)
        // The same finish again answers the same evidence.
        let replay = try await again.finishEvidenceUpload(FinishEvidenceUploadRequest(requestId: "f1", uploadId: u.id))
        XCTAssertEqual(replay, done)
        // Nobody else touches the upload.
        await assertRPCError(.notFound) { try await f.inspector.getEvidenceUpload(GetEvidenceUploadRequest(uploadId: u.id)) }
    }

    func testACorruptedChunkOrAWrongTypeIsRefusedAndThrownAway() async throws {
        let f = try await EntryFixture()
        let file = Self.pdf(300_000, seed: 3)
        var damaged = file
        damaged[150_000] ^= 0xFF
        let u = try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(requestId: "u", fileName: "b.pdf", contentType: "application/pdf",
                                                                                  size: Int64(file.count), sha256: Digest.hex(Digest.sha256(file))))
        _ = try await f.manager.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 0, data: damaged))
        let e = await assertRPCError(.invalidArgument) { try await f.manager.finishEvidenceUpload(FinishEvidenceUploadRequest(uploadId: u.id)) }
        XCTAssertTrue(e?.violations.first?.description.contains("SHA-256") == true)
        await assertRPCError(.notFound) { try await f.manager.getEvidenceUpload(GetEvidenceUploadRequest(uploadId: u.id)) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.d.directory + "/blobs/uploads"), [])

        let exe = Array("MZ\u{90}\u{0}this is no pdf".utf8)
        let w = await assertRPCError(.invalidArgument) { try await self.upload(f.manager, exe) }
        XCTAssertTrue(w?.violations.first?.description.contains("not a application/pdf") == true, "\(String(describing: w))")
    }

    func testAnnouncementsAreCheckedFieldByField() async throws {
        var settings = ServiceSettings()
        settings.maxEvidenceBytes = 1 << 20
        let f = try await EntryFixture(settings: settings)
        let e = await assertRPCError(.invalidArgument) {
            try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "../x", contentType: "application/x-msdownload",
                                                                              size: 2 << 20, sha256: "abc"))
        }
        XCTAssertEqual(Set(e?.violations.map(\.field) ?? []), ["file_name", "content_type", "size", "sha256"])
        let file = Self.pdf(1000, seed: 4)
        let u = try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "c.pdf", contentType: "application/pdf",
                                                                                  size: 1000, sha256: Digest.hex(Digest.sha256(file))))
        let past = await assertRPCError(.invalidArgument) {
            try await f.manager.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 500, data: Array(file.prefix(600))))
        }
        XCTAssertEqual(past?.violations.map(\.field), ["data"])
        await assertRPCError(.failedPrecondition) { try await f.manager.finishEvidenceUpload(FinishEvidenceUploadRequest(uploadId: u.id)) }
        await assertRPCError(.permissionDenied) { try await f.employee.startEvidenceUpload(StartEvidenceUploadRequest()) }
    }

    func testUnfinishedUploadsExpireAndTheirBytesGo() async throws {
        let f = try await EntryFixture()
        let file = Self.pdf(5000, seed: 5)
        let u = try await f.manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "d.pdf", contentType: "application/pdf",
                                                                                  size: 10_000, sha256: Digest.hex(Digest.sha256(file))))
        _ = try await f.manager.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 0, data: file))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.d.directory + "/blobs/uploads"), [u.id])
        f.d.clock.advance(seconds: 25 * 3600)
        let manager = try await f.d.entries("manager")  // the old session idled out
        await assertRPCError(.notFound) { try await manager.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 5000, data: file)) }
        _ = try await manager.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "e.pdf", contentType: "application/pdf", size: 1,
                                                                            sha256: String(repeating: "0", count: 64)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: f.d.directory + "/blobs/uploads"), [], "the expired upload was removed")
    }
}
