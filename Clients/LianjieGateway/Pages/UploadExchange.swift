import Foundation
import LianjieMessages
import LianjieRPC
import LianjieSecurity

/// What a multipart form carried: its small fields, and the file it held, already stored
/// by lianjied as evidence (or why that failed).
struct UploadedEvidence: Sendable {
    var fields: [String: String] = [:]
    var evidence: EvidenceRef?
    var error: RPCError?
}

/// A `multipart/form-data` post with one file, streamed into lianjied's chunked evidence
/// upload as it arrives: at most one chunk (≤ 1 MiB) is held at a time, whatever the
/// file's size. The form's `size` and `sha256` fields (filled in by the page's script)
/// must come before the file, as lianjied wants both before the first byte; the CSRF token
/// is checked before anything is sent on.
final class UploadExchange: HTTPExchange {
    private let head: HTTPRequestHead
    private let site: MobileSite
    private let respond: (HTTPRequest, UploadedEvidence) -> HTTPResponse
    private var parser: MultipartParser?
    private var result = UploadedEvidence()
    let refusal: HTTPResponse?

    /// The part being read: a small field (its bytes so far) or the file.
    private enum Part { case field(String, [UInt8]), file, skipped }
    private var part: Part?
    private var upload: EvidenceUpload?
    private var chunk: [UInt8] = []
    private var sent: Int64 = 0
    private var fieldCount = 0
    private var fileSeen = false

    static let maxFieldBytes = 8 * 1024
    static let maxFields = 64

    init(_ head: HTTPRequestHead, site: MobileSite, limit: Int, respond: @escaping (HTTPRequest, UploadedEvidence) -> HTTPResponse) {
        self.head = head
        self.site = site
        self.respond = respond
        parser = head.header("content-type").flatMap(MultipartParser.init(contentType:))
        if let declared = head.contentLength, declared > limit {
            refusal = site.errorPage(413, "文件太大", "上传的内容超过了 \(limit / 1_048_576) MB 的上限，请换一张较小的照片。", viewer: nil)
        } else if head.contentLength == nil {
            refusal = site.errorPage(411, "无法上传", "上传需要注明长度（Content-Length）。", viewer: nil)
        } else if parser == nil {
            refusal = site.errorPage(400, "无法上传", "表单格式不正确。", viewer: nil)
        } else {
            refusal = nil
        }
    }

    private var token: String? { head.cookies[WebSession.cookie] }

    func receive(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        do {
            try parser?.feed(bytes) { event in try self.handle(event) }
            return nil
        } catch let refusal as Refusal {
            return refusal.response
        } catch {
            return site.errorPage(400, "无法上传", "表单格式不正确：\(error)", viewer: nil)
        }
    }

    func finish() -> HTTPResponse {
        guard parser?.isComplete == true else { return site.errorPage(400, "无法上传", "表单不完整，请重新提交。", viewer: nil) }
        return respond(HTTPRequest(head: head, body: []), result)
    }

    private struct Refusal: Error { let response: HTTPResponse }

    private func handle(_ event: MultipartParser.Event) throws {
        switch event {
        case .partStart(let name, let fileName, let type):
            fieldCount += 1
            guard fieldCount <= Self.maxFields else { throw Refusal(response: site.errorPage(400, "无法上传", "表单字段太多。", viewer: nil)) }
            if let fileName, !fileName.isEmpty {
                part = .file
                try begin(fileName: fileName, type: type ?? "application/octet-stream")
            } else if fileName != nil {
                part = .skipped  // a file input left empty
            } else {
                part = .field(name, [])
            }
        case .data(let bytes):
            switch part {
            case .field(let name, var value):
                value += bytes
                guard value.count <= Self.maxFieldBytes else {
                    throw Refusal(response: site.errorPage(400, "无法上传", "字段 \(name) 太长。", viewer: nil))
                }
                part = .field(name, value)
            case .file:
                try store(bytes)
            case .skipped, .none:
                break
            }
        case .partEnd:
            switch part {
            case .field(let name, let value): result.fields[name] = String(decoding: value, as: UTF8.self)
            case .file: try end()
            case .skipped, .none: break
            }
            part = nil
        }
    }

    /// The file begins: check the session and CSRF token, then start lianjied's upload.
    private func begin(fileName: String, type: String) throws {
        guard let token, WebSession.matches(result.fields["csrf"], WebSession.csrf(token: token)) else {
            throw Refusal(response: site.errorPage(403, "请求已过期", "页面已过期或未登录，请返回重新操作。", viewer: nil))
        }
        // One file per form: a second file part is dropped, never a second upload.
        guard result.error == nil, upload == nil, result.evidence == nil, !fileSeen else { part = .skipped; return }
        fileSeen = true
        sent = 0
        guard let size = Int64(result.fields["size"] ?? ""), size > 0, let sha = result.fields["sha256"], sha.count == 64 else {
            result.error = RPCError(.invalidArgument, "照片需要由页面计算大小和校验值后上传，请在支持 JavaScript 的浏览器中打开此页面")
            part = .skipped
            return
        }
        do {
            upload = try site.upstream.call(EntryService.startEvidenceUpload,
                                            StartEvidenceUploadRequest(requestId: UUID().uuidString, fileName: String(fileName.suffix(200)),
                                                                       contentType: type.lowercased(), size: size, sha256: sha.lowercased()),
                                            token: token, client: head.peer)
        } catch {
            result.error = error
            part = .skipped
        }
    }

    private func store(_ bytes: [UInt8]) throws {
        guard let upload else { return }
        sent += Int64(bytes.count)
        guard sent <= upload.size else {
            result.error = RPCError(.invalidArgument, "照片比页面声明的大小更大，请重新选择")
            self.upload = nil
            part = .skipped
            return
        }
        chunk += bytes
        let max = Int(upload.maxChunkBytes > 0 ? upload.maxChunkBytes : 1_048_576)
        while chunk.count >= max {
            try put(Array(chunk[0..<max]))
            chunk.removeFirst(max)
        }
    }

    private func put(_ data: [UInt8]) throws {
        guard let u = upload else { return }
        do {
            let at = u.received
            upload = try site.upstream.call(EntryService.putEvidenceChunk, PutEvidenceChunkRequest(uploadId: u.id, offset: at, data: data),
                                            token: token, client: head.peer)
        } catch {
            result.error = error
            upload = nil
            part = .skipped
        }
    }

    private func end() throws {
        if !chunk.isEmpty { try put(chunk) }
        chunk = []
        guard let u = upload else { return }
        do {
            result.evidence = try site.upstream.call(EntryService.finishEvidenceUpload,
                                                     FinishEvidenceUploadRequest(requestId: UUID().uuidString, uploadId: u.id),
                                                     token: token, client: head.peer)
        } catch {
            result.error = error
        }
        upload = nil
    }
}
