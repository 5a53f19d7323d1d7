import Foundation
import LianjieGateway
import LianjieMessages
import LianjieRPC
import LianjieServiceTestSupport
import LianjieRPCServer
import LianjieServices
import LianjieStore
import LianjieClient
import LianjieTestSupport
import LianjieWire
import XCTest

/// `POST /v1/{Service}/{Method}`: every RPC through the generated JSON mapping, the token
/// passed through, errors as problem+json, idempotency keys, limits.
final class JSONAPITests: XCTestCase {
    func testLoginThenCallsCarryTheCallersOwnToken() throws {
        let f = try GatewayFixture()
        let token = try f.login("inspector")
        let me = try f.call("lianjie.v1.UserService/WhoAmI", token: token)
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertEqual(me.header("content-type"), "application/json; charset=utf-8")
        XCTAssertEqual(me.header("cache-control"), "no-store")
        XCTAssertEqual((me.json?["account"] as? [String: Any])?["username"] as? String, "inspector")

        // The same listing through the gateway and directly: the gateway adds nothing.
        let listed = try f.call("lianjie.v1.UserService/ListSubjects", #"{"pageSize":100}"#, token: token)
        XCTAssertEqual(listed.status, 200, listed.text)
        let viaGateway = try ListSubjectsResponse(jsonString: listed.text)
        let direct = try RPCClient.blocking(port: f.deployment.port, token: token, UserService.listSubjects, ListSubjectsRequest(pageSize: 100))
        XCTAssertEqual(viaGateway, direct)
        XCTAssertFalse(viaGateway.subjects.isEmpty)
    }

    /// Answers are written as JSON straight off their bytes, or off protobuf-c's struct when
    /// the bytes are not as protobuf-c writes them (`writeJSON`): byte for byte what the
    /// generated JSON mapping says, for random answers of every method.
    func testEveryMethodsAnswersAreWrittenAsTheJSONMappingSays() throws {
        var random = RandomRequests(seed: 11)
        var checked = 0
        for contract in ContractMethod.all {
            let method = try XCTUnwrap(ProtoRegistry.methods[contract.path], contract.path)
            for _ in 0..<20 {
                for (bytes, type) in [(random.response(for: contract), method.response), (random.request(for: contract), method.request)] {
                    guard let message = try? type.init(serializedBytes: bytes) else {
                        XCTAssertThrowsError(try type.jsonBytes(serializedBytes: bytes), "\(type.protoName)")
                        continue
                    }
                    XCTAssertEqual(try type.jsonBytes(serializedBytes: bytes), message.jsonValue().utf8(), "\(type.protoName)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    func testEveryMethodIsMappedAndNoTestServiceIs() throws {
        let f = try GatewayFixture()
        let c = try f.connection()
        var mapped = 0
        for path in ProtoRegistry.methods.keys.sorted() {
            let reply = try f.call(String(path.dropFirst()), on: c)
            if path.hasPrefix("/lianjie.testing.") {
                XCTAssertEqual(reply.status, 404, path)
                continue
            }
            // Answered by lianjied (401 without a token, or the method's own answer), never
            // "no such method".
            XCTAssertNotEqual(reply.json?["code"] as? Int, Int(Status.unimplemented.rawValue), "\(path): \(reply.text)")
            XCTAssertTrue([200, 400, 401, 404, 429].contains(reply.status), "\(path): \(reply.status) \(reply.text)")
            if reply.status != 200 { XCTAssertEqual(reply.header("content-type"), "application/problem+json", path) }
            mapped += 1
        }
        XCTAssertGreaterThan(mapped, 90)
    }

    func testErrorsAreProblemsWithGrpcGatewayStatuses() throws {
        let f = try GatewayFixture()
        let employee = try f.login("employee")
        let inspector = try f.login("inspector")

        let anonymous = try f.call("lianjie.v1.UserService/WhoAmI")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.header("www-authenticate"), "Bearer")
        XCTAssertEqual(anonymous.json?["title"] as? String, "UNAUTHENTICATED")
        XCTAssertEqual(anonymous.json?["code"] as? Int, 16)
        XCTAssertEqual(anonymous.json?["status"] as? Int, 401)
        XCTAssertEqual(try f.call("lianjie.v1.UserService/WhoAmI", headers: [("Authorization", "Basic abc")]).status, 401)
        // The scheme in any case, spaces around the token; nothing else passes as a token.
        for good in ["Bearer \(inspector)", "bearer \(inspector)", "BEARER   \(inspector)  "] {
            let me = try f.call("lianjie.v1.UserService/WhoAmI", headers: [("Authorization", good)])
            XCTAssertEqual(me.status, 200, "\(good): \(me.text)")
        }
        for bad in ["Bearer", "Bearer ", "Bearer\t\(inspector)", "Bearerx \(inspector)", "Bearer \(inspector) more",
                    "Bearer " + String(repeating: "a", count: 600), "Bear \(inspector)"] {
            let refused = try f.call("lianjie.v1.UserService/WhoAmI", headers: [("Authorization", bad)])
            XCTAssertEqual(refused.status, 401, bad)
            XCTAssertEqual(refused.json?["title"] as? String, "UNAUTHENTICATED", bad)
        }

        let denied = try f.call("lianjie.v1.UserService/ListAccounts", token: employee)
        XCTAssertEqual(denied.status, 403, denied.text)
        XCTAssertEqual(denied.json?["title"] as? String, "PERMISSION_DENIED")

        let missing = try f.call("lianjie.v1.EntryService/GetEntry", #"{"id":"ent_nope"}"#, token: inspector)
        XCTAssertEqual(missing.status, 404, missing.text)

        let invalid = try f.call("lianjie.v1.EntryService/SubmitEntry", #"{"subjectId":"HV0002"}"#, token: try f.login("manager"))
        XCTAssertEqual(invalid.status, 400, invalid.text)
        let violations = try XCTUnwrap(invalid.json?["violations"] as? [[String: Any]])
        XCTAssertTrue(violations.contains { $0["field"] as? String == "tag" }, invalid.text)

        let badField = try f.call("lianjie.v1.UserService/ListSubjects", #"{"pageSize":"many"}"#, token: inspector)
        XCTAssertEqual(badField.status, 400)
        XCTAssertEqual((badField.json?["violations"] as? [[String: Any]])?.first?["field"] as? String, "pageSize")
        let unknownField = try f.call("lianjie.v1.UserService/ListSubjects", #"{"everything":true}"#, token: inspector)
        XCTAssertEqual(unknownField.status, 400)
        XCTAssertTrue(unknownField.text.contains("everything"), unknownField.text)
        XCTAssertEqual(try f.call("lianjie.v1.UserService/ListSubjects", "{", token: inspector).status, 400)
        XCTAssertEqual(try f.call("lianjie.v1.UserService/ListSubjects", "[1]", token: inspector).status, 400)
        let notJSON = try f.connection().send("POST", "/v1/lianjie.v1.UserService/ListSubjects",
                                              headers: [("Content-Type", "text/plain"), ("Authorization", "Bearer \(inspector)")], body: Array("hi".utf8))
        XCTAssertEqual(notJSON.status, 400)
        // The media type in any case, header names in any case; a near miss is refused.
        for (type, status) in [("Application/JSON; charset=UTF-8", 200), ("APPLICATION/JSON", 200), ("application/jso", 400), ("json", 400)] {
            let r = try f.connection().send("POST", "/v1/lianjie.v1.UserService/ListSubjects",
                                            headers: [("CONTENT-TYPE", type), ("AuThOrIzAtIoN", "Bearer \(inspector)")], body: Array("{}".utf8))
            XCTAssertEqual(r.status, status, "\(type): \(r.text)")
        }
        let notUTF8 = try f.connection().send("POST", "/v1/lianjie.v1.UserService/ListSubjects",
                                              headers: [("Content-Type", "application/json")], body: [0x7B, 0xFF, 0x7D])
        XCTAssertEqual(notUTF8.status, 400)
        XCTAssertTrue(notUTF8.text.contains("not UTF-8"), notUTF8.text)
        let notUTF8InAString = try f.connection().send("POST", "/v1/lianjie.v1.UserService/ListSubjects",
                                                       headers: [("Content-Type", "application/json")], body: Array(#"{"pageToken":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
        XCTAssertEqual(notUTF8InAString.status, 400)
        XCTAssertTrue(notUTF8InAString.text.contains("not UTF-8"), notUTF8InAString.text)

        let unknown = try f.call("lianjie.v1.UserService/Nothing", token: inspector)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.header("content-type"), "application/problem+json")
        let get = try f.connection().send("GET", "/v1/lianjie.v1.UserService/WhoAmI")
        XCTAssertEqual(get.status, 405)
        XCTAssertEqual(get.header("allow"), "POST")
    }

    /// No body, or `{}`, is the request with no field set (sent as no bytes, without
    /// parsing); `{}` is still refused when the body is not said to be JSON, and a key
    /// still makes it parsed and checked.
    func testAnEmptyObjectIsTheRequestWithNoFieldSet() throws {
        let f = try GatewayFixture()
        let manager = try f.login("manager")
        for body in ["", "{}", " { }\n"] {
            let r = try f.call("lianjie.v1.UserService/WhoAmI", body, token: manager)
            XCTAssertEqual(r.status, 200, "\(body): \(r.text)")
            XCTAssertEqual((r.json?["account"] as? [String: Any])?["username"] as? String, "manager", body)
        }
        let plain = try f.connection().send("POST", "/v1/lianjie.v1.UserService/WhoAmI",
                                            headers: [("Content-Type", "text/plain"), ("Authorization", "Bearer \(manager)")], body: Array("{}".utf8))
        XCTAssertEqual(plain.status, 400, plain.text)
        let keyed = try f.call("lianjie.v1.UserService/WhoAmI", "{}", token: manager, headers: [("Idempotency-Key", "k-1")])
        XCTAssertEqual(keyed.status, 400, "WhoAmI takes no key: \(keyed.text)")
    }

    func testTheStatusMappingIsGrpcGateways() {
        let expected: [Status: Int] = [.invalidArgument: 400, .notFound: 404, .alreadyExists: 409, .permissionDenied: 403,
                                       .resourceExhausted: 429, .failedPrecondition: 400, .aborted: 409, .unavailable: 503,
                                       .deadlineExceeded: 504, .unauthenticated: 401, .internal: 500, .cancelled: 499,
                                       .unimplemented: 501, .outOfRange: 400, .unknown: 500, .dataLoss: 500]
        for (status, http) in expected { XCTAssertEqual(Problem.httpStatus(status), http, status.name) }
        let p = Problem(RPCError(.resourceExhausted, "slow down"))
        XCTAssertEqual(p.response.status, 429)
        XCTAssertEqual(p.response.header("Retry-After"), "1")
    }

    func testIdempotencyKeyFillsRequestID() throws {
        let f = try GatewayFixture()
        let manager = try f.login("manager")
        let body = #"{"subjectId":"HV0002","tag":"ON_TIME_HANDLING","occurredOn":{"year":2026,"month":11,"day":30},"quantity":"1","description":"按时限办结高压新装业务","source":"ENTRY_SOURCE_MOBILE"}"#
        let first = try f.call("lianjie.v1.EntryService/SubmitEntry", body, token: manager, headers: [("Idempotency-Key", "phone-42")])
        XCTAssertEqual(first.status, 200, first.text)
        let again = try f.call("lianjie.v1.EntryService/SubmitEntry", body, token: manager, headers: [("Idempotency-Key", "phone-42")])
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(first.json?["id"] as? String, again.json?["id"] as? String, "a retry with the same key is the same entry")
        let other = try f.call("lianjie.v1.EntryService/SubmitEntry", body, token: manager, headers: [("Idempotency-Key", "phone-43")])
        XCTAssertNotEqual(first.json?["id"] as? String, other.json?["id"] as? String)

        // A body naming another request_id than the header is refused; so is a key on a
        // method that takes none, and a key that is not a token.
        let withID = body.replacingOccurrences(of: "{\"subjectId\"", with: "{\"requestId\":\"x\",\"subjectId\"")
        let clash = try f.call("lianjie.v1.EntryService/SubmitEntry", withID, token: manager, headers: [("Idempotency-Key", "phone-44")])
        XCTAssertEqual(clash.status, 400)
        XCTAssertTrue(clash.text.contains("Idempotency-Key"), clash.text)
        let notTaken = try f.call("lianjie.v1.UserService/WhoAmI", token: manager, headers: [("Idempotency-Key", "k")])
        XCTAssertEqual(notTaken.status, 400)
        let spaced = try f.call("lianjie.v1.EntryService/SubmitEntry", body, token: manager, headers: [("Idempotency-Key", "a b")])
        XCTAssertEqual(spaced.status, 400)
        XCTAssertEqual(try f.deployment.store.read { try $0.entryCount(EntryFilter(scope: .everything, source: EntrySource.mobile.rawValue)) }, 2,
                       "refused calls recorded nothing")
    }

    func testBodiesOverTheLimitAreRefusedBeforeTheyAreRead() throws {
        let f = try GatewayFixture { $0.maxJSONBytes = 4096 }
        let c = try f.connection()
        // Declared too large: answered 413 at once, the body never sent.
        try c.write(Array("POST /v1/lianjie.v1.UserService/Login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n".utf8))
        let declared = try c.readReply()
        XCTAssertEqual(declared.status, 413)
        XCTAssertEqual(declared.header("content-type"), "application/problem+json")

        // Chunked past the limit: refused once the limit is crossed.
        let chunked = try f.connection()
        var request = Array("POST /v1/lianjie.v1.UserService/Login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for _ in 0..<3 { request += Array("800\r\n".utf8) + Array(repeating: 0x20, count: 2048) + Array("\r\n".utf8) }
        request += Array("0\r\n\r\n".utf8)
        try chunked.write(request)
        XCTAssertEqual(try chunked.readReply().status, 413)

        // Any number of leading zeros is still the length; a length past any integer is too large.
        let zeros = try f.connection()
        try zeros.write(Array("POST /v1/lianjie.v1.Health/Check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 00000000000000000000002\r\n\r\n{}".utf8))
        XCTAssertEqual(try zeros.readReply().status, 200)
        let huge = try f.connection()
        try huge.write(Array("POST /v1/lianjie.v1.UserService/Login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9999999999999999999\r\n\r\n".utf8))
        XCTAssertEqual(try huge.readReply().status, 413)

        // Within the limit is fine, on a fresh connection.
        XCTAssertEqual(try f.call("lianjie.v1.Health/Check").status, 200)
    }

    func testPasswordLoginsAreRateLimitedPerAddress() throws {
        let f = try GatewayFixture { $0.loginsPerMinute = 6; $0.loginBurst = 3 }
        let wrong = #"{"username":"inspector","password":"wrong-password-1"}"#
        for _ in 0..<3 { XCTAssertEqual(try f.call("lianjie.v1.UserService/Login", wrong).status, 401) }
        let limited = try f.call("lianjie.v1.UserService/Login", wrong)
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(limited.header("retry-after"), "10")
        // Other calls are not counted, and time refills the bucket.
        XCTAssertEqual(try f.call("lianjie.v1.Health/Check").status, 200)
        f.clock.withLock { $0 += 10 }
        XCTAssertEqual(try f.call("lianjie.v1.UserService/Login", wrong).status, 401)
    }

    func testTheAuditLogNamesThePhoneNotTheGateway() throws {
        let f = try GatewayFixture()
        let token = try f.login("inspector")
        let c = try f.connection()
        let local = Socket.localPort(c.fd)
        XCTAssertEqual(try f.call("lianjie.v1.UserService/ListSubjects", "{}", token: token, on: c).status, 200)
        let audited = try f.deployment.auditEntries(method: UserService.listSubjects.path)
        XCTAssertEqual(audited.last?.peer, "127.0.0.1:\(local)")

        // A server that does not trust the gateway records the gateway's own connection.
        let untrusted = try GatewayFixture(trusted: false)
        let t = try untrusted.login("inspector")
        let c2 = try untrusted.connection()
        XCTAssertEqual(try untrusted.call("lianjie.v1.UserService/ListSubjects", "{}", token: t, on: c2).status, 200)
        let peer = try XCTUnwrap(try untrusted.deployment.auditEntries(method: UserService.listSubjects.path).last?.peer)
        XCTAssertNotEqual(peer, "127.0.0.1:\(Socket.localPort(c2.fd))")
    }

    func testOverLianjiedsGatewaySocketCallsNameThePhoneAndSurviveARestart() throws {
        let dir = NSTemporaryDirectory() + "lianjie-gw-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/gateway.sock"
        // No trusted gateway address: the socket alone makes the gateway's calls trusted.
        let deployment = try InProcessDeployment(configure: { $0.gatewaySocket = path })
        let f = try GatewayFixture(deployment: deployment) { $0.server = Endpoint(unixPath: path) }
        let token = try f.login("inspector")
        let c = try f.connection()
        XCTAssertEqual(try f.call("lianjie.v1.UserService/ListSubjects", "{}", token: token, on: c).status, 200)
        XCTAssertEqual(try f.deployment.auditEntries(method: UserService.listSubjects.path).last?.peer, "127.0.0.1:\(Socket.localPort(c.fd))")
        // lianjied's socket file goes with it, and comes back with it.
        try assertARestartIsAPause(f, token: token) { $0.gatewaySocket = path }
    }

    func testARestartOfLianjiedIsAPauseNotAnError() throws {
        let f = try GatewayFixture()
        let token = try f.login("inspector")
        XCTAssertEqual(try f.call("lianjie.v1.UserService/WhoAmI", token: token).status, 200)
        try assertARestartIsAPause(f, token: token) { $0.trustedGateways = ["127.0.0.1"] }
    }

    /// Stops the fixture's lianjied; a call arrives while nothing listens, and the gateway
    /// keeps trying the call lianjied never started; it succeeds once lianjied is back
    /// (on the same port, configured by `configure`).
    func assertARestartIsAPause(_ f: GatewayFixture, token: String, configure: (inout RPCServerConfiguration) -> Void,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertTrue(f.deployment.server.drain(graceSeconds: 1), file: file, line: line)
        let answer = Locked<HTTPReply?>(nil)
        let thread = Thread { let reply = try? f.call("lianjie.v1.UserService/WhoAmI", token: token); answer.withLock { $0 = reply } }
        thread.start()
        XCTAssertTrue(Wait.blocking { f.gateway.upstream.unprocessedAttempts > 0 }, file: file, line: line)
        var configuration = RPCServerConfiguration()
        configuration.endpoint = Endpoint(host: "127.0.0.1", port: f.deployment.port)
        configure(&configuration)
        let restarted = try RPCServer(configuration: configuration, router: Services.router(kit: f.deployment.kit, isDraining: { false }),
                                      logger: f.deployment.logger)
        _ = try restarted.start()
        defer { _ = restarted.drain(graceSeconds: 1) }
        XCTAssertTrue(Wait.blocking { answer.withLock { $0 } != nil }, file: file, line: line)
        XCTAssertEqual(answer.withLock { $0 }?.status, 200, answer.withLock { $0 }?.text ?? "", file: file, line: line)
    }
}
