import LianjieMessages
import LianjieScoring
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// Evaluated subjects, their placements, categories and posts, and roster imports.
struct SubjectHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(UserService.createCategory, audit: .change, on: &router, createCategory)
        kit.register(UserService.listCategories, audit: .none, on: &router) { _, call in
            ListCategoriesResponse(categories: try call.read { try $0.categories() }.map(Convert.category))
        }
        kit.register(UserService.createPost, audit: .change, on: &router, createPost)
        kit.register(UserService.listPosts, audit: .none, on: &router) { request, call in
            ListPostsResponse(posts: try call.read { try $0.posts(categoryID: request.categoryId.isEmpty ? nil : request.categoryId) }
                .map(Convert.post))
        }
        kit.register(UserService.createSubject, audit: .change, on: &router, create)
        kit.register(UserService.getSubject, audit: .read, on: &router, get)
        kit.register(UserService.updateSubject, audit: .change, on: &router, update)
        kit.register(UserService.transferSubject, audit: .change, on: &router, transfer)
        kit.register(UserService.listSubjects, audit: .read, on: &router, list)
        kit.register(UserService.listPlacements, audit: .read, on: &router, placements)
        kit.register(UserService.importSubjects, audit: .change, on: &router, importRows)
    }

    static let notFound = RPCError(.notFound, "no such subject")
    static let maxImportRows = 5000

    // MARK: Categories and posts

    func createCategory(_ request: CreateCategoryRequest, _ call: Call) throws -> Category {
        guard call.caller.coversEverything([.admin]) else {
            throw RPCError(.permissionDenied, "categories are managed by whole-deployment administrators")
        }
        var v = Violations()
        Validate.code(request.code, field: "code", &v)
        OrganizationHandlers.checkName(request.name, field: "name", &v)
        try v.check()
        let record = CategoryRecord(id: Identifiers.new(prefix: "cat"), code: request.code, name: request.name.trimmingSpaces)
        call.target = AuditLog.Target(type: "category", id: record.id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createCategory(record)
            return Convert.category(record)
        }
    }

    /// A decimal coefficient in 0.50...3.00 with at most two decimals, normalized to two
    /// (read by the scoring core's exact decimal; no sign allowed).
    static func coefficient(_ text: String) -> String? {
        guard text.first?.isNumber == true, (text.split(separator: ".").dropFirst().first?.count ?? 0) <= 2,
              let value = Exact(text), let hundredths = value.hundredths, (50...300).contains(hundredths) else { return nil }
        return value.formatted(places: 2)
    }

    func createPost(_ request: CreatePostRequest, _ call: Call) throws -> Post {
        guard call.caller.coversEverything([.admin]) else {
            throw RPCError(.permissionDenied, "posts are managed by whole-deployment administrators")
        }
        var v = Violations()
        Validate.code(request.code, field: "code", &v)
        OrganizationHandlers.checkName(request.name, field: "name", &v)
        let coefficient = Self.coefficient(request.riskCoefficient)
        if coefficient == nil { v.add("risk_coefficient", "must be a decimal from 0.50 to 3.00 with at most two decimals") }
        if request.categoryId.isEmpty { v.add("category_id", "is required") }
        try v.check()
        guard try call.read({ try $0.category(id: request.categoryId) }) != nil else { throw RPCError(.notFound, "no such category") }
        let record = PostRecord(id: Identifiers.new(prefix: "post"), code: request.code, name: request.name.trimmingSpaces,
                                categoryID: request.categoryId, riskCoefficient: coefficient!)
        call.target = AuditLog.Target(type: "post", id: record.id)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createPost(record)
            return Convert.post(record)
        }
    }

    // MARK: Subjects

    /// The subject (named by id or employee number) and its organisation, if the caller
    /// reaches it: a grant with one of
    /// `roles` covering its organisation, or (with `allowSelf`) being the subject.
    static func find(_ id: String, _ roles: Set<Role>, allowSelf: Bool, _ call: Call, field: String = "id") throws -> (SubjectRecord, OrganizationRecord) {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: field, "is required") }
        // An id, or else an employee number (what people know a subject by).
        let found = try call.read { try $0.subjectWithOrganization(key: id) }
        guard let (subject, org) = found else { throw notFound }
        call.target = AuditLog.Target(type: "subject", id: subject.id, organizationID: org.id, organizationPath: org.path)
        let isSelf = allowSelf && call.caller.has(anyOf: [.employee]) && subject.accountID == call.caller.id
        guard call.caller.covers(roles, path: org.path) || isSelf else { throw notFound }
        return (subject, org)
    }

    /// Checks the fields a subject must have; `prefix` is the request path of the subject.
    static func validate(_ s: Subject, prefix: String, fields: Set<String>?, _ v: inout Violations) {
        func wants(_ f: String) -> Bool { fields?.contains(f) ?? true }
        if wants("employee_number") {
            let ok = (1...32).contains(s.employeeNumber.utf8.count) && s.employeeNumber.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F
            }
            if !ok { v.add("\(prefix).employee_number", "must be 1-32 letters, digits, '-' or '_'") }
        }
        if wants("name") { OrganizationHandlers.checkName(s.name, field: "\(prefix).name", &v) }
        if wants("position_level"), s.positionLevel == .unspecified || s.positionLevel.protoValueName == nil {
            v.add("\(prefix).position_level", "must be STAFF, TEAM_LEADER, SECTION or DIVISION")
        }
        if wants("status"), s.status == .unspecified || s.status.protoValueName == nil {
            v.add("\(prefix).status", "must be ACTIVE, TRANSFERRED or LEFT")
        }
        if wants("post_entry_date"), let d = s.postEntryDate, Convert.dateText(d) == nil {
            v.add("\(prefix).post_entry_date", "is not a valid calendar day")
        }
    }

    /// Category, post (of that category) and linked account exist, and the caller reaches
    /// the account: a person whose every grant lies in the caller's scope, so nobody can
    /// show an employee of another district as one of their subjects.
    static func checkReferences(categoryID: String, postID: String, accountID: String, prefix: String, caller: Caller,
                                _ r: any StoreReader, _ v: inout Violations) throws {
        if try r.category(id: categoryID) == nil { v.add("\(prefix).category_id", "no such category") }
        if let post = try r.post(id: postID) {
            if post.categoryID != categoryID { v.add("\(prefix).post_id", "the post belongs to another category") }
        } else {
            v.add("\(prefix).post_id", "no such post")
        }
        if !accountID.isEmpty {
            if let account = try r.account(id: accountID), account.kind == "person",
               try AccountHandlers.reaches(caller, account, roles: UsersAccess.subjectWriters, r) {
                // linkable
            } else {
                v.add("\(prefix).account_id", "no such account")
            }
        }
    }

    func create(_ request: CreateSubjectRequest, _ call: Call) throws -> Subject {
        let s = request.subject ?? Subject()
        var v = Violations()
        Self.validate(s, prefix: "subject", fields: ["employee_number", "name", "position_level", "post_entry_date"], &v)
        let org = try OrganizationHandlers.find(s.organizationId, UsersAccess.subjectWriters, call, field: "subject.organization_id")
        guard org.active else { throw RPCError(.failedPrecondition, "the organisation is deactivated") }
        try call.read { r in try Self.checkReferences(categoryID: s.categoryId, postID: s.postId, accountID: s.accountId, prefix: "subject", caller: call.caller, r, &v) }
        try v.check()
        let now = call.now
        let entry = s.postEntryDate.flatMap(Convert.dateText) ?? ""
        let record = SubjectRecord(id: Identifiers.new(prefix: "sub"), employeeNumber: s.employeeNumber, name: s.name.trimmingSpaces,
                                   organizationID: org.id, categoryID: s.categoryId, postID: s.postId,
                                   positionLevel: s.positionLevel.rawValue, status: SubjectStatus.active.rawValue,
                                   accountID: s.accountId, postEntryDate: entry, createTime: now, updateTime: now)
        call.target = AuditLog.Target(type: "subject", id: record.id, organizationID: org.id, organizationPath: org.path)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createSubject(record, placement: PlacementRecord(subjectID: record.id, organizationID: org.id,
                                                                    fromDate: entry.isEmpty ? Convert.today(call.now) : entry,
                                                                    reason: "created", changedBy: call.caller.id))
            return RecordMessages.subject(record)
        }
    }

    func get(_ request: GetSubjectRequest, _ call: Call) throws -> Subject {
        RecordMessages.subject(try Self.find(request.id, UsersAccess.subjectReaders, allowSelf: true, call).0)
    }

    func update(_ request: UpdateSubjectRequest, _ call: Call) throws -> Subject {
        let patch = request.subject ?? Subject()
        var (subject, _) = try Self.find(patch.id, UsersAccess.subjectWriters, allowSelf: false, call, field: "subject.id")
        var v = Violations()
        if request.updateMask.isEmpty { v.add("update_mask", "names no field to change") }
        let allowed: Set<String> = ["name", "category_id", "post_id", "position_level", "status", "account_id", "post_entry_date"]
        for path in request.updateMask where !allowed.contains(path) {
            v.add("update_mask", path == "organization_id" ? "organization_id changes through TransferSubject" : "\(path) cannot be changed here")
        }
        Self.validate(patch, prefix: "subject", fields: Set(request.updateMask).intersection(allowed), &v)
        for path in request.updateMask {
            switch path {
            case "name": subject.name = patch.name.trimmingSpaces
            case "category_id": subject.categoryID = patch.categoryId
            case "post_id": subject.postID = patch.postId
            case "position_level": subject.positionLevel = patch.positionLevel.rawValue
            case "status": subject.status = patch.status.rawValue
            case "account_id": subject.accountID = patch.accountId
            case "post_entry_date": subject.postEntryDate = patch.postEntryDate.flatMap(Convert.dateText) ?? ""
            default: break
            }
        }
        let next = subject
        try call.read { r in try Self.checkReferences(categoryID: next.categoryID, postID: next.postID, accountID: next.accountID, prefix: "subject", caller: call.caller, r, &v) }
        try v.check()
        try Validate.etag(request.etag, subject.version)
        subject.updateTime = call.now
        let updated = subject
        return try call.write { tx in
            guard let current = try tx.subject(id: updated.id) else { throw Self.notFound }
            try Validate.etag(request.etag, current.version)
            try tx.updateSubject(updated)
            return RecordMessages.subject(try tx.subject(id: updated.id) ?? updated)
        }
    }

    func transfer(_ request: TransferSubjectRequest, _ call: Call) throws -> Subject {
        var (subject, from) = try Self.find(request.id, UsersAccess.subjectWriters, allowSelf: false, call)
        // Both ends of a transfer must be in the caller's scope: `find` checked `from`.
        let to = try OrganizationHandlers.find(request.toOrganizationId, UsersAccess.subjectWriters, call, field: "to_organization_id")
        guard to.id != from.id else { throw RPCError(.failedPrecondition, "the subject is already in that organisation") }
        guard to.active else { throw RPCError(.failedPrecondition, "the organisation is deactivated") }
        var v = Violations()
        let effective = request.effectiveDate.flatMap(Convert.dateText)
        if effective == nil { v.add("effective_date", "must be a valid calendar day") }
        if request.reason.trimmingSpaces.isEmpty || request.reason.count > 500 { v.add("reason", "must be 1-500 characters") }
        try v.check()
        let history = try call.read { try $0.placements(subjectID: subject.id) }
        if let current = history.last, effective! < current.fromDate {
            throw RPCError.invalidArgument(field: "effective_date", "is before the current placement began (\(current.fromDate))")
        }
        try Validate.etag(request.etag, subject.version)
        subject.organizationID = to.id
        subject.updateTime = call.now
        let moved = subject
        call.target = AuditLog.Target(type: "subject", id: subject.id, organizationID: to.id, organizationPath: to.path)
        return try call.write(requestID: request.requestId) { tx in
            guard let current = try tx.subject(id: moved.id) else { throw Self.notFound }
            try Validate.etag(request.etag, current.version)
            try tx.updateSubject(moved)
            try tx.addPlacement(PlacementRecord(subjectID: moved.id, organizationID: to.id, fromDate: effective!,
                                                reason: request.reason.trimmingSpaces, changedBy: call.caller.id))
            return RecordMessages.subject(try tx.subject(id: moved.id) ?? moved)
        }
    }

    func list(_ request: ListSubjectsRequest, _ call: Call) throws -> ListSubjectsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "sub")
        var filter = SubjectFilter(scope: call.caller.scope(UsersAccess.subjectReaders))
        if !call.caller.has(anyOf: UsersAccess.subjectReaders) {
            // An employee's self-view: only the subject linked to their own account.
            filter = SubjectFilter(scope: .everything, accountID: call.caller.id)
        }
        if !request.organizationId.isEmpty {
            let org = try OrganizationHandlers.find(request.organizationId, UsersAccess.subjectReaders, call, field: "organization_id")
            filter.underPath = org.path
            call.target = AuditLog.Target(type: "subject_list", id: org.id, organizationID: org.id, organizationPath: org.path)
        } else {
            call.target = AuditLog.Target(type: "subject_list", id: "")
        }
        if !request.categoryId.isEmpty { filter.categoryID = request.categoryId }
        if request.status != .unspecified { filter.status = request.status.rawValue }
        let f = filter
        let (rows, total) = try call.read { r in
            (try r.subjects(f, page: Page(after: after, limit: size + 1)), try r.subjectCount(f))
        }
        let page = Array(rows.prefix(size))
        // Each subject shown is a read of that subject's record.
        let organizations = try call.read { r in try Set(page.map(\.organizationID)).compactMap { try r.organization(id: $0) } }
        let paths = Dictionary(uniqueKeysWithValues: organizations.map { ($0.id, $0.path) })
        call.readTargets = page.map { AuditLog.Target(type: "subject", id: $0.id, organizationID: $0.organizationID,
                                                      organizationPath: paths[$0.organizationID] ?? "") }
        return ListSubjectsResponse(subjects: page.map(RecordMessages.subject),
                                    nextPageToken: rows.count > size ? Paging.token(page.last!.employeeNumber, kind: "sub") : "",
                                    totalSize: Int32(total))
    }

    func placements(_ request: ListPlacementsRequest, _ call: Call) throws -> ListPlacementsResponse {
        let (subject, _) = try Self.find(request.subjectId, UsersAccess.subjectReaders, allowSelf: true, call, field: "subject_id")
        return ListPlacementsResponse(placements: try call.read { try $0.placements(subjectID: subject.id) }.map(RecordMessages.placement))
    }

    // MARK: Import

    static let levels: [String: PositionLevel] = [
        "STAFF": .staff, "TEAM_LEADER": .teamLeader, "SECTION": .section, "DIVISION": .division,
    ]

    func importRows(_ request: ImportSubjectsRequest, _ call: Call) throws -> ImportSubjectsResponse {
        guard !request.rows.isEmpty else { throw RPCError.invalidArgument(field: "rows", "no rows to import") }
        guard request.rows.count <= Self.maxImportRows else {
            throw RPCError.invalidArgument(field: "rows", "at most \(Self.maxImportRows) rows a call; split the file")
        }
        call.target = AuditLog.Target(type: "subject_import", id: request.requestId)
        var rejections: [ImportRejection] = []
        var records: [(SubjectRecord, OrganizationRecord)] = []
        var seen: [String: Int32] = [:]
        var outsideScope: [AuditLog.Target] = []
        let now = call.now
        try call.read { r in
            var organizations: [String: OrganizationRecord?] = [:]
            for row in request.rows {
                func reject(_ field: String, _ reason: String) { rejections.append(ImportRejection(line: row.line, field: field, reason: reason)) }
                let before = rejections.count
                var v = Violations()
                Self.validate(Subject(employeeNumber: row.employeeNumber, name: row.name), prefix: "row", fields: ["employee_number", "name"], &v)
                for violation in v.list { reject(String(violation.field.dropFirst(4)), violation.description) }
                if let first = seen[row.employeeNumber] {
                    reject("employee_number", "repeats line \(first)")
                } else if !row.employeeNumber.isEmpty {
                    seen[row.employeeNumber] = row.line
                    if let existing = try r.subject(employeeNumber: row.employeeNumber) {
                        // Numbers are unique company-wide, so a taken one must be refused; the
                        // answer is the same wherever the subject is, names nothing, and a number
                        // taken outside the caller's scope is audited against that subject, so
                        // its district sees who tried it.
                        reject("employee_number", "a subject with this number exists")
                        if let where_ = try r.organization(id: existing.organizationID),
                           !call.caller.covers(UsersAccess.subjectWriters, path: where_.path) {
                            outsideScope.append(AuditLog.Target(type: "subject", id: existing.id, organizationID: where_.id,
                                                                organizationPath: where_.path))
                        }
                    }
                }
                if organizations[row.organizationId] == nil { organizations[row.organizationId] = try r.organization(id: row.organizationId) }
                let org = organizations[row.organizationId] ?? nil
                if org == nil || !call.caller.covers(UsersAccess.subjectWriters, path: org!.path) {
                    reject("organization_id", "no such organisation")
                } else if !org!.active {
                    reject("organization_id", "the organisation is deactivated")
                }
                let category = try r.category(code: row.categoryCode)
                if category == nil { reject("category_code", "no such category") }
                let post = try r.post(code: row.postCode)
                if post == nil { reject("post_code", "no such post") } else if let category, post!.categoryID != category.id {
                    reject("post_code", "the post belongs to another category")
                }
                let level = Self.levels[row.positionLevel.uppercased().replacingOccurrences(of: "POSITION_LEVEL_", with: "")]
                if level == nil { reject("position_level", "must be STAFF, TEAM_LEADER, SECTION or DIVISION") }
                var entry = ""
                if !row.postEntryDate.isEmpty {
                    if let d = Convert.date(row.postEntryDate), let text = Convert.dateText(d), text == row.postEntryDate {
                        entry = text
                    } else {
                        reject("post_entry_date", "must be a valid day written YYYY-MM-DD")
                    }
                }
                if rejections.count == before, let org, let category, let post, let level {
                    records.append((SubjectRecord(id: Identifiers.new(prefix: "sub"), employeeNumber: row.employeeNumber,
                                                  name: row.name.trimmingSpaces, organizationID: org.id, categoryID: category.id,
                                                  postID: post.id, positionLevel: level.rawValue, status: SubjectStatus.active.rawValue,
                                                  accountID: "", postEntryDate: entry, createTime: now, updateTime: now), org))
                }
            }
        }
        if !outsideScope.isEmpty {
            call.kit.auditLater(accountID: call.caller.id, method: call.method, targets: outsideScope, peer: call.context.peer,
                                outcome: "NUMBER_TAKEN_OUTSIDE_SCOPE")
        }
        guard rejections.isEmpty, !request.dryRun else {
            // A dry run (or a refused file) changes nothing, and is audited all the same.
            call.kit.auditLater(accountID: call.caller.id, method: call.method, targets: [call.target],
                                peer: call.context.peer, outcome: request.dryRun && rejections.isEmpty ? "DRY_RUN" : "REJECTED")
            return ImportSubjectsResponse(applied: false, created: Int32(records.count), rejections: rejections)
        }
        let accepted = records
        return try call.write(requestID: request.requestId) { tx in
            for (record, org) in accepted {
                try tx.createSubject(record, placement: PlacementRecord(subjectID: record.id, organizationID: org.id,
                                                                        fromDate: record.postEntryDate.isEmpty ? Convert.today(call.now) : record.postEntryDate,
                                                                        reason: "imported", changedBy: call.caller.id))
                try call.kit.audit.append(tx, time: call.kit.settings.clock.nowNanos(), accountID: call.caller.id, method: call.method,
                                    target: AuditLog.Target(type: "subject", id: record.id, organizationID: org.id, organizationPath: org.path),
                                    peer: call.context.peer, outcome: "OK")
            }
            return ImportSubjectsResponse(applied: true, created: Int32(accepted.count))
        }
    }
}
