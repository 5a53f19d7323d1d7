import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieWire

/// `lianjie entry …`: integrity entries, their review and appeal, and evidence files.
enum EntryCommands {
    static let usage = """
        usage: lianjie entry submit --subject NUMBER|ID --tag CODE|LIBRARY/CODE --date YYYY-MM-DD --description TEXT
                                    [--quantity Q] [--work-order N]... [--evidence FILE]... [--source pc|mobile|import|api]
               lianjie entry list [--subject NUMBER|ID] [--org ID] [--tag CODE] [--dimension D] [--status S]
                                  [--period 2026|2026Q3|2026-09] [--source S] [--limit N]
               lianjie entry show ID
               lianjie entry confirm ID
               lianjie entry reject ID --reason TEXT
               lianjie entry revoke ID --reason TEXT
               lianjie entry appeal ID --statement TEXT
               lianjie entry decide-appeal ID --uphold|--dismiss --reason TEXT
               lianjie entry evidence get EVIDENCE_ID [--output FILE]
        statuses: submitted confirmed rejected revoked; dimensions: behaviour awareness problems
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--uphold", "--dismiss"])
        let entries = try ctx.entries()
        switch sub {
        case "submit":
            try args.only(["--subject", "--tag", "--date", "--description", "--quantity", "--work-order", "--evidence", "--source"], positionals: 0)
            var evidence: [String] = []
            for path in args.values("--evidence") { evidence.append(try await upload(ctx, entries, path: path).id) }
            let request = SubmitEntryRequest(requestId: Show.requestID(), subjectId: try args.required("--subject"), tag: try args.required("--tag"),
                                             occurredOn: try Show.parseDate(try args.required("--date"), field: "--date"),
                                             quantity: args.value("--quantity") ?? "", description: try args.required("--description"),
                                             workOrderNumbers: args.values("--work-order"), evidenceIds: evidence,
                                             source: try Show.parse(args.value("--source") ?? "pc", prefix: "ENTRY_SOURCE_", EntrySource.self, field: "--source"))
            let e = try await Commands.rpc { try await entries.submitEntry(request, options: ctx.options) }
            ctx.output(e) { print("recorded \(e.id): \(e.subjectEmployeeNumber) \(e.subjectName) \(e.tag) (\(Show.name(e.status, prefix: "ENTRY_STATUS_")))") }
        case "list":
            try args.only(["--subject", "--org", "--tag", "--dimension", "--status", "--period", "--source", "--limit"], positionals: 0)
            let limit = try args.value("--limit").map { v -> Int in
                guard let n = Int(v), n > 0 else { throw CLIError.usage("--limit must be a positive number") }
                return n
            } ?? 1000
            var request = ListEntriesRequest(subjectId: args.value("--subject") ?? "", organizationId: args.value("--org") ?? "", tag: args.value("--tag") ?? "")
            if let v = args.value("--dimension") { request.dimension = try Show.parse(v, prefix: "DIMENSION_", Dimension.self, field: "--dimension") }
            if let v = args.value("--status") { request.status = try Show.parse(v, prefix: "ENTRY_STATUS_", EntryStatus.self, field: "--status") }
            if let v = args.value("--source") { request.source = try Show.parse(v, prefix: "ENTRY_SOURCE_", EntrySource.self, field: "--source") }
            if let v = args.value("--period") { request.period = try Show.parsePeriod(v) }
            let (shown, total) = try await Commands.firstPages(limit: limit) { token in
                let page = try await Commands.rpc {
                    try await entries.listEntries({ var r = request; r.pageSize = 500; r.pageToken = token; return r }(), options: ctx.options)
                }
                return (page.entries, page.nextPageToken, page.totalSize)
            }
            ctx.output(ListEntriesResponse(entries: shown, totalSize: total)) {
                var t = Table("ID", "SUBJECT", "NAME", "DAY", "TAG", "TAG NAME", "QTY", "STATUS", "SOURCE")
                for e in shown {
                    t.add(e.id, e.subjectEmployeeNumber, e.subjectName, Show.date(e.occurredOn), e.tag, e.tagName,
                          (e.polarity == .debit ? "-" : "+") + e.quantity, Show.name(e.status, prefix: "ENTRY_STATUS_"), Show.name(e.source, prefix: "ENTRY_SOURCE_"))
                }
                t.print()
                if Int(total) > shown.count { print("(\(shown.count) of \(total); --limit shows more)") }
            }
        case "show":
            try args.only([], positionals: 1)
            let e = try await Commands.rpc { try await entries.getEntry(GetEntryRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            ctx.output(e) { show(e) }
        case "confirm":
            try args.only([], positionals: 1)
            try await change(ctx) { try await entries.confirmEntry(ConfirmEntryRequest(requestId: Show.requestID(), id: try args.positional(0, "ID")), options: ctx.options) }
        case "reject":
            try args.only(["--reason"], positionals: 1)
            try await change(ctx) {
                try await entries.rejectEntry(RejectEntryRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), reason: try args.required("--reason")),
                                              options: ctx.options)
            }
        case "revoke":
            try args.only(["--reason"], positionals: 1)
            try await change(ctx) {
                try await entries.revokeEntry(RevokeEntryRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"), reason: try args.required("--reason")),
                                              options: ctx.options)
            }
        case "appeal":
            try args.only(["--statement"], positionals: 1)
            try await change(ctx) {
                try await entries.appealEntry(AppealEntryRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"),
                                                                 statement: try args.required("--statement")), options: ctx.options)
            }
        case "decide-appeal":
            try args.only(["--uphold", "--dismiss", "--reason"], positionals: 1)
            guard args.flag("--uphold") != args.flag("--dismiss") else { throw CLIError.usage("give one of --uphold or --dismiss") }
            try await change(ctx) {
                try await entries.decideAppeal(DecideAppealRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"),
                                                                   decision: args.flag("--uphold") ? .upheld : .dismissed,
                                                                   reason: try args.required("--reason")), options: ctx.options)
            }
        case "evidence":
            let inner = try Args(Array(raw.dropFirst(2)))
            guard raw.count >= 2, raw[1] == "get" else { throw CLIError.usage(usage) }
            try inner.only(["--output"], positionals: 1)
            try await download(ctx, entries, id: try inner.positional(0, "EVIDENCE_ID"), output: inner.value("--output"))
        default:
            throw CLIError.usage(usage)
        }
    }

    static func change(_ ctx: CLIContext, _ body: () async throws -> Entry) async throws {
        let e = try await Commands.rpc(body)
        ctx.output(e) { print("\(e.id) is \(Show.name(e.status, prefix: "ENTRY_STATUS_"))" + (e.appeal.map { " (appeal \(Show.name($0.state, prefix: "APPEAL_STATE_")))" } ?? "")) }
    }

    static func show(_ e: Entry) {
        var t = Table("FIELD", "VALUE")
        t.add("id", e.id)
        t.add("subject", "\(e.subjectEmployeeNumber) \(e.subjectName)")
        t.add("tag", "\(e.tag) \(e.tagName)")
        t.add("dimension", Show.name(e.dimension, prefix: "DIMENSION_"))
        t.add("polarity", Show.name(e.polarity, prefix: "POLARITY_"))
        t.add("day", Show.date(e.occurredOn))
        t.add("quantity", e.quantity)
        t.add("description", e.description)
        t.add("status", Show.name(e.status, prefix: "ENTRY_STATUS_") + (e.statusReason.isEmpty ? "" : " — \(e.statusReason)"))
        t.add("source", Show.name(e.source, prefix: "ENTRY_SOURCE_") + (e.rule.isEmpty ? "" : " (\(e.rule))"))
        if !e.workOrderNumbers.isEmpty { t.add("work orders", e.workOrderNumbers.joined(separator: ", ")) }
        if !e.recordedBy.isEmpty { t.add("recorded by", "\(e.recordedBy) at \(Show.time(e.recordTime))") }
        if !e.reviewedBy.isEmpty { t.add("reviewed by", "\(e.reviewedBy) at \(Show.time(e.reviewTime))") }
        t.add("scheme version", String(e.schemeVersion))
        if let a = e.appeal {
            t.add("appeal", "\(Show.name(a.state, prefix: "APPEAL_STATE_")) — \(a.statement)")
            if a.state != .pending { t.add("appeal decision", a.decisionReason) }
        }
        for ev in e.evidence { t.add("evidence", "\(ev.id) \(ev.fileName) (\(ev.contentType), \(ev.size) bytes)") }
        t.add("etag", e.etag)
        t.print()
        print("")
        var h = Table("WHEN", "ACTION", "BY", "REASON")
        for event in e.history { h.add(Show.time(event.time), event.action, event.accountId, event.reason) }
        h.print()
    }

    /// Content types by file extension; the server checks the content too.
    static let contentTypes: [String: String] = [
        "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "heic": "image/heic",
        "doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls": "application/vnd.ms-excel", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt": "application/vnd.ms-powerpoint", "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ]

    /// Uploads a file in acknowledged chunks with a progress bar, resuming from where the
    /// server says after a dropped connection.
    static func upload(_ ctx: CLIContext, _ entries: EntryServiceClient, path: String) async throws -> EvidenceRef {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.usage("cannot read \(path)") }
        let ext = (path as NSString).pathExtension.lowercased()
        guard let type = contentTypes[ext] else {
            throw CLIError.usage("\(path): evidence must be \(contentTypes.keys.sorted().joined(separator: ", "))")
        }
        let bytes = [UInt8](data)
        let name = (path as NSString).lastPathComponent
        var upload = try await Commands.rpc {
            try await entries.startEvidenceUpload(StartEvidenceUploadRequest(requestId: Show.requestID(), fileName: name, contentType: type,
                                                                            size: Int64(bytes.count), sha256: Digest.hex(Digest.sha256(bytes))),
                                                  options: ctx.options)
        }
        let progress = Progress(total: bytes.count, label: "uploading \(name)")
        var failures = 0
        let retryable: [Status] = [.unavailable, .deadlineExceeded, .failedPrecondition, .aborted]
        while upload.received < upload.size {
            let start = Int(upload.received), end = min(bytes.count, start + Int(upload.maxChunkBytes))
            let request = PutEvidenceChunkRequest(uploadId: upload.id, offset: Int64(start), data: Array(bytes[start..<end]))
            let result: Result<EvidenceUpload, RPCError>
            do { result = .success(try await entries.putEvidenceChunk(request, options: ctx.options)) } catch { result = .failure(error) }
            switch result {
            case .success(let acknowledged):
                upload = acknowledged
                failures = 0
            case .failure(let e):
                guard retryable.contains(e.status), failures < 5 else { throw CLIError(e) }
                // Dropped or out of step: ask the server where the upload stands and go on from there.
                failures += 1
                let id = request.uploadId
                upload = try await Commands.rpc { try await entries.getEvidenceUpload(GetEvidenceUploadRequest(uploadId: id), options: ctx.options) }
            }
            progress.update(Int(upload.received))
        }
        progress.finish()
        let uploadID = upload.id
        return try await Commands.rpc {
            try await entries.finishEvidenceUpload(FinishEvidenceUploadRequest(requestId: Show.requestID(), uploadId: uploadID), options: ctx.options)
        }
    }

    static func download(_ ctx: CLIContext, _ entries: EntryServiceClient, id: String, output: String?) async throws {
        let first = try await Commands.rpc { try await entries.getEvidence(GetEvidenceRequest(id: id), options: ctx.options) }
        guard let ref = first.evidence else { throw CLIError(message: "the server sent no evidence description", exitCode: CLIError.Code.failure) }
        let path = output ?? ref.fileName
        guard !FileManager.default.fileExists(atPath: path) else { throw CLIError.usage("\(path) exists; choose another with --output") }
        var bytes = first.data
        var last = first.last
        let progress = Progress(total: Int(ref.size), label: "downloading \(ref.fileName)")
        while !last {
            let chunk = try await Commands.rpc { try await entries.getEvidence(GetEvidenceRequest(id: id, offset: Int64(bytes.count)), options: ctx.options) }
            guard !chunk.data.isEmpty || chunk.last else { throw CLIError(message: "the download stopped short", exitCode: CLIError.Code.failure) }
            bytes += chunk.data
            last = chunk.last
            progress.update(bytes.count)
        }
        progress.finish()
        guard Digest.hex(Digest.sha256(bytes)) == ref.sha256 else {
            throw CLIError(message: "the downloaded file does not match its SHA-256; nothing was written", exitCode: CLIError.Code.failure)
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(message: "cannot write \(path)", exitCode: CLIError.Code.failure)
        }
        ctx.output(ref) { print("wrote \(path) (\(ref.size) bytes, SHA-256 checked)") }
    }
}
