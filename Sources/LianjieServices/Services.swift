import Glibc
public import LianjieRPC
import LianjieMessages
import LianjieSecurity
public import LianjieStore

/// Settings the services read; the daemon fills it from flags and the config file.
public struct ServiceSettings: Sendable {
    /// How long a login session lasts.
    public var sessionSeconds: Int64 = 12 * 3600
    /// Failures in a row after which each further failure is answered more slowly.
    public var slowDownAfterFailures = 5
    /// Failures in a row after which the account is locked.
    public var lockAfterFailures = 10
    /// How long a lock lasts.
    public var lockSeconds: Int64 = 15 * 60
    /// Longest pause added to a failed login.
    public var maxFailureDelaySeconds = 2.0

    public init() {}
}

/// Builds the router with every service's handlers.
public enum Services {
    /// - Parameter isDraining: tells the health service when the server stops taking work.
    public static func router(store: any Store, settings: ServiceSettings, logger: Logger,
                              isDraining: @escaping @Sendable () -> Bool) -> Router {
        var router = Router()
        // Made now, so the first unknown-user login costs what every other one does.
        _ = PasswordHasher.decoyHash
        let auth = Authenticator(store: store, logger: logger)
        let registry = HandlerRegistry(store: store, auth: auth, logger: logger)
        HealthService(isDraining: isDraining).register(on: &router)
        SessionHandlers(store: store, auth: auth, settings: settings, logger: logger).register(on: &router, registry)
        OrganizationHandlers().register(on: &router, registry)
        AccountHandlers().register(on: &router, registry)
        SubjectHandlers().register(on: &router, registry)
        AuditHandlers().register(on: &router, registry)
        return router
    }

    /// Maps a store failure to what a caller sees: one place, so nothing internal leaks.
    static func rpcError(_ error: StoreError, logger: Logger, method: String) -> RPCError {
        switch error.code {
        case .conflict: return RPCError(.alreadyExists, error.message)
        case .busy:
            logger.warning("store busy", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.unavailable, "the data store is busy; retry later")
        case .unavailable:
            logger.error("store unavailable", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.unavailable, "the data store is unavailable; retry later")
        case .tooNew, .failed:
            logger.error("store failed", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.internal, "internal error; the server log has the details")
        }
    }

    /// Unix seconds.
    static func now() -> Int64 { Int64(time(nil)) }

    /// Unix nanoseconds.
    static func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// `lianjie.v1.Health`.
struct HealthService {
    let isDraining: @Sendable () -> Bool

    static let knownServices: Set<String> = [Health.name, UserService.name]

    func register(on router: inout Router) {
        let isDraining = self.isDraining
        router.register(Health.check, execution: .inline) { request, _ in
            guard request.service.isEmpty || Self.knownServices.contains(request.service) else {
                throw RPCError(.notFound, "unknown service \(request.service)")
            }
            return HealthCheckResponse(status: isDraining() ? .notServing : .serving)
        }
    }
}
