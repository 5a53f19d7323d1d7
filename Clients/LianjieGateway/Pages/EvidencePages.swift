import Foundation
import LianjieMessages
import LianjieRPC

/// An evidence file (a photo taken on the phone, a scanned document) as whoever may read it
/// sees it: lianjied decides who (GetEvidence, audited), the gateway passes the file
/// through piece by piece, never holding it whole.
enum EvidencePages {
    static let routes: [MobileSite.Route] = [
        .init(method: "GET", pattern: ["evidence", "*"], handler: file),
    ]

    /// Types a browser may show in the page; anything else is a download.
    static let shown: Set<String> = ["image/jpeg", "image/png"]

    static func file(_ c: PageContext) throws -> HTTPResponse {
        let id = try c.identifier(c.parameter)
        let first = try c.call(EntryService.getEvidence, GetEvidenceRequest(id: id))
        guard let ref = first.evidence, ref.size > 0 else { throw RPCError(.notFound, "没有这个文件") }
        let token = c.me.token, peer = c.request.head.peer, upstream = c.site.upstream
        let head = first.data
        let stream = HTTPBodyStream(length: ref.size) { offset in
            if offset == 0, !head.isEmpty { return head }
            return try? upstream.call(EntryService.getEvidence, GetEvidenceRequest(id: id, offset: offset), token: token, client: peer).data
        }
        let type = ref.contentType.lowercased()
        var headers: [(String, String)] = [
            ("Content-Type", shown.contains(type) ? type : "application/octet-stream"),
            ("Cache-Control", "private, no-store"), ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; sandbox"),
        ]
        if !shown.contains(type) {
            headers.append(("Content-Disposition", "attachment; filename*=UTF-8''" + FormEncoding.escape(ref.fileName)))
        }
        return HTTPResponse(status: 200, headers: headers, body: [], stream: stream)
    }
}
