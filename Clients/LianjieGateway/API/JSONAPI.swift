import Foundation
import LianjieMessages
import LianjieRPC
import LianjieWire

/// `POST /v1/{package.Service}/{Method}`: any RPC with a proto3 JSON body, through the
/// generated JSON mapping (`ProtoRegistry.methods`); nothing here knows a method by name.
///
/// `Authorization: Bearer` passes the caller's token through, so the gateway can never
/// see more than its caller may; `Idempotency-Key` fills `request_id`. Errors are
/// `application/problem+json` with grpc-gateway's HTTP statuses.
public struct JSONAPI: Sendable {
    public static let prefix = "/v1/"
    let upstream: Upstream
    let maxBodyBytes: Int
    let logger: Logger
    /// Limits how often one client address may try a password.
    let loginLimiter: RateLimiter
    /// The methods `loginLimiter` counts.
    static let loginMethods: Set<String> = [UserService.login.path]

    public init(upstream: Upstream, maxBodyBytes: Int, loginLimiter: RateLimiter, logger: Logger) {
        self.upstream = upstream
        self.maxBodyBytes = maxBodyBytes
        self.loginLimiter = loginLimiter
        self.logger = logger
    }

    /// The exchange for a request under `/v1/`.
    public func exchange(_ head: HTTPRequestHead) -> any HTTPExchange {
        guard let route = Self.methods[head.path] else {
            let name = head.path.dropFirst(Self.prefix.count)
            return FixedExchange(head, Problem(status: 404, title: "NOT_FOUND",
                                               detail: "no method \(name); the path is /v1/{package.Service}/{Method}, e.g. /v1/lianjie.v1.UserService/WhoAmI",
                                               code: Status.unimplemented.rawValue).response)
        }
        guard head.method == "POST" else {
            var r = Problem(status: 405, title: "METHOD_NOT_ALLOWED", detail: "call methods with POST and a JSON body").response
            r.headers.append(("Allow", "POST"))
            return FixedExchange(head, r)
        }
        let method = route.method
        if route.countsLogins, let wait = loginLimiter.take(head.clientAddress) {
            return FixedExchange(head, Problem(status: 429, title: "RESOURCE_EXHAUSTED",
                                               detail: "too many logins from this address; try again in \(wait) s",
                                               code: Status.resourceExhausted.rawValue, retryAfter: wait).response)
        }
        return BufferedExchange(head, limit: maxBodyBytes) { request in self.call(method, request) }
    }

    /// The API's methods by their path here, `/v1/package.Service/Method` (looked up as the
    /// request names it, nothing built per call); test services are not served.
    static let methods: [String: Route] = Dictionary(uniqueKeysWithValues: ProtoRegistry.methods.compactMap { path, m in
        path.hasPrefix("/lianjie.testing.") ? nil : (String(prefix.dropLast()) + path, Route(method: m, countsLogins: loginMethods.contains(path)))
    })

    /// A method served here, and whether `loginLimiter` counts its calls (one lookup per call).
    struct Route: Sendable {
        let method: AnyRPCMethod
        let countsLogins: Bool
    }

