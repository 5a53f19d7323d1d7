import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie org …`
enum OrgCommands {
    static let usage = """
        usage: lianjie org list [--root ID] [--all]
               lianjie org get ID
               lianjie org create --name NAME --kind bureau|district-bureau|department|team [--parent ID]
               lianjie org rename ID NAME
               lianjie org move ID --to PARENT_ID
               lianjie org deactivate ID
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: ["--all"])
        let users = try ctx.users()
        switch sub {
        case "list":
            try args.only(["--root", "--all"], positionals: 0)
            let all = try await Commands.allPages { token in
                let page = try await Commands.rpc {
                    try await users.listOrganizations(ListOrganizationsRequest(rootId: args.value("--root") ?? "", includeInactive: args.flag("--all"),
                                                                              pageSize: 500, pageToken: token), options: ctx.options)
                }
                return (page.organizations, page.nextPageToken)
            }
            let response = ListOrganizationsResponse(organizations: all, totalSize: Int32(all.count))
            ctx.output(response) {
                var t = Table("ID", "NAME", "KIND", "ACTIVE")
                let depthBase = all.map(\.ancestorIds.count).min() ?? 0
                for o in all {
                    t.add(o.id, String(repeating: "  ", count: o.ancestorIds.count - depthBase) + o.name,
                          Show.name(o.kind, prefix: "ORGANIZATION_KIND_"), o.active ? "yes" : "no")
                }
                t.print()
            }
        case "get":
            try args.only([], positionals: 1)
            let o = try await Commands.rpc { try await users.getOrganization(GetOrganizationRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            ctx.output(o) { printOrganization(o) }
        case "create":
            try args.only(["--name", "--kind", "--parent"], positionals: 0)
            let kind = try Show.parse(try args.required("--kind"), prefix: "ORGANIZATION_KIND_", OrganizationKind.self, field: "--kind")
            let o = try await Commands.rpc {
                try await users.createOrganization(CreateOrganizationRequest(requestId: Show.requestID(), parentId: args.value("--parent") ?? "",
                                                                             name: try args.required("--name"), kind: kind), options: ctx.options)
            }
            ctx.output(o) { print("created \(o.id) \(o.name)") }
        case "rename":
            try args.only([], positionals: 2)
            let id = try args.positional(0, "ID"), name = try args.positional(1, "NAME")
            let current = try await Commands.rpc { try await users.getOrganization(GetOrganizationRequest(id: id), options: ctx.options) }
            let o = try await Commands.rpc {
                try await users.updateOrganization(UpdateOrganizationRequest(organization: Organization(id: id, name: name), updateMask: ["name"],
                                                                             etag: current.etag), options: ctx.options)
            }
            ctx.output(o) { print("renamed \(o.id) to \(o.name)") }
        case "move":
            try args.only(["--to"], positionals: 1)
            let o = try await Commands.rpc {
                try await users.moveOrganization(MoveOrganizationRequest(requestId: Show.requestID(), id: try args.positional(0, "ID"),
                                                                         newParentId: try args.required("--to")), options: ctx.options)
            }
            ctx.output(o) { print("moved \(o.id) under \(o.parentId)") }
        case "deactivate":
            try args.only([], positionals: 1)
            let o = try await Commands.rpc {
                try await users.deactivateOrganization(DeactivateOrganizationRequest(requestId: Show.requestID(), id: try args.positional(0, "ID")),
                                                       options: ctx.options)
            }
            ctx.output(o) { print("deactivated \(o.id) \(o.name)") }
        default:
            throw CLIError.usage(usage)
        }
    }

    /// Names of the organisations the caller may see, by id; empty when it may see none
    /// (tables then show ids). Best effort: a refusal here is not an error of the command.
    static func names(_ ctx: CLIContext, _ users: UserServiceClient) async -> [String: String] {
        guard let all = try? await Commands.allPages({ token in
            let page = try await users.listOrganizations(ListOrganizationsRequest(includeInactive: true, pageSize: 500, pageToken: token),
                                                         options: ctx.options)
            return (page.organizations, page.nextPageToken)
        }) else { return [:] }
        return Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.name) })
    }

    static func printOrganization(_ o: Organization) {
        var t = Table("FIELD", "VALUE")
        t.add("id", o.id)
        t.add("name", o.name)
        t.add("kind", Show.name(o.kind, prefix: "ORGANIZATION_KIND_"))
        t.add("parent", o.parentId)
        t.add("active", o.active ? "yes" : "no")
        t.add("created", Show.time(o.createTime))
        t.add("etag", o.etag)
        t.print()
    }
}
