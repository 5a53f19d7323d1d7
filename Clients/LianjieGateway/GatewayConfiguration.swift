import Foundation
import LianjieRPC

/// lianjie-gateway's settings: defaults, then the config file, then flags (the later wins).
public struct GatewayConfiguration: Sendable {
    public static let version = "0.1.0"

    /// lianjied's address: `HOST:PORT`, or `unix:PATH` for its `gateway_socket` on this host.
    public var server = Endpoint(host: "127.0.0.1", port: 7600)
    public var http = HTTPServerConfiguration()
    public var logLevel = Logger.Level.info
    /// LJRP connections to lianjied an HTTP thread borrows for one call, reading its own
    /// reply (the fast way)…
    public var upstreamDirectConnections = 16
    /// …and multiplexed ones that calls share while every direct one is lent.
    public var upstreamConnections = 4
    /// The longest a call to lianjied may take.
    public var callTimeoutSeconds = 30
    /// How long a call lianjied never started is tried again (lianjied restarting).
    public var upstreamRetrySeconds = 5
    /// The largest JSON body of a call.
    public var maxJSONBytes = 2 * 1024 * 1024
    /// The largest photo or file a page uploads (the whole form), in bytes.
    public var maxUploadBytes = 50 * 1024 * 1024 + 64 * 1024
    /// Password logins one client address may try per minute, and at once.
    public var loginsPerMinute = 10
    public var loginBurst = 5
    public var configPath: String?
    /// The gateway's own API token (an account with ROLE_GATEWAY on the whole deployment): needed for
    /// sign-in from the messaging app and for notifications.
    public var serviceToken: String?
    /// The address people reach the gateway at (`https://lianjie.example.com`), for the
    /// OAuth2 redirect back from the messaging platform.
    public var publicURL: String?
    /// Sign-in from the messaging app (OAuth2 authorization code), when configured.
    public var platform: PlatformSettings?
    /// Notifications to the messaging platform's webhook, when configured.
    public var webhook: WebhookSettings?
    /// How often the outbox is polled when it was found empty.
    public var notifyPollSeconds = 2.0

    public struct PlatformSettings: Sendable {
        /// Where the browser is sent to sign in (`client_id`, `redirect_uri`,
        /// `response_type=code` and `state` are added to its query).
        public var authorizeURL: String
        /// Where a code is exchanged for the user (POST, form-encoded `client_id`,
        /// `client_secret`, `code`, `grant_type`, `redirect_uri`; answers JSON).
        public var userInfoURL: String
        public var appID: String
        public var secret: String
        /// The JSON member of the user-info answer holding the platform's user id.
        public var userIDField = "userid"

        public init(authorizeURL: String, userInfoURL: String, appID: String, secret: String, userIDField: String = "userid") {
            self.authorizeURL = authorizeURL
            self.userInfoURL = userInfoURL
            self.appID = appID
            self.secret = secret
            self.userIDField = userIDField
        }
    }

    public struct WebhookSettings: Sendable {
        public var url: String
        /// The HMAC-SHA256 key of the `X-Lianjie-Signature` header.
        public var secret: String

        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    public init() {
        http.endpoint = Endpoint(host: "127.0.0.1", port: 8080)
    }

    public static let usage = """
        lianjie-gateway — HTTP/JSON and mobile pages in front of lianjied

        Usage: lianjie-gateway [options]

        Options:
          --listen HOST:PORT   address to serve HTTP on (default 127.0.0.1:8080)
          --server ADDRESS     lianjied's HOST:PORT, or unix:PATH for its gateway socket
                               on this host (default 127.0.0.1:7600)
          --config FILE        a config file of `key = value` lines (see Deploy/lianjie-gateway.conf)
          --log-level LEVEL    trace, debug, info, notice, warning or error (default info)
          --version            print the version and exit
          --help               print this help and exit

        HTTPS when tls_cert_file and tls_key_file are set. Logs are JSON lines on standard
        error. SIGTERM or SIGINT stops it.
        """

    public struct UsageError: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// Parses the command line; the action is "help" or "version" when one was asked for.
    public static func parse(_ args: [String]) throws -> (GatewayConfiguration, action: String?) {
        var c = GatewayConfiguration()
        do {
            let line = try ConfigFile.commandLine(args, flags: ["--listen", "--server", "--log-level"])
            if let action = line.action { return (c, action) }
            if let configPath = line.config {
                c.configPath = configPath
                for s in try ConfigFile.read(configPath) { try c.apply(key: s.key, value: s.value, source: s.source) }
            }
            for s in line.settings { try c.apply(key: s.key, value: s.value, source: s.source) }
        } catch { throw UsageError(error.description) }
        return (c, nil)
    }

