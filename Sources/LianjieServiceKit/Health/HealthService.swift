import LianjieMessages
import LianjieRPC
public import LianjieRPCServer

/// `lianjie.v1.Health`: answered on the connection's thread, with no token.
public struct HealthService: Sendable {
    let knownServices: Set<String>
    let isDraining: @Sendable () -> Bool

    /// - Parameter knownServices: the service names a check may ask about.
    public init(knownServices: Set<String>, isDraining: @escaping @Sendable () -> Bool) {
        self.knownServices = knownServices.union([Health.name])
        self.isDraining = isDraining
    }

    public static let accessRules: [String: AccessRule] = [Health.check.path: .anyone]

    public func register(on router: inout Router) {
        let isDraining = self.isDraining, known = knownServices
        router.register(Health.check, execution: .inline, authentication: .none, maxBodyBytes: 1024) { request, _ in
            guard request.service.isEmpty || known.contains(request.service) else {
                throw RPCError(.notFound, "unknown service \(request.service)")
            }
            return HealthCheckResponse(status: isDraining() ? .notServing : .serving)
        }
    }
}
