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
}

/// A command failed: a one-line message and the exit code scripts rely on.
struct CLIError: Error {
    var message: String
    var exitCode: Int32
    var rpc: RPCError?

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