    func call(_ method: AnyRPCMethod, _ request: HTTPRequest) -> HTTPResponse {
        let started = ContinuousClock.now
        let response: HTTPResponse
        do {
            let body = try Self.requestBody(method, request)
            let authorization = try Self.authorization(request.head)
            let answer = try upstream.call(path: method.path, body: body, authorization: authorization, client: request.head.peer)
            let json: [UInt8]
            do { json = try method.response.jsonBytes(serializedBytes: answer) } catch {
                throw RPCError(.internal, "the server's reply is not a valid \(method.response.protoName)")
            }
            response = HTTPResponse(status: 200, headers: [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")],
                                    body: json)
        } catch let error as RPCError {
            response = Problem(error).response
        } catch {
            response = Problem(RPCError(.internal, "\(error)")).response
        }
        if logger.level <= .debug {
            let elapsed = (ContinuousClock.now - started).components
            let micros = elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
            logger.debug("json call", ["method": .text(method.path), "http_status": .int(Int64(response.status)),
                                       "peer": .text(request.head.peer), "duration_us": .int(micros)])
        }
        return response
    }

    /// The encoded request: the JSON body (empty means `{}`) through the request type's
    /// JSON mapping, with `Idempotency-Key` as its `request_id`.
    static func requestBody(_ method: AnyRPCMethod, _ request: HTTPRequest) throws(RPCError) -> [UInt8] {
        if !request.body.isEmpty, let type = request.head.header("content-type"),
           !ASCII.hasPrefixIgnoringCase(type, "application/json") {
            throw RPCError(.invalidArgument, "the body must be application/json (a proto3 JSON \(method.request.protoName))")
        }
        let key = request.head.header("idempotency-key")
        // No fields and no key: the encoding of any message with no fields set is no bytes.
        if key == nil, request.body.isEmpty || request.body == Self.emptyObject { return [] }
        var value = JSONValue.object([])
        if !request.body.isEmpty {
            // Parsed from the bytes; which of the two it was is only asked when it fails.
            do { value = try JSONValue(parsing: request.body) } catch {
                guard String(validating: request.body, as: UTF8.self) != nil else { throw RPCError(.invalidArgument, "the body is not UTF-8") }
                throw RPCError(.invalidArgument, "the body is not JSON: \(error.description)")
            }
        }
        if let key {
            guard (1...128).contains(key.utf8.count), ASCII.isVisible(key) else {
                throw RPCError.invalidArgument(field: "Idempotency-Key", "must be 1-128 visible ASCII characters")
            }
            guard case .object(var members) = value else {
                throw RPCError(.invalidArgument, "the body must be a JSON object (a \(method.request.protoName))")
            }
            if let given = members.first(where: { $0.0 == "requestId" || $0.0 == "request_id" })?.1, given != .string(key) {
                throw RPCError.invalidArgument(field: "request_id", "differs from the Idempotency-Key header; send one or the other")
            }
            members.removeAll { $0.0 == "requestId" || $0.0 == "request_id" }
            members.append(("requestId", .string(key)))
            value = .object(members)
        }
        do {
            return try method.request.init(jsonValue: value).serializedBytes()
        } catch {
            if error.field == "requestId", key != nil {
                throw RPCError.invalidArgument(field: "Idempotency-Key", "\(method.name) does not take one: it changes nothing, or is not retried by key")
            }
            let field = error.field.isEmpty ? "body" : error.field
            throw RPCError(.invalidArgument, "\(field): \(error.reason)", violations: [FieldViolation(field: field, description: error.reason)])
        }
    }

    /// `{}`, the body of most reads.
    static let emptyObject: [UInt8] = [0x7B, 0x7D]

    static let malformedAuthorization = RPCError(.unauthenticated, "the Authorization header must be `Bearer TOKEN`")

    /// The call's `authorization` metadata from `Authorization: Bearer …`, as lianjied
    /// reads it (`Bearer TOKEN`); nil without the header. A header that is already exactly
    /// that is passed on as it is, any other accepted form is written so.
    static func authorization(_ head: HTTPRequestHead) throws(RPCError) -> String? {
        guard var value = head.header("authorization") else { return nil }
        // On the value's bytes, spaces and tabs around it left out: `Bearer` in any case,
        // one space, then the token (spaces and tabs before and after it skipped), which
        // has no space in it.
        let parsed = value.withUTF8 { u -> BearerHeader? in
            let outer = ASCII.trimmed(u)
            let start = outer.lowerBound, end = outer.upperBound
            guard end - start > 7, end - start <= 520 else { return nil }
            // `| 0x20` lower-cases the letters and leaves the space as it is.
            guard u[start] | 0x20 == 0x62, u[start + 1] | 0x20 == 0x65, u[start + 2] | 0x20 == 0x61, u[start + 3] | 0x20 == 0x72,
                  u[start + 4] | 0x20 == 0x65, u[start + 5] | 0x20 == 0x72, u[start + 6] | 0x20 == 0x20 else { return nil }
            let from = ASCII.trimmed(u, start + 7..<end).lowerBound
            guard from < end, !u[from..<end].contains(0x20) else { return nil }
            if start == 0, end == u.count, from == 7, u[0] == 0x42, u[1] == 0x65, u[2] == 0x61, u[3] == 0x72, u[4] == 0x65,
               u[5] == 0x72, u[6] == 0x20 {
                return .asSent
            }
            return .token(String(decoding: UnsafeBufferPointer(rebasing: u[from..<end]), as: UTF8.self))
        }
        switch parsed {
        case nil: throw Self.malformedAuthorization
        case .asSent: return value
        case .token(let token): return "Bearer " + token
        }
    }

    /// What an accepted `Authorization` header holds: exactly `Bearer TOKEN`, or a token
    /// sent another way (another case, more spaces).
    private enum BearerHeader {
        case asSent
        case token(String)
    }
}
