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
