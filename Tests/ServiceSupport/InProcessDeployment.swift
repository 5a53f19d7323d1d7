import Foundation
public import LianjieClient
import LianjieMessages
public import LianjieRPC
public import LianjieRPCServer
import LianjieSeed
public import LianjieServiceKit
import LianjieServices
public import LianjieStore
import XCTest

/// The demo deployment served in this process: a temporary SQLite store, a test clock
/// (`clock`, which moves only when told), the real router and RPC server on a loopback
/// port, and clients logged in as its accounts. Much cheaper than a `lianjied` process
/// per test, and the handlers' internals stay reachable.
public final class InProcessDeployment: @unchecked Sendable {
    // @unchecked: built once by the test's thread, then only read.
    public static let adminPassword = "Correct-Horse-42"
    public static let passwords = Dictionary(uniqueKeysWithValues: [("admin", adminPassword)] + Demo.accounts.map { ($0.username, $0.password) })

    public let directory: String
    public let store: SQLiteStore
    public let server: RPCServer
    public let port: Int
    public let settings: ServiceSettings
    public let logger: Logger
    public let clock: ManualClock
    public let kit: ServiceKit

    /// - Parameters:
    ///   - settings: its `clock` is replaced by the deployment's `ManualClock`.
    ///   - history: also seed the demo's year of entries and work orders (most tests start
    ///     without, so that what they count is what they made).
    ///   - serve: the store the services use, made from the real one (a test wraps it to make
    ///     it fail); `store` stays the real one, for checking what landed.
    public init(settings: ServiceSettings = ServiceSettings(), history: Bool = false, serve: (SQLiteStore) -> any Store = { $0 },
         configure: (inout RPCServerConfiguration) -> Void = { _ in }) throws {
        directory = NSTemporaryDirectory() + "lianjie-services-\(UUID().uuidString)"
        store = try SQLiteStore(directory: directory)
        logger = Logger(level: .error, sink: { _ in })
        clock = ManualClock(unixSeconds: 1_796_083_200)  // 2026-12-01T00:00:00Z
        var settings = settings
        settings.clock = clock
        let audit = AuditLog(key: AuditKey(bytes: Array(repeating: 7, count: 32)))
        _ = try Demo.seed(store: store, administrator: ("admin", Self.adminPassword), audit: audit, clock: clock, history: history, logger: logger)
        self.settings = settings
        kit = Services.kit(store: serve(store), settings: settings, audit: audit, logger: logger)
        var configuration = RPCServerConfiguration()
        configuration.endpoint = Endpoint(host: "127.0.0.1", port: 0)
        configuration.eventLoops = 1
        configure(&configuration)
        server = try RPCServer(configuration: configuration,
                               router: Services.router(kit: kit, isDraining: { false }),
                               logger: logger)
        port = try server.start()
    }

    deinit {
        server.drain(graceSeconds: 1)
        kit.flushAudit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A client with no token.
    public func anonymous() -> RPCClient { RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port)) }

    /// A client logged in as `username` (a demo account, or one whose password is given).
    public func client(_ username: String, password: String? = nil) async throws -> RPCClient {
        let c = anonymous()
        let response = try await c.userService.login(LoginRequest(username: username, password: password ?? Self.passwords[username]!))
        c.token = response.token
        return c
    }

    public func users(_ username: String, password: String? = nil) async throws -> UserServiceClient {
        try await client(username, password: password).userService
    }

    public func entries(_ username: String, password: String? = nil) async throws -> EntryServiceClient {
        try await client(username, password: password).entryService
    }

    public func evaluations(_ username: String, password: String? = nil) async throws -> EvaluationServiceClient {
        try await client(username, password: password).evaluationService
    }

    public func resultUse(_ username: String, password: String? = nil) async throws -> ResultUseServiceClient {
        try await client(username, password: password).resultUseService
    }

    /// A client holding an API token of a new service account with `role` (the gateway's,
    /// by default) on `organization` (a path of names; nil: the whole deployment).
    public func serviceClient(_ username: String = "gateway", role: Role = .gateway, organization: String? = nil) async throws -> RPCClient {
        let admin = try await users("admin")
        let org = try organization.map { try self.organization($0).id } ?? ""
        let account = try await admin.createAccount(CreateAccountRequest(username: username, grants: [RoleGrant(role: role, organizationId: org)],
                                                                          kind: .service))
        let token = try await admin.issueApiToken(IssueApiTokenRequest(accountId: account.id, description: "tests")).token
        let c = anonymous()
        c.token = token
        return c
    }

    /// The organisation at a path of names below the root, e.g. `城东区供电局/营销部/高压业扩班`.
    public func organization(_ path: String) throws -> OrganizationRecord {
        let all = try store.read { try $0.organizations(scope: .everything, includeInactive: true, page: Page(after: nil, limit: 1000)) }
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        func name(_ o: OrganizationRecord) -> String {
            (o.ancestorIDs.dropFirst().compactMap { byID[$0]?.name } + [o.name]).joined(separator: "/")
        }
        guard let found = all.first(where: { name($0) == path }) else { throw XCTSkip("no organisation \(path)") }
        return found
    }

    /// The audit entries written so far (after every pending one has landed).
    public func auditEntries(method: String? = nil) throws -> [AuditRecord] {
        kit.flushAudit()
        return try store.read { try $0.auditEntries(AuditFilter(scope: .everything, method: method), afterSequence: 0, limit: 100_000) }
    }

    public func account(_ username: String) throws -> AccountRecord {
        try XCTUnwrap(try store.read { try $0.account(username: username) })
    }
}
