public import LianjieMessages
public import LianjieWire

/// A failed call as a caller sees it: a status, a message safe to show a person, and for
/// INVALID_ARGUMENT one violation per bad field.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Status
    public var message: String
    public var violations: [FieldViolation]

    public init(_ status: Status, _ message: String, violations: [FieldViolation] = []) {
        self.status = status
        self.message = message
        self.violations = violations
    }

    /// INVALID_ARGUMENT naming one field.
    public static func invalidArgument(field: String, _ description: String) -> RPCError {
        RPCError(.invalidArgument, "\(field): \(description)",
                 violations: [FieldViolation(field: field, description: description)])
    }

    /// INVALID_ARGUMENT naming several fields; nil when there are none.
    public static func invalidArguments(_ violations: [FieldViolation]) -> RPCError? {
        guard let first = violations.first else { return nil }
        let summary = violations.count == 1 ? "\(first.field): \(first.description)"
            : "\(violations.count) fields are invalid, first \(first.field): \(first.description)"
        return RPCError(.invalidArgument, summary, violations: violations)
    }

    public var description: String {
        var s = "\(status.name): \(message)"
        for v in violations where !message.contains(v.description) { s += "; \(v.field): \(v.description)" }
        return s
    }
}

/// A failure to be answered only after a pause, without holding a worker thread: the
/// server keeps the call open and sends `error` when `delaySeconds` have passed (sooner
/// if the call is cancelled or its deadline passes). For slowing down guessing (repeated
/// failed logins) without letting the guesser tie up the worker pool.
public struct DelayedFailure: Error, Sendable {
    public var error: RPCError
    public var delaySeconds: Double

    public init(_ error: RPCError, delaySeconds: Double) {
        self.error = error
        self.delaySeconds = delaySeconds
    }
}
