import LianjieMessages
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit
import LianjieStore

/// The organisation tree.
struct OrganizationHandlers: Sendable {
    func register(on router: inout Router, _ kit: ServiceKit) {
        kit.register(UserService.createOrganization, audit: .change, on: &router, create)
        kit.register(UserService.getOrganization, audit: .none, on: &router, get)
        kit.register(UserService.updateOrganization, audit: .change, on: &router, update)
        kit.register(UserService.moveOrganization, audit: .change, on: &router, move)
        kit.register(UserService.deactivateOrganization, audit: .change, on: &router, deactivate)
        kit.register(UserService.listOrganizations, audit: .none, on: &router, list)
    }

    static let notFound = RPCError(.notFound, "no such organisation")

    /// The organisation, if it exists and one of `roles` covers it; NOT_FOUND otherwise.
    static func find(_ id: String, _ roles: Set<Role>, _ call: Call, field: String = "id") throws -> OrganizationRecord {
        guard !id.isEmpty else { throw RPCError.invalidArgument(field: field, "is required") }
        guard let org = try call.read({ try $0.organization(id: id) }), call.caller.covers(roles, path: org.path) else {
            throw RPCError(.notFound, "no such organisation: \(id)")
        }
        return org
    }

    static func checkName(_ name: String, field: String, _ v: inout Violations) {
        let trimmed = name.trimmingSpaces
        if trimmed.isEmpty { v.add(field, "is required") } else if trimmed.count > 100 { v.add(field, "is longer than 100 characters") }
    }

    func create(_ request: CreateOrganizationRequest, _ call: Call) throws -> Organization {
        var v = Violations()
        Self.checkName(request.name, field: "name", &v)
        if request.kind == .unspecified || request.kind.protoValueName == nil { v.add("kind", "must be one of BUREAU, DISTRICT_BUREAU, DEPARTMENT, TEAM") }
        try v.check()
        let id = Identifiers.new(prefix: "org")
        var parentPath = "/"
        if request.parentId.isEmpty {
            guard call.caller.coversEverything([.admin]) else {
                throw RPCError(.permissionDenied, "only a whole-deployment administrator creates a root organisation")
            }
        } else {
            let parent = try Self.find(request.parentId, [.admin], call, field: "parent_id")
            guard parent.active else { throw RPCError(.failedPrecondition, "the parent organisation is deactivated") }
            parentPath = parent.path
        }
        let now = call.now
        let record = OrganizationRecord(id: id, name: request.name.trimmingSpaces, kind: request.kind.rawValue,
                                        parentID: request.parentId, path: parentPath + id + "/", createTime: now, updateTime: now)
        call.target = AuditLog.Target(type: "organization", id: id, organizationID: id, organizationPath: record.path)
        return try call.write(requestID: request.requestId) { tx in
            try tx.createOrganization(record)
            return Convert.organization(record)
        }
    }

    func get(_ request: GetOrganizationRequest, _ call: Call) throws -> Organization {
        Convert.organization(try Self.find(request.id, UsersAccess.readers, call))
    }

    func update(_ request: UpdateOrganizationRequest, _ call: Call) throws -> Organization {
        let patch = request.organization ?? Organization()
        var org = try Self.find(patch.id, [.admin], call, field: "organization.id")
        var v = Violations()
        if request.updateMask.isEmpty { v.add("update_mask", "names no field to change") }
        for path in request.updateMask {
            switch path {
            case "name":
                Self.checkName(patch.name, field: "organization.name", &v)
                org.name = patch.name.trimmingSpaces
            case "kind":
                if patch.kind == .unspecified || patch.kind.protoValueName == nil { v.add("organization.kind", "must be a known kind") }
                org.kind = patch.kind.rawValue
            default: v.add("update_mask", "\(path) cannot be changed here")
            }
        }
        try v.check()
        try Validate.etag(request.etag, org.version)
        org.updateTime = call.now
        call.target = AuditLog.Target(type: "organization", id: org.id, organizationID: org.id, organizationPath: org.path)
        return try call.write { tx in
            guard let current = try tx.organization(id: org.id) else { throw Self.notFound }
            try Validate.etag(request.etag, current.version)
            try tx.updateOrganization(org)
            return Convert.organization(try tx.organization(id: org.id) ?? org)
        }
    }

    func move(_ request: MoveOrganizationRequest, _ call: Call) throws -> Organization {
        let org = try Self.find(request.id, [.admin], call)
        let parent = try Self.find(request.newParentId, [.admin], call, field: "new_parent_id")
        guard !org.parentID.isEmpty else { throw RPCError(.failedPrecondition, "a root organisation cannot be moved") }
        guard !parent.path.hasPrefix(org.path) else {
            throw RPCError.invalidArgument(field: "new_parent_id", "is the organisation itself or one of its descendants")
        }
        guard parent.active else { throw RPCError(.failedPrecondition, "the new parent is deactivated") }
        try Validate.etag(request.etag, org.version)
        let newPath = parent.path + org.id + "/"
        call.target = AuditLog.Target(type: "organization", id: org.id, organizationID: org.id, organizationPath: newPath)
        return try call.write(requestID: request.requestId) { tx in
            guard let current = try tx.organization(id: org.id) else { throw Self.notFound }
            try Validate.etag(request.etag, current.version)
            try tx.moveOrganization(id: org.id, newParentID: parent.id, newPath: newPath, at: call.now)
            return Convert.organization(try tx.organization(id: org.id) ?? org)
        }
    }

    func deactivate(_ request: DeactivateOrganizationRequest, _ call: Call) throws -> Organization {
        var org = try Self.find(request.id, [.admin], call)
        try Validate.etag(request.etag, org.version)
        call.target = AuditLog.Target(type: "organization", id: org.id, organizationID: org.id, organizationPath: org.path)
        return try call.write(requestID: request.requestId) { tx in
            guard let current = try tx.organization(id: org.id) else { throw Self.notFound }
            try Validate.etag(request.etag, current.version)
            if try tx.activeChildCount(of: org.id) > 0 {
                throw RPCError(.failedPrecondition, "the organisation has active child organisations; deactivate or move them first")
            }
            if try tx.activeSubjectCount(organizationID: org.id) > 0 {
                throw RPCError(.failedPrecondition, "the organisation has active subjects; transfer them first")
            }
            org.active = false
            org.updateTime = call.now
            try tx.updateOrganization(org)
            return Convert.organization(try tx.organization(id: org.id) ?? org)
        }
    }

    func list(_ request: ListOrganizationsRequest, _ call: Call) throws -> ListOrganizationsResponse {
        let size = try Paging.size(request.pageSize)
        let after = try Paging.after(request.pageToken, kind: "org")
        var scope = call.caller.scope(UsersAccess.readers)
        if !request.rootId.isEmpty {
            scope = .subtrees([try Self.find(request.rootId, UsersAccess.readers, call, field: "root_id").path])
        }
        let filter = scope
        let (rows, total) = try call.read { r in
            (try r.organizations(scope: filter, includeInactive: request.includeInactive, page: Page(after: after, limit: size + 1)),
             try r.organizationCount(scope: filter, includeInactive: request.includeInactive))
        }
        let page = Array(rows.prefix(size))
        return ListOrganizationsResponse(organizations: page.map(Convert.organization),
                                         nextPageToken: rows.count > size ? Paging.token(page.last!.path, kind: "org") : "",
                                         totalSize: Int32(total))
    }
}
