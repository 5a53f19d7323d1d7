public import Dispatch
public import LianjieRPC
public import LianjieRPCServer
import LianjieMessages
import LianjieSecurity
public import LianjieServiceKit
public import LianjieStore
import LianjieUsers
import LianjieEntry
import LianjieEvaluation
import LianjieResultUse
import LianjieNotifications

/// The server's services, assembled: every module's access rules in one table, the kit
/// they share, and each module's handlers on one router.
public enum Services {
    /// Every module's access rules: the one table of who may call what.
    public static var accessTable: AccessTable {
        var table = AccessTable()
        table.add(HealthService.accessRules)
        table.add(UsersModule.accessRules)
        table.add(EntryModule.accessRules)
        table.add(EvaluationModule.accessRules)
        table.add(ResultUseModule.accessRules)
        table.add(NotificationModule.accessRules)
        return table
    }

    /// The kit every module is built on.
    public static func kit(store: any Store, settings: ServiceSettings, audit: AuditLog, logger: Logger) -> ServiceKit {
        var kit = ServiceKit(store: store, settings: settings, audit: audit, access: accessTable, logger: logger)
        UsersModule.prepare(&kit)
        EntryModule.prepare(&kit)
        EvaluationModule.prepare(&kit)
        ResultUseModule.prepare(&kit)
        return kit
    }

    /// Starts the work the services do on their own (result use's overdue-case check, every
    /// ten minutes); cancel the timers returned to stop it.
    public static func startBackgroundWork(kit: ServiceKit) -> [any DispatchSourceTimer] {
        [ResultUseModule.startOverdueChecks(kit)]
    }

    /// Builds the router with every service's handlers and the kit's authenticator.
    /// - Parameter isDraining: tells the health service when the server stops taking work.
    public static func router(kit: ServiceKit, isDraining: @escaping @Sendable () -> Bool) -> Router {
        var router = Router()
        // Made now, so the first unknown-user login costs what every other one does.
        _ = PasswordHasher.decoyHash
        router.authenticator = kit.authenticator
        HealthService(knownServices: UsersModule.serviceNames.union(EntryModule.serviceNames).union(EvaluationModule.serviceNames)
                          .union(ResultUseModule.serviceNames).union(NotificationModule.serviceNames), isDraining: isDraining).register(on: &router)
        UsersModule.register(on: &router, kit)
        EntryModule.register(on: &router, kit)
        EvaluationModule.register(on: &router, kit)
        ResultUseModule.register(on: &router, kit)
        NotificationModule.register(on: &router, kit)
        let unrouted = Set(kit.access.rules.keys).symmetricDifference(router.methodPaths)
        precondition(unrouted.isEmpty, "methods without both an access rule and a handler: \(unrouted.sorted())")
        return router
    }
}
