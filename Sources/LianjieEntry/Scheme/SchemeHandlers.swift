import Foundation
import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import LianjieScoringMessages

/// The scheme: published versions (read by everyone) and the one draft (edited and
/// published by admins and inspectors whose grant covers a root organisation).
struct SchemeHandlers: Sendable {
    let schemes: PublishedSchemes

    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(EntryService.getScheme, audit: .none, on: &router, get)
        kit.register(EntryService.listSchemeVersions, audit: .none, on: &router, list)
        kit.register(EntryService.replaceSchemeDraft, audit: .change, on: &router, replace)
        kit.register(EntryService.updateSchemeDraft, audit: .change, on: &router, updateDraft)
        kit.register(EntryService.addSchemeTag, audit: .change, on: &router, addTag)
        kit.register(EntryService.updateSchemeTag, audit: .change, on: &router, updateTag)
        kit.register(EntryService.retireSchemeTag, audit: .change, on: &router, retireTag)
        kit.register(EntryService.publishScheme, audit: .change, on: &router, publish)
        kit.register(EntryService.discardSchemeDraft, audit: .change, on: &router, discard)
    }

    static let maxDocumentBytes = 1 << 20

    /// The draft as it stands: the stored one, or else the current published version
    /// (etag "0" until the draft is first saved).
    struct Draft {
        var scheme: CoreScheme
        var basedOn: Int
        var version: Int64
        var changedBy: String
        var changeTime: Int64
    }

    func draft(_ r: any StoreReader) throws -> Draft {
        if let d = try r.schemeDraft() {
            do {
                return Draft(scheme: try SchemeLoader.load(Data(d.document.utf8)), basedOn: d.basedOn, version: d.version,
                             changedBy: d.changedBy, changeTime: d.changeTime)
            } catch {
                throw StoreError(.failed, "the scheme draft cannot be read", detail: "\(error)")
            }
        }
        guard let current = try schemes.current(r) else {
            throw RPCError(.failedPrecondition, "no scheme is published yet")
        }
        return Draft(scheme: current.compiled.scheme, basedOn: current.record.version, version: 0,
                     changedBy: current.record.publishedBy, changeTime: current.record.publishTime)
    }

    static func draftMessage(_ d: Draft) -> LianjieMessages.Scheme {
        var m = SchemeConvert.message(d.scheme)
        m.basedOnVersion = Int32(d.basedOn)
        m.etag = String(d.version)
        m.changedBy = d.changedBy
        m.changeTime = CalendarDays.time(d.changeTime)
        return m
    }

    func get(_ request: GetSchemeRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        if request.version < 0 { throw RPCError.invalidArgument(field: "version", "must not be negative") }
        if request.draft {
            if request.version != 0 { throw RPCError.invalidArgument(field: "version", "must be 0 with draft") }
            return Self.draftMessage(try call.read { try draft($0) })
        }
        let found = try call.read { r in
            request.version == 0 ? try schemes.current(r) : try schemes.version(Int(request.version), r)
        }
        guard let found else {
            throw RPCError(.notFound, request.version == 0 ? "no scheme is published yet" : "no scheme version \(request.version)")
        }
        return SchemeConvert.published(found.record, found.compiled.scheme)
    }

    func list(_ request: ListSchemeVersionsRequest, _ call: Call) throws -> ListSchemeVersionsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "scheme").map { text -> Int in
            guard let v = Int(text), v > 0 else { throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing") }
            return v
        }
        let (rows, total) = try call.read { r in (try r.publishedSchemes(before: after, limit: size + 1), try r.publishedSchemeCount()) }
        return ListSchemeVersionsResponse(versions: rows.prefix(size).map(SchemeConvert.summary),
                                          nextPageToken: rows.count > size ? Paging.token(String(rows[size - 1].version), kind: "scheme") : "",
                                          totalSize: Int32(total))
    }

    // MARK: Editing the draft

    /// Only callers whose grant covers a root organisation change the scheme: it applies
    /// to the whole deployment.
    static func checkEditor(_ call: Call) throws {
        guard call.caller.coversRoot(EntryAccess.schemeEditors) else {
            throw RPCError(.permissionDenied, "the scheme applies to the whole deployment: it is edited by administrators and inspectors whose grant covers a root organisation")
        }
    }

    /// Reads the draft, checks `etag`, applies `change`, checks the result (every problem
    /// a violation, its path made by `field` for the changed scheme), and saves it as the
    /// draft's next version.
    private func edit(_ call: Call, requestID: String = "", etag: String,
                      field: (CoreScheme) -> (String) -> String = { _ in { "document.\($0)" } },
                      _ change: (inout CoreScheme, inout Violations) throws -> Void) throws -> LianjieMessages.Scheme {
        try Self.checkEditor(call)
        var current = try call.read { try draft($0) }
        try Validate.etag(etag, current.version)
        var v = Violations()
        try change(&current.scheme, &v)
        try v.check()
        try check(current.scheme, call, field: field(current.scheme))
        let expected = current.version
        let edited = Draft(scheme: current.scheme, basedOn: current.basedOn, version: expected + 1, changedBy: call.caller.id,
                           changeTime: call.now)
        call.target = AuditLog.Target(type: "scheme", id: "draft")
        return try call.write(requestID: requestID) { tx in
            let stored = try tx.schemeDraft()?.version ?? 0
            guard stored == expected else { throw RPCError(.aborted, "the draft changed meanwhile; read it again and retry") }
            try tx.saveSchemeDraft(SchemeDraftRecord(document: edited.scheme.fileText, basedOn: edited.basedOn,
                                                     changedBy: edited.changedBy, changeTime: edited.changeTime, version: edited.version))
            return Self.draftMessage(edited)
        }
    }

    /// Every rule a draft must keep: the scoring core's, one version per library, known
    /// category and post codes, and no published tag removed.
    private func check(_ s: CoreScheme, _ call: Call, field: (String) -> String) throws {
        var v = Violations()
        for p in s.problems() { v.add(field(p.field), p.reason) }
        for code in s.repeatedLibraries { v.add(field("libraries"), "library \(code) appears more than once; a draft holds one version of each") }
        let (categories, posts, published) = try call.read { r in
            (Set(try r.categories().map(\.code)), Set(try r.posts(categoryID: nil).map(\.code)), try schemes.current(r))
        }
        for (i, l) in s.libraries.enumerated() {
            if let c = l.category, !categories.contains(c) { v.add(field("libraries[\(i)].category"), "no such category: \(c)") }
        }
        for c in s.categoryCoefficients.keys.sorted() where !categories.contains(c) {
            v.add(field("categoryCoefficients.\(c)"), "no such category: \(c)")
        }
        for p in s.postCoefficients.keys.sorted() where !posts.contains(p) { v.add(field("postCoefficients.\(p)"), "no such post: \(p)") }
        if let published {
            for tag in s.removedTags(since: published.compiled.scheme) {
                v.add(field("libraries"), "the published tag \(tag) is missing: a published tag is retired, never removed")
            }
        }
        try v.check()
    }

    func replace(_ request: ReplaceSchemeDraftRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        guard !request.document.isEmpty, request.document.utf8.count <= Self.maxDocumentBytes else {
            throw RPCError.invalidArgument(field: "document", "must be a scheme file of 1 byte to 1 MiB")
        }
        let (parsed, problems) = SchemeLoader.check(Data(request.document.utf8))
        guard let scheme = parsed else {
            var v = Violations()
            for p in problems { v.add(p.field.isEmpty ? "document" : "document.\(p.field)", p.reason) }
            try v.check()
            throw RPCError.invalidArgument(field: "document", "cannot be read")
        }
        return try edit(call, requestID: request.requestId, etag: request.etag) { draft, _ in draft = scheme }
    }

    func updateDraft(_ request: UpdateSchemeDraftRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        let patch = request.scheme ?? LianjieMessages.Scheme()
        let allowed: Set<String> = ["label", "dimensions", "grades", "category_coefficients", "post_coefficients"]
        var v = Violations()
        if request.updateMask.isEmpty { v.add("update_mask", "names no field to change") }
        for path in request.updateMask where !allowed.contains(path) { v.add("update_mask", "\(path) cannot be changed here") }
        try v.check()
        let mask = Set(request.updateMask)
        return try edit(call, etag: request.etag, field: { _ in Self.draftField }) { draft, v in
            if mask.contains("label") {
                let label = patch.label.trimmingSpaces
                if label.isEmpty || label.count > 40 { v.add("scheme.label", "must be 1-40 characters") } else { draft.version = label }
            }
            if mask.contains("dimensions") {
                var rules: [CoreDimension: LianjieScoring.DimensionRule] = [:]
                for (i, d) in patch.dimensions.enumerated() {
                    let p = "scheme.dimensions[\(i)]"
                    guard let dim = (d.dimension).core else { v.add("\(p).dimension", "must be BEHAVIOUR, AWARENESS or PROBLEMS"); continue }
                    if rules[dim] != nil { v.add("\(p).dimension", "appears twice") }
                    let values = [("base_score", d.baseScore), ("minimum", d.minimum), ("maximum", d.maximum), ("weight", d.weight)]
                        .map { ($0.0, SchemeConvert.hundredths($0.1)) }
                    for (name, value) in values where value == nil { v.add("\(p).\(name)", "must be a decimal with at most two places") }
                    guard values.allSatisfy({ $0.1 != nil }) else { continue }
                    rules[dim] = LianjieScoring.DimensionRule(base: Exact(hundredths: values[0].1!), minimum: Exact(hundredths: values[1].1!),
                                                              maximum: Exact(hundredths: values[2].1!), weight: values[3].1!)
                }
                if rules.count != 3 { v.add("scheme.dimensions", "must give all three dimensions") }
                draft.dimensions = rules
            }
            if mask.contains("grades") {
                let g = patch.grades ?? LianjieMessages.GradeBands()
                let values = [("excellent", g.excellent), ("good", g.good), ("fair", g.fair)].map { ($0.0, SchemeConvert.hundredths($0.1)) }
                for (name, value) in values where value == nil { v.add("scheme.grades.\(name)", "must be a decimal with at most two places") }
                if values.allSatisfy({ $0.1 != nil }) {
                    draft.grades = LianjieScoring.GradeBands(excellent: Exact(hundredths: values[0].1!), good: Exact(hundredths: values[1].1!),
                                                             fair: Exact(hundredths: values[2].1!))
                }
            }
            if mask.contains("category_coefficients") {
                var table: [String: [CoreDimension: Int64]] = [:]
                for (i, c) in patch.categoryCoefficients.enumerated() {
                    let p = "scheme.category_coefficients[\(i)]"
                    guard let dim = (c.dimension).core else { v.add("\(p).dimension", "must be BEHAVIOUR, AWARENESS or PROBLEMS"); continue }
                    guard let value = SchemeConvert.hundredths(c.coefficient) else { v.add("\(p).coefficient", "must be a decimal with at most two places"); continue }
                    if table[c.categoryCode]?[dim] != nil { v.add(p, "\(c.categoryCode) \(dim.rawValue) appears twice") }
                    table[c.categoryCode, default: [:]][dim] = value
                }
                draft.categoryCoefficients = table
            }
            if mask.contains("post_coefficients") {
                var table: [String: Int64] = [:]
                for (i, c) in patch.postCoefficients.enumerated() {
                    let p = "scheme.post_coefficients[\(i)]"
                    guard let value = SchemeConvert.hundredths(c.coefficient) else { v.add("\(p).coefficient", "must be a decimal with at most two places"); continue }
                    if table[c.postCode] != nil { v.add(p, "\(c.postCode) appears twice") }
                    table[c.postCode] = value
                }
                draft.postCoefficients = table
            }
        }
    }

    /// A core problem's path as a field of UpdateSchemeDraft's request.
    static func draftField(_ core: String) -> String {
        if core.hasPrefix("categoryCoefficients") { return "scheme.category_coefficients" }
        if core.hasPrefix("postCoefficients") { return "scheme.post_coefficients" }
        if core == "version" { return "scheme.label" }
        return "scheme." + SchemeConvert.wireField(core)
    }

    /// The index of library `code` in the draft; NOT_FOUND when it has none.
    static func library(_ code: String, in s: CoreScheme) throws -> Int {
        guard !code.isEmpty else { throw RPCError.invalidArgument(field: "library_code", "is required") }
        guard let i = s.libraries.firstIndex(where: { $0.code == code }) else { throw RPCError(.notFound, "the draft has no library \(code)") }
        return i
    }

    /// The library and tag indexes of `library/code` in `s`; NOT_FOUND when it has none.
    static func tag(_ library: String, _ code: String, in s: CoreScheme) throws -> (Int, Int) {
        let li = try Self.library(library, in: s)
        guard let ti = s.libraries[li].tags.firstIndex(where: { $0.code == code }) else {
            throw RPCError(.notFound, "library \(library) has no tag \(code)")
        }
        return (li, ti)
    }

    /// A core problem's path as a field of a request about tag `library/code`: that tag's
    /// own fields become `tag.<field>`; anything else stays a document path.
    static func tagField(library: String, code: String) -> (CoreScheme) -> (String) -> String {
        { scheme in
            guard let (li, ti) = try? Self.tag(library, code, in: scheme) else { return { "document.\($0)" } }
            let prefix = "libraries[\(li)].tags[\(ti)]."
            return { core in core.hasPrefix(prefix) ? "tag." + SchemeConvert.wireField(String(core.dropFirst(prefix.count))) : "document.\(core)" }
        }
    }

    func addTag(_ request: AddSchemeTagRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        let t = request.tag ?? SchemeTag()
        var v = Violations()
        Validate.code(t.code, field: "tag.code", &v)
        let tag = Self.coreTag(t, fields: nil, base: nil, &v)
        try v.check()
        return try edit(call, requestID: request.requestId, etag: request.etag, field: Self.tagField(library: request.libraryCode, code: t.code)) { draft, _ in
            let i = try Self.library(request.libraryCode, in: draft)
            guard !draft.libraries[i].tags.contains(where: { $0.code == t.code }) else {
                throw RPCError(.alreadyExists, "library \(request.libraryCode) has a tag \(t.code) already")
            }
            draft.libraries[i].tags.append(tag!)
        }
    }

    static let tagFields: Set<String> = ["name", "dimension", "polarity", "points", "coefficient", "red_line", "window_months",
                                         "max_per_period", "immediate_alert", "evidence_required"]

    func updateTag(_ request: UpdateSchemeTagRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        let t = request.tag ?? SchemeTag()
        var v = Violations()
        if request.updateMask.isEmpty { v.add("update_mask", "names no field to change") }
        for path in request.updateMask where !Self.tagFields.contains(path) {
            v.add("update_mask", path == "retired" ? "a tag is retired with RetireSchemeTag" : "\(path) cannot be changed here")
        }
        if t.code.isEmpty { v.add("tag.code", "is required") }
        try v.check()
        return try edit(call, etag: request.etag, field: Self.tagField(library: request.libraryCode, code: t.code)) { draft, v in
            let (li, ti) = try Self.tag(request.libraryCode, t.code, in: draft)
            let old = draft.libraries[li].tags[ti]
            guard !old.retired else { throw RPCError(.failedPrecondition, "the tag \(t.code) is retired; add a new tag instead") }
            if let changed = Self.coreTag(t, fields: Set(request.updateMask), base: old, &v) { draft.libraries[li].tags[ti] = changed }
        }
    }

    func retireTag(_ request: RetireSchemeTagRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        if request.code.isEmpty { throw RPCError.invalidArgument(field: "code", "is required") }
        return try edit(call, requestID: request.requestId, etag: request.etag) { draft, _ in
            let (li, ti) = try Self.tag(request.libraryCode, request.code, in: draft)
            guard !draft.libraries[li].tags[ti].retired else { throw RPCError(.failedPrecondition, "the tag \(request.code) is retired already") }
            draft.libraries[li].tags[ti].retired = true
        }
    }

    /// A core tag from the wire's: every field (`fields` nil) or those named, over `base`.
    /// Ranges are left to the scheme's own check, which names the field.
    static func coreTag(_ t: SchemeTag, fields: Set<String>?, base: CoreTag?, _ v: inout Violations) -> CoreTag? {
        func wants(_ f: String) -> Bool { fields?.contains(f) ?? true }
        var tag = base ?? CoreTag(code: t.code, name: "", dimension: .behaviour, polarity: .credit, points: 0, windowMonths: 0)
        if wants("name") {
            let name = t.name.trimmingSpaces
            if name.isEmpty || name.count > 100 { v.add("tag.name", "must be 1-100 characters") }
            tag.name = name
        }
        if wants("dimension") {
            if let d = (t.dimension).core { tag.dimension = d } else { v.add("tag.dimension", "must be BEHAVIOUR, AWARENESS or PROBLEMS") }
        }
        if wants("polarity") {
            if let p = (t.polarity).core { tag.polarity = p } else { v.add("tag.polarity", "must be CREDIT or DEBIT") }
        }
        if wants("points") {
            if let p = SchemeConvert.hundredths(t.points) { tag.points = p } else { v.add("tag.points", "must be a decimal with at most two places") }
        }
        if wants("coefficient") {
            if t.coefficient.isEmpty { tag.coefficient = 100 }
            else if let c = SchemeConvert.hundredths(t.coefficient) { tag.coefficient = c }
            else { v.add("tag.coefficient", "must be a decimal with at most two places") }
        }
        if wants("red_line") { tag.redLine = t.redLine }
        if wants("window_months") { tag.windowMonths = Int(t.windowMonths) }
        if wants("max_per_period") { tag.maxPerPeriod = Int(t.maxPerPeriod) }
        if wants("immediate_alert") { tag.immediateAlert = t.immediateAlert }
        if wants("evidence_required") { tag.evidenceRequired = t.evidenceRequired }
        return v.list.isEmpty ? tag : nil
    }

    // MARK: Publishing

    func publish(_ request: PublishSchemeRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        try Self.checkEditor(call)
        let note = request.note.trimmingSpaces
        if note.isEmpty || note.count > 500 { throw RPCError.invalidArgument(field: "note", "must be 1-500 characters") }
        let (current, published) = try call.read { r in (try draft(r), try schemes.current(r)) }
        try Validate.etag(request.etag, current.version)
        try check(current.scheme, call, field: { "document.\($0)" })
        let next = current.scheme.versioned(after: published?.compiled.scheme)
        if let published, next.hash == published.compiled.scheme.hash {
            throw RPCError(.failedPrecondition, "the draft is version \(published.record.version) unchanged: there is nothing to publish")
        }
        let number = (published?.record.version ?? 0) + 1
        let record = SchemeConvert.versionRecord(next, version: number, note: note, by: call.caller.id, at: call.now)
        let expected = current.version
        call.target = AuditLog.Target(type: "scheme", id: "v\(number)")
        return try call.write(requestID: request.requestId) { tx in
            guard try tx.latestSchemeVersion() == number - 1 else { throw RPCError(.aborted, "another version was published meanwhile; read the draft again") }
            guard (try tx.schemeDraft()?.version ?? 0) == expected else { throw RPCError(.aborted, "the draft changed meanwhile; read it again and retry") }
            try tx.publishScheme(record)
            try tx.saveSchemeDraft(SchemeDraftRecord(document: record.document, basedOn: number, changedBy: call.caller.id,
                                                     changeTime: record.publishTime, version: expected + 1))
            return SchemeConvert.published(record, next)
        }
    }

    func discard(_ request: DiscardSchemeDraftRequest, _ call: Call) throws -> LianjieMessages.Scheme {
        try Self.checkEditor(call)
        let (current, published) = try call.read { r in (try draft(r), try schemes.current(r)) }
        guard let published else { throw RPCError(.failedPrecondition, "no scheme is published yet") }
        try Validate.etag(request.etag, current.version)
        let expected = current.version
        let reset = Draft(scheme: published.compiled.scheme, basedOn: published.record.version, version: expected + 1,
                          changedBy: call.caller.id, changeTime: call.now)
        call.target = AuditLog.Target(type: "scheme", id: "draft")
        return try call.write(requestID: request.requestId) { tx in
            guard (try tx.schemeDraft()?.version ?? 0) == expected else { throw RPCError(.aborted, "the draft changed meanwhile; read it again and retry") }
            try tx.saveSchemeDraft(SchemeDraftRecord(document: published.record.document, basedOn: reset.basedOn, changedBy: reset.changedBy,
                                                     changeTime: reset.changeTime, version: reset.version))
            return Self.draftMessage(reset)
        }
    }
}
