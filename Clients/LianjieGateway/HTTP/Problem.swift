import LianjieMessages
import LianjieRPC
import LianjieWire

/// An error as `application/problem+json` (RFC 9457): the LJRP status's name as `title`,
/// its number as `code`, the message as `detail`, and for INVALID_ARGUMENT the field
/// violations.
public struct Problem: Sendable, Equatable {
    public var status: Int
    public var title: String
    public var detail: String
    public var code: UInt32?
    public var violations: [FieldViolation] = []
    /// Seconds to wait before trying again (429, 503).
    public var retryAfter: Int?

    public init(status: Int, title: String, detail: String, code: UInt32? = nil, violations: [FieldViolation] = [],
                retryAfter: Int? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.violations = violations
        self.retryAfter = retryAfter
    }

    /// A failed call, with its HTTP status as grpc-gateway maps it.
    public init(_ error: RPCError) {
        self.init(status: Self.httpStatus(error.status), title: error.status.name, detail: error.message,
                  code: error.status.rawValue, violations: error.violations,
                  retryAfter: error.status == .resourceExhausted || error.status == .unavailable ? 1 : nil)
    }

    /// grpc-gateway's mapping of status codes to HTTP.
    public static func httpStatus(_ s: Status) -> Int {
        switch s {
        case .ok: return 200
        case .cancelled: return 499
        case .unknown: return 500
        case .invalidArgument: return 400
        case .deadlineExceeded: return 504
        case .notFound: return 404
        case .alreadyExists: return 409
        case .permissionDenied: return 403
        case .resourceExhausted: return 429
        case .failedPrecondition: return 400
        case .aborted: return 409
        case .outOfRange: return 400
        case .unimplemented: return 501
        case .internal: return 500
        case .unavailable: return 503
        case .dataLoss: return 500
        case .unauthenticated: return 401
        }
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("type", .string("about:blank")),
            ("title", .string(title)),
            ("status", .number(String(status))),
            ("detail", .string(detail)),
        ]
        if let code { o.append(("code", .number(String(code)))) }
        if !violations.isEmpty {
            o.append(("violations", .array(violations.map {
                .object([("field", .string($0.field)), ("description", .string($0.description))])
            })))
        }
        return .object(o)
    }

    public var response: HTTPResponse {
        var headers: [(String, String)] = [("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")]
        if let retryAfter { headers.append(("Retry-After", String(retryAfter))) }
        if status == 401 { headers.append(("WWW-Authenticate", "Bearer")) }
        return HTTPResponse(status: status, headers: headers, body: json.utf8())
    }
}
