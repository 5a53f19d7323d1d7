import Foundation
import LianjieMessages
import LianjieRPC
import LianjieWire

/// The gateway process's parts: the upstream connections to lianjied, the HTTP server and
/// the routes it serves. Stateless: everything it shows comes from lianjied with the
/// caller's own token.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let upstream: Upstream
    private let http: HTTPServer
    /// Drains the notification outbox to the webhook, when one is configured.
    public let notifier: Notifier?
    let logger: Logger

    /// The port the HTTP server is bound to.
    public var port: Int { http.port }
    public var tls: Bool { http.tls }

    /// - Parameter now: the wall clock in seconds (tests pass their own).
    public init(configuration c: GatewayConfiguration, logger: Logger,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        configuration = c
        self.logger = logger
        let upstream = Upstream(endpoint: c.server, direct: c.upstreamDirectConnections, shared: c.upstreamConnections,
                                callTimeout: .seconds(c.callTimeoutSeconds), retryWindow: .seconds(c.upstreamRetrySeconds), logger: logger)
        self.upstream = upstream
        let loginLimiter = RateLimiter(perMinute: c.loginsPerMinute, burst: c.loginBurst, now: now)
        let api = JSONAPI(upstream: upstream, maxBodyBytes: c.maxJSONBytes, loginLimiter: loginLimiter, logger: logger)
        let outbound = OutboundHTTP()
        var signIn: PlatformSignIn?
        if let p = c.platform, let url = c.publicURL, let token = c.serviceToken {
            signIn = PlatformSignIn(settings: p, publicURL: url, serviceToken: token, http: outbound)
        }
        let site = MobileSite(upstream: upstream, now: now, logger: logger, loginLimiter: loginLimiter, maxUploadBytes: c.maxUploadBytes,
                              signIn: signIn)
        let routes = Routes(api: api, site: site, upstream: upstream)
        do {
            http = try HTTPServer(configuration: c.http, logger: logger) { head in routes.exchange(head) }
        } catch {
            upstream.close()
            throw error
        }
        if let w = c.webhook, let token = c.serviceToken {
            notifier = Notifier(upstream: upstream, webhook: w, serviceToken: token, http: outbound, pollSeconds: c.notifyPollSeconds,
                                logger: logger, now: now)
            notifier?.start()
        } else {
            notifier = nil
        }
    }

    /// Stops serving: open connections are closed, upstream connections too.
    public func stop() {
        notifier?.stop()
        http.stop()
        upstream.close()
    }
}

/// Which part of the gateway answers a path.
struct Routes: Sendable {
    let api: JSONAPI
    let site: MobileSite
    let upstream: Upstream

    func exchange(_ head: HTTPRequestHead) -> any HTTPExchange {
        if head.path.hasPrefix(JSONAPI.prefix) { return api.exchange(head) }
        if head.path == MobileSite.prefix || head.path.hasPrefix(MobileSite.prefix + "/") { return site.exchange(head) }
        if head.path == "/" { return FixedExchange(head, MobileSite.redirect("/m/")) }
        if head.path == "/healthz" { return FixedExchange(head, health(head)) }
        return FixedExchange(head, Problem(status: 404, title: "NOT_FOUND", detail: "nothing here: \(head.path)").response)
    }

    /// 200 when lianjied answers its health check, else 503.
    func health(_ head: HTTPRequestHead) -> HTTPResponse {
        do {
            _ = try upstream.call(Health.check, HealthCheckRequest(), token: nil, client: head.peer)
            return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", text: "ok\n", headers: [("Cache-Control", "no-store")])
        } catch {
            return Problem(status: 503, title: "UNAVAILABLE", detail: "lianjied does not answer: \(error.message)",
                           code: Status.unavailable.rawValue, retryAfter: 1).response
        }
    }
}
