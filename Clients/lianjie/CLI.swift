import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// What every command gets: parsed global options and the output style.
struct CLIContext {
    var server: Endpoint
    var json: Bool
    var credentials: CredentialStore
    var timeout: Duration = .seconds(30)

    func client(token: String?) -> RPCClient {
        RPCClient(endpoint: server, token: token)
    }

    /// Prints a message as JSON, or runs `human` to print it for people.
    func output<M: ProtoMessage>(_ message: M, human: () -> Void) {
        if json { print(message.jsonString(pretty: true)) } else { human() }
    }

    /// The saved session's token for this server; fails when not logged in.
    func token() throws -> String {
        guard let saved = credentials.load() else {
            throw CLIError(message: "not logged in; run lianjie login", exitCode: CLIError.Code.unauthenticated)
        }
        // The token goes only to the server that issued it, never to whatever --server names.
        guard saved.server == server.description else {
            throw CLIError(message: "logged in to \(saved.server), not \(server); run lianjie --server \(server) login",
                           exitCode: CLIError.Code.unauthenticated)
        }
        return saved.token
    }

    /// The user service with the saved session's token; fails when not logged in.
    func users() throws -> UserServiceClient { client(token: try token()).userService }

    /// The entry service with the saved session's token; fails when not logged in.
    func entries() throws -> EntryServiceClient { client(token: try token()).entryService }

    /// The evaluation service with the saved session's token; fails when not logged in.
    func evaluations() throws -> EvaluationServiceClient { client(token: try token()).evaluationService }

    /// The result-use service with the saved session's token; fails when not logged in.
    func resultUse() throws -> ResultUseServiceClient { client(token: try token()).resultUseService }
    func notifications() throws -> NotificationServiceClient { client(token: try token()).notificationService }

    var options: CallOptions { CallOptions(timeout: timeout) }
}

/// How enums and times read in tables.
enum Show {
    /// `ROLE_INSPECTOR` → `inspector`; `ORGANIZATION_KIND_DISTRICT_BUREAU` → `district-bureau`.
    static func name<E: ProtoEnum>(_ e: E, prefix: String) -> String {
        guard let n = e.protoValueName else { return String(e.rawValue) }
        return n.replacingOccurrences(of: prefix, with: "").lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// The value of `E` named like `district-bureau` (or `DISTRICT_BUREAU`).
    static func parse<E: ProtoEnum>(_ text: String, prefix: String, _ type: E.Type, field: String) throws -> E {
        let name = prefix + text.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let e = E(protoValueName: name), e.rawValue != 0 else {
            throw CLIError.usage("\(field): unknown value \(text)")
        }
        return e
    }

    static func time(_ t: Time?) -> String {
        guard let t, t.seconds != 0 else { return "" }
        var seconds = time_t(t.seconds)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M", &parts)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func date(_ d: CalendarDate?) -> String {
        guard let d else { return "" }
        func pad(_ v: Int32, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        return "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))"
    }

    static func parseDate(_ text: String, field: String) throws -> CalendarDate {
        let parts = text.split(separator: "-").compactMap { Int32($0) }
        guard parts.count == 3 else { throw CLIError.usage("\(field) must be YYYY-MM-DD") }
        return CalendarDate(year: parts[0], month: parts[1], day: parts[2])
    }

    /// `2026`, `2026Q3` (or `2026-Q3`), `2026-09` as a period.
    static func parsePeriod(_ text: String) throws -> Period {
        let t = text.uppercased().replacingOccurrences(of: "-Q", with: "Q")
        let bad = CLIError.usage("a period is YYYY, YYYYQn or YYYY-MM, got \(text)")
        if let q = t.firstIndex(of: "Q") {
            guard let y = Int32(t[..<q]), let i = Int32(t[t.index(after: q)...]) else { throw bad }
            return Period(kind: .quarter, year: y, index: i)
        }
        let parts = t.split(separator: "-")
        if parts.count == 2, let y = Int32(parts[0]), let m = Int32(parts[1]) { return Period(kind: .month, year: y, index: m) }
        if parts.count == 1, let y = Int32(parts[0]) { return Period(kind: .year, year: y, index: 1) }
        throw bad
    }

    /// A client-chosen request id: 128 random bits in hex.
    static func requestID() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// A command failed: a one-line message and the exit code scripts rely on.
struct CLIError: Error {
    var message: String
    var exitCode: Int32
    var rpc: RPCError?
    /// The command already printed what went wrong; only the exit code is left to give.
    var alreadyReported = false

    /// Exit codes (stable; documented in the README).
    enum Code {
        static let failure: Int32 = 1
        static let usage: Int32 = 2
        static let unauthenticated: Int32 = 3
        static let permissionDenied: Int32 = 4
        static let notFound: Int32 = 5
        static let invalidArgument: Int32 = 6
        static let conflict: Int32 = 7
        static let unavailable: Int32 = 8
    }

    static func usage(_ message: String) -> CLIError { CLIError(message: message, exitCode: Code.usage) }

    /// The one place that maps a server's answer to a terminal's.
    init(_ e: RPCError) {
        rpc = e
        switch e.status {
        case .unauthenticated: exitCode = Code.unauthenticated
        case .permissionDenied: exitCode = Code.permissionDenied
        case .notFound: exitCode = Code.notFound
        case .invalidArgument, .outOfRange: exitCode = Code.invalidArgument
        case .alreadyExists, .aborted, .failedPrecondition: exitCode = Code.conflict
        case .unavailable, .deadlineExceeded, .resourceExhausted: exitCode = Code.unavailable
        default: exitCode = Code.failure
        }
        var m = e.message
        for v in e.violations where !m.contains(v.description) { m += "; \(v.field): \(v.description)" }
        message = m
    }

    init(message: String, exitCode: Int32, rpc: RPCError? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.rpc = rpc
    }

    /// `{"error": {...}}` for --json callers.
    var json: String {
        var fields: [(String, JSONValue)] = [("message", .string(message)), ("exitCode", .number(String(exitCode)))]
        if let rpc {
            fields.append(("status", .string(rpc.status.name)))
            if !rpc.violations.isEmpty { fields.append(("violations", .array(rpc.violations.map { $0.jsonValue() }))) }
        }
        return JSONValue.object([("error", .object(fields))]).serialized(pretty: true)
    }
}
