import Foundation
import LianjieRPC
import LianjieRPCServer
import LianjieServiceKit

/// lianjied's settings: defaults, then the config file, then flags (the later wins).
struct DaemonOptions {
    static let version = "0.1.0"

    var listen = Endpoint(host: "127.0.0.1", port: 7600)
    var dataDirectory = "./data"
    var logLevel = Logger.Level.info
    var server = RPCServerConfiguration()
    var services = ServiceSettings()
    var drainGraceSeconds = 10.0
    var seedDemo = false
    /// Where the audit key lives; nil: beside the config file, else beside the data directory.
    var auditKeyFile: String?
    var configPath: String?
    /// SQLite reader connections (`reader_connections`); by default one per four workers.
    var readers: Int?

    var readerConnections: Int { readers ?? max(4, server.workerThreads / 4) }

    /// The audit key's file: `audit_key_file`, else systemd's credential, else `audit.key`
    /// beside the config file, else `<data-dir>.audit-key` beside the data directory (never
    /// inside it: a copy of the data directory must not carry its own key).
    func auditKeyPath(environment: [String: String]) -> String {
        if let auditKeyFile { return auditKeyFile }
        if let credentials = environment["CREDENTIALS_DIRECTORY"], !credentials.isEmpty {
            return (credentials as NSString).appendingPathComponent("audit-key")
        }
        if let configPath { return ((configPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("audit.key") }
        var directory = dataDirectory
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return directory + ".audit-key"
    }

    static let usage = """
        lianjied — the Lianjie integrity evaluation server (LJRP/1 over TCP, and a Unix socket
        for a gateway on this host with gateway_socket in the config file)

        Usage: lianjied [options]

        Options:
          --listen HOST:PORT   address to serve on (default 127.0.0.1:7600; use [::1]:PORT for IPv6)
          --data-dir DIR       where the database lives (default ./data; created with mode 0700)
          --config FILE        a config file of `key = value` lines (see Deploy/lianjied.conf)
          --log-level LEVEL    trace, debug, info, notice, warning or error (default info)
          --demo               on a store with no organisations, add the demo deployment
                               (see the README for its accounts and passwords)
          --version            print the version and exit
          --help               print this help and exit

        Environment:
          LIANJIE_BOOTSTRAP_ADMIN=name:password   on an empty store, create this administrator
                               (read once, then erased from the process's environment)
          CREDENTIALS_DIRECTORY                   systemd's: its audit-key is the audit key

        The audit log is keyed with a secret kept outside the database: audit_key_file, or
        the systemd credential, or audit.key beside the config file, or DATA-DIR.audit-key.
        It is created (mode 0600) on the first start; back it up apart from the data.

        Logs are JSON lines on standard error. SIGTERM or SIGINT drains: GOAWAY to every
        connection, accepted calls finish within the grace period, then exit 0.
        """

    struct UsageError: Error, CustomStringConvertible { var description: String }

    static func parse(_ args: [String]) throws -> (DaemonOptions, action: String?) {
        var o = DaemonOptions()
        let line: ConfigFile.CommandLine
        do { line = try ConfigFile.commandLine(args, flags: ["--listen", "--data-dir", "--log-level"], switches: ["--demo"]) } catch {
            throw UsageError(description: error.description)
        }
        if let action = line.action { return (o, action) }
        o.seedDemo = line.switches.contains("--demo")
        if let configPath = line.config {
            o.configPath = configPath
            try o.applyConfig(path: configPath)
        }
        for s in line.settings { try o.apply(key: s.key, value: s.value, source: s.source) }
        o.server.endpoint = o.listen
        let both = o.server.trustedProxies.intersection(o.server.trustedGateways)
        if !both.isEmpty {
            throw UsageError(description: "\(both.sorted().joined(separator: ", ")) is in both trusted_proxies and trusted_gateways: a connection from a proxy "
                             + "must begin with a PROXY header and a gateway's never does. Let the proxy connect from an address of its own "
                             + "(stunnel's `local = 127.0.0.2`, see Deploy/stunnel-lianjie.conf) and list that in trusted_proxies")
        }
        return (o, nil)
    }

    mutating func applyConfig(path: String) throws {
        do {
            for setting in try ConfigFile.read(path) { try apply(key: setting.key, value: setting.value, source: setting.source) }
        } catch let p as ConfigFile.Problem {
            throw UsageError(description: p.description)
        }
    }

    mutating func apply(key: String, value: String, source: String) throws {
        func addresses() throws -> Set<String> {
            let addresses = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for a in addresses where Endpoint(host: a, port: 0).host.contains(" ") || a.contains("/") {
                throw UsageError(description: "\(source): \(key) lists numeric addresses without ports or masks, got \(a)")
            }
            return Set(addresses)
        }
        func number(_ range: ClosedRange<Double>) throws -> Double {
            do { return try ConfigFile.number(key, value, source, range) } catch { throw UsageError(description: error.description) }
        }
        switch key {
        case "listen":
            guard let e = Endpoint(value), !e.isUnix else {
                throw UsageError(description: "\(source): listen must be HOST:PORT, got \(value) (a gateway on this host can use gateway_socket)")
            }
            listen = e
        case "data_dir": dataDirectory = value
        case "log_level":
            guard let l = Logger.Level(name: value) else {
                throw UsageError(description: "\(source): log_level must be one of trace, debug, info, notice, warning, error")
            }
            logLevel = l
        case "max_connections": server.maxConnections = Int(try number(1...1_000_000))
        case "max_calls_per_connection": server.maxCallsPerConnection = Int(try number(1...100_000))
        case "max_body_bytes": server.limits.maxBodyBytes = Int(try number(1024...1_073_741_824))
        case "idle_timeout_s": server.idleTimeoutSeconds = try number(0...86_400)
        case "event_loops": server.eventLoops = Int(try number(1...64))
        case "worker_threads": server.workerThreads = Int(try number(1...256))
        case "worker_nice": server.workerNice = Int(try number(0...19))
        case "reader_connections": readers = Int(try number(1...64))
        case "session_hours": services.sessionSeconds = Int64(try number(0.01...720) * 3600)
        case "session_idle_minutes": services.sessionIdleSeconds = Int64(try number(0...10_080) * 60)
        case "idempotency_window_hours": services.idempotencyWindowSeconds = Int64(try number(0.01...720) * 3600)
        case "login_failures_per_address": services.maxFailuresPerPeer = Int(try number(1...1_000_000))
        case "max_deadline_s": server.maxDeadlineSeconds = try number(1...86_400)
        case "read_stall_s": server.readStallSeconds = try number(1...3600)
        case "write_stall_s": server.writeStallSeconds = try number(1...3600)
        case "max_connections_per_peer": server.maxConnectionsPerPeer = Int(try number(1...1_000_000))
        case "login_threads": server.isolatedThreads = Int(try number(1...64))
        case "trusted_proxies": server.trustedProxies = try addresses()
        case "trusted_gateways": server.trustedGateways = try addresses()
        case "gateway_socket":
            guard Endpoint.isValidSocketPath(value) else {
                throw UsageError(description: "\(source): gateway_socket must be an absolute path shorter than 108 bytes, got \(value)")
            }
            server.gatewaySocket = value
        case "max_evidence_mb": services.maxEvidenceBytes = Int64(try number(1...1024) * 1_048_576)
        case "evidence_content_types":
            let types = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            for t in types where !t.contains("/") || t.contains(" ") {
                throw UsageError(description: "\(source): evidence_content_types lists MIME types such as application/pdf, got \(t)")
            }
            guard !types.isEmpty else { throw UsageError(description: "\(source): evidence_content_types lists at least one type") }
            services.evidenceContentTypes = Set(types)
        case "upload_expiry_hours": services.uploadExpirySeconds = Int64(try number(0.1...720) * 3600)
        case "max_work_orders_per_import": services.maxWorkOrdersPerImport = Int(try number(1...50_000))
        case "case_escalation_interval_days": services.caseEscalationIntervalDays = Int(try number(1...365))
        case "notification_max_attempts": services.notificationMaxAttempts = Int(try number(1...100))
        case "show_recorder_to_employee":
            do { services.showRecorderToEmployee = try ConfigFile.flag(key, value, source) } catch {
                throw UsageError(description: error.description)
            }
        case "audit_key_file": auditKeyFile = value
        case "drain_grace_s": drainGraceSeconds = try number(0...3600)
        default: throw UsageError(description: "\(source): unknown setting \(key)")
        }
    }
}