    /// Applies one setting.
    public mutating func apply(key: String, value: String, source: String) throws(ConfigFile.Problem) {
        func number(_ range: ClosedRange<Double>) throws(ConfigFile.Problem) -> Int {
            Int(try ConfigFile.number(key, value, source, range))
        }
        func endpoint(unix: Bool) throws(ConfigFile.Problem) -> Endpoint {
            guard let e = Endpoint(value), unix || !e.isUnix else {
                throw ConfigFile.Problem("\(source): \(key) must be HOST:PORT\(unix ? " or unix:/PATH" : ""), got \(value)")
            }
            return e
        }
        func file() throws(ConfigFile.Problem) -> String {
            guard let text = try? String(contentsOfFile: relative(value), encoding: .utf8) else {
                throw ConfigFile.Problem("\(source): cannot read \(key) \(value)")
            }
            return text
        }
        switch key {
        case "listen": http.endpoint = try endpoint(unix: false)
        case "server": server = try endpoint(unix: true)
        case "log_level":
            guard let l = Logger.Level(name: value) else {
                throw ConfigFile.Problem("\(source): log_level must be one of trace, debug, info, notice, warning, error")
            }
            logLevel = l
        case "tls_cert_file": http.tlsCertificatePEM = try file()
        case "tls_key_file": http.tlsKeyPEM = try file()
        case "max_connections": http.maxConnections = try number(1...100_000)
        case "trusted_proxies":
            let addresses = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for a in addresses where !Endpoint.isNumericAddress(a) {
                throw ConfigFile.Problem("\(source): trusted_proxies lists numeric addresses without ports, got \(a)")
            }
            http.trustedProxies = Set(addresses)
        case "max_connections_per_address": http.maxConnectionsPerAddress = try number(1...100_000)
        case "idle_timeout_s": http.idleTimeoutSeconds = try number(1...3600)
        case "upstream_connections": upstreamConnections = try number(1...64)
        case "upstream_direct_connections": upstreamDirectConnections = try number(0...1024)
        case "call_timeout_s": callTimeoutSeconds = try number(1...3600)
        case "upstream_retry_s": upstreamRetrySeconds = try number(0...300)
        case "max_json_bytes": maxJSONBytes = try number(1024...67_108_864)
        case "service_token_file": serviceToken = try file().trimmingCharacters(in: .whitespacesAndNewlines)
        case "public_url": publicURL = value.hasSuffix("/") ? String(value.dropLast()) : value
        case "oauth_authorize_url": platformSetting { $0.authorizeURL = value }
        case "oauth_userinfo_url": platformSetting { $0.userInfoURL = value }
        case "oauth_app_id": platformSetting { $0.appID = value }
        case "oauth_secret_file": let secret = try file().trimmingCharacters(in: .whitespacesAndNewlines); platformSetting { $0.secret = secret }
        case "oauth_user_id_field": platformSetting { $0.userIDField = value }
        case "webhook_url": webhook = WebhookSettings(url: value, secret: webhook?.secret ?? "")
        case "webhook_secret_file": webhook = WebhookSettings(url: webhook?.url ?? "", secret: try file().trimmingCharacters(in: .whitespacesAndNewlines))
        case "notify_poll_s": notifyPollSeconds = try ConfigFile.number(key, value, source, 0.1...60)
        case "max_upload_mb": maxUploadBytes = try number(1...1024) * 1_048_576 + 64 * 1024
        case "logins_per_minute": loginsPerMinute = try number(1...10_000)
        case "login_burst": loginBurst = try number(1...10_000)
        default: throw ConfigFile.Problem("\(source): unknown setting \(key)")
        }
    }

    private mutating func platformSetting(_ change: (inout PlatformSettings) -> Void) {
        var p = platform ?? PlatformSettings(authorizeURL: "", userInfoURL: "", appID: "", secret: "")
        change(&p)
        platform = p
    }

    /// A path from the config file: relative ones are beside it.
    func relative(_ path: String) -> String {
        guard !path.hasPrefix("/"), let configPath else { return path }
        return ((configPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
    }

    /// Whether the TLS settings are complete (both or neither).
    public func validate() throws(ConfigFile.Problem) {
        if (http.tlsCertificatePEM == nil) != (http.tlsKeyPEM == nil) {
            throw ConfigFile.Problem("tls_cert_file and tls_key_file go together: set both for HTTPS, or neither")
        }
        if let p = platform {
            for (name, v) in [("oauth_authorize_url", p.authorizeURL), ("oauth_userinfo_url", p.userInfoURL), ("oauth_app_id", p.appID),
                              ("oauth_secret_file", p.secret), ("public_url", publicURL ?? ""), ("service_token_file", serviceToken ?? "")] where v.isEmpty {
                throw ConfigFile.Problem("sign-in from the messaging app needs \(name) too")
            }
            for (name, v) in [("oauth_authorize_url", p.authorizeURL), ("oauth_userinfo_url", p.userInfoURL), ("public_url", publicURL ?? "")]
                where URL(string: v)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                throw ConfigFile.Problem("\(name) must be an http or https URL, got \(v)")
            }
        }
        if let w = webhook {
            if w.url.isEmpty || URL(string: w.url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
                throw ConfigFile.Problem("webhook_url must be an http or https URL")
            }
            if w.secret.count < 16 { throw ConfigFile.Problem("webhook_secret_file must hold a secret of at least 16 characters") }
            if (serviceToken ?? "").isEmpty { throw ConfigFile.Problem("notifications need service_token_file (the gateway's own API token)") }
        }
    }
}
