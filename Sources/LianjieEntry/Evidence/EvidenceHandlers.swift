import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieSecurity
import LianjieServiceKit
import LianjieStore

/// Evidence files: uploaded in acknowledged chunks (resumable), checked against their
/// SHA-256 and content type, stored content-addressed, read back in chunks.
struct EvidenceHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EntryService.startEvidenceUpload, audit: .change, on: &router, start)
        kit.register(EntryService.putEvidenceChunk, audit: .change, on: &router, put)
        kit.register(EntryService.getEvidenceUpload, audit: .none, on: &router) { request, call in
            let upload = try Self.ownUpload(request.uploadId, call)
            return Self.message(upload)
        }
        kit.register(EntryService.finishEvidenceUpload, audit: .change, on: &router, finish)
        kit.register(EntryService.getEvidence, audit: .read, on: &router, get)
    }

    /// The largest chunk taken or sent; well under the wire's 4 MiB body limit.
    static let maxChunkBytes = 1 << 20
    /// Unfinished uploads one account may have open at once (so nobody fills the disk with
    /// announced files before they expire).
    static let maxOpenUploads = 20
    static let notFound = RPCError(.notFound, "no such upload (it may have expired)")

    static func message(_ u: UploadRecord) -> EvidenceUpload {
        EvidenceUpload(id: u.id, fileName: u.fileName, contentType: u.contentType, size: u.size, sha256: u.sha256, received: u.received,
                       expireTime: CalendarDays.time(u.expireTime), maxChunkBytes: Int32(maxChunkBytes))
    }

    static func reference(_ e: EvidenceRecord) -> EvidenceRef {
        EvidenceRef(id: e.id, fileName: e.fileName, contentType: e.contentType, size: e.size, sha256: e.sha256)
    }

    /// The caller's own unexpired upload; NOT_FOUND for anything else.
    static func ownUpload(_ id: String, _ call: Call) throws -> UploadRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: "upload_id", "is required") }
        guard let u = try call.read({ try $0.upload(id: id) }), u.accountID == call.caller.id, u.expireTime > call.now else { throw notFound }
        call.target = AuditLog.Target(type: "evidence_upload", id: u.id)
        return u
    }

    func start(_ request: StartEvidenceUploadRequest, _ call: Call) throws -> EvidenceUpload {
        let settings = call.kit.settings
        var v = Violations()
        let name = request.fileName.trimmingSpaces
        if name.isEmpty || name.count > 255 || name.contains("/") || name.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            v.add("file_name", "must be 1-255 characters without '/' or control characters")
        }
        if !settings.evidenceContentTypes.contains(request.contentType) {
            v.add("content_type", "must be one of \(settings.evidenceContentTypes.sorted().joined(separator: ", "))")
        }
        if request.size < 1 || request.size > settings.maxEvidenceBytes {
            v.add("size", "must be 1 byte to \(settings.maxEvidenceBytes >> 20) MiB")
        }
        let hash = request.sha256.lowercased()
        if hash.utf8.count != 64 || Digest.bytes(hex: hash) == nil { v.add("sha256", "must be 64 hexadecimal digits") }
        try v.check()
        let now = call.now
        let upload = UploadRecord(id: Identifiers.new(prefix: "upl"), accountID: call.caller.id, fileName: name,
                                  contentType: request.contentType, size: request.size, sha256: hash, createTime: now,
                                  expireTime: now + settings.uploadExpirySeconds)
        Self.pruneExpired(call)
        if try call.read({ try $0.openUploadCount(accountID: call.caller.id, at: now) }) >= Self.maxOpenUploads {
            throw RPCError(.resourceExhausted, "you have \(Self.maxOpenUploads) unfinished uploads; finish or abandon some first (they expire)")
        }
        call.target = AuditLog.Target(type: "evidence_upload", id: upload.id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createUpload(upload)
            return Self.message(upload)
        }
    }

    /// Throws away a few uploads past their expiry (each start does a little of this). Best
    /// effort: housekeeping that fails is logged and tried again by the next start.
    static func pruneExpired(_ call: Call) {
        do {
            let expired = try call.store.read { try $0.expiredUploads(at: call.now, limit: 16) }
            guard !expired.isEmpty else { return }
            for u in expired { try call.store.blobs.removeUpload(id: u.id) }
            try call.store.write { tx in for u in expired { try tx.deleteUpload(id: u.id) } }
        } catch {
            call.logger.warning("cannot remove expired uploads", ["error": .text(String(describing: error))])
        }
    }

    func put(_ request: PutEvidenceChunkRequest, _ call: Call) throws -> EvidenceUpload {
        var upload = try Self.ownUpload(request.uploadId, call)
        let length = Int64(request.data.count)
        guard length > 0, length <= Int64(Self.maxChunkBytes) else {
            throw RPCError.invalidArgument(field: "data", "must be 1 byte to \(Self.maxChunkBytes >> 10) KiB")
        }
        guard request.offset >= 0, request.offset <= upload.size else {
            throw RPCError.invalidArgument(field: "offset", "must be between 0 and the file's size")
        }
        guard length <= upload.size - request.offset else {
            throw RPCError.invalidArgument(field: "data", "goes past the announced size of \(upload.size) bytes")
        }
        if request.offset + length <= upload.received { return Self.message(upload) }  // sent again: acknowledged
        guard request.offset == upload.received else {
            throw RPCError(.failedPrecondition, "the upload has \(upload.received) bytes; send the chunk at offset \(upload.received)")
        }
        try StoreErrors.call(logger: call.logger, method: call.method) {
            try call.store.blobs.writeUpload(id: upload.id, offset: request.offset, request.data)
        }
        let from = upload.received
        upload.received = request.offset + length
        let next = upload
        return try call.write { tx in
            guard try tx.advanceUpload(id: next.id, from: from, to: next.received) else {
                throw RPCError(.aborted, "another chunk of this upload landed meanwhile; ask where it stands and resume")
            }
            return Self.message(next)
        }
    }

    func finish(_ request: FinishEvidenceUploadRequest, _ call: Call) throws -> EvidenceRef {
        let upload = try Self.ownUpload(request.uploadId, call)
        guard upload.received == upload.size else {
            throw RPCError(.failedPrecondition, "the upload has \(upload.received) of \(upload.size) bytes; send the rest first")
        }
        let blobs = call.store.blobs
        // A finish that stored the file but whose record did not land (the call timed out
        // meanwhile): the file was checked before it was moved, so the retry just records it.
        let storedBefore = !blobs.hasUpload(id: upload.id) && blobs.contains(sha256: upload.sha256)
        let (hash, head) = storedBefore ? (upload.sha256, []) : try StoreErrors.call(logger: call.logger, method: call.method) { () throws -> (String, [UInt8]) in
            let stream = Digest.SHA256Stream()
            var offset: Int64 = 0, head: [UInt8] = []
            while offset < upload.size {
                let chunk = try blobs.readUpload(id: upload.id, offset: offset, length: Self.maxChunkBytes)
                guard !chunk.isEmpty else { break }
                if offset == 0 { head = Array(chunk.prefix(16)) }
                chunk.withUnsafeBytes { stream.update($0) }
                offset += Int64(chunk.count)
            }
            return (Digest.hex(stream.finish()), head)
        }
        var refusal: RPCError?
        if hash != upload.sha256 {
            refusal = RPCError.invalidArgument(field: "upload_id", "the file received does not match its SHA-256 (a chunk was damaged); it was thrown away: upload it again")
        } else if !storedBefore, ContentTypes.matches(upload.contentType, head: head) == false {
            refusal = RPCError.invalidArgument(field: "upload_id", "the file is not a \(upload.contentType); it was thrown away")
        }
        if let refusal {
            try StoreErrors.call(logger: call.logger, method: call.method) {
                try blobs.removeUpload(id: upload.id)
                try call.store.write { tx in try tx.deleteUpload(id: upload.id) }
            }
            throw refusal
        }
        if !storedBefore { try StoreErrors.call(logger: call.logger, method: call.method) { try blobs.commitUpload(id: upload.id, sha256: hash) } }
        let evidence = EvidenceRecord(id: Identifiers.new(prefix: "evi"), sha256: hash, fileName: upload.fileName,
                                      contentType: upload.contentType, size: upload.size, uploadedBy: call.caller.id, createTime: call.now)
        call.target = AuditLog.Target(type: "evidence", id: evidence.id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createEvidence(evidence)
            try tx.deleteUpload(id: upload.id)
            return Self.reference(evidence)
        }
    }

    func get(_ request: GetEvidenceRequest, _ call: Call) throws -> EvidenceChunk {
        guard !request.id.isEmpty else { throw RPCError.invalidArgument(field: "id", "is required") }
        let found = try call.read { r -> (EvidenceRecord, [(EntryRecord, OrganizationRecord)], [CaseRecord])? in
            guard let e = try r.evidence(id: request.id) else { return nil }
            var attached: [(EntryRecord, OrganizationRecord)] = []
            for id in try r.entryIDs(evidenceID: e.id) {
                if let entry = try r.entry(id: id), let s = try r.subject(id: entry.subjectID), let o = try r.organization(id: s.organizationID) {
                    attached.append((entry, o))
                }
            }
            return (e, attached, try r.caseIDs(evidenceID: e.id).compactMap { try r.caseRecord(id: $0) })
        }
        guard let (evidence, attached, cases) = found else { throw RPCError(.notFound, "no such evidence") }
        let reachable = attached.first { entry, org in
            EntryHandlers.staffView(call.caller, entry, org) || EntryHandlers.isOwnVisible(call.caller, entry)
        }.map { (id: $0.1.id, path: $0.1.path) }
        // Evidence a case cites is read by whoever reads the case (result use's readers).
        let caseStaff = Roles.discipline.union([.manager])
        let viaCase = cases.first { call.caller.covers(caseStaff, path: $0.organizationPath) && $0.subjectID != call.caller.subjectID }
            .map { (id: $0.organizationID, path: $0.organizationPath) }
        let reach = reachable ?? viaCase
        call.target = AuditLog.Target(type: "evidence", id: evidence.id, organizationID: reach?.id ?? "", organizationPath: reach?.path ?? "")
        guard reach != nil || evidence.uploadedBy == call.caller.id else { throw RPCError(.notFound, "no such evidence") }
        guard request.offset >= 0, request.offset <= evidence.size else {
            throw RPCError.invalidArgument(field: "offset", "must be between 0 and the file's size (\(evidence.size))")
        }
        guard request.length >= 0 else { throw RPCError.invalidArgument(field: "length", "must not be negative") }
        let length = request.length == 0 ? Self.maxChunkBytes : min(Int(request.length), Self.maxChunkBytes)
        let data = try StoreErrors.call(logger: call.logger, method: call.method) {
            try call.store.blobs.read(sha256: evidence.sha256, offset: request.offset, length: length)
        }
        return EvidenceChunk(evidence: Self.reference(evidence), offset: request.offset, data: data,
                             last: request.offset + Int64(data.count) >= evidence.size)
    }
}
