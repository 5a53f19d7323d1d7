import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
import XCTest

/// WIRE.md "Calls", "Status codes" and "Connection management", over the real server
/// with raw frames, so each rule is tested exactly as a foreign client would meet it.
final class WireBehaviourTests: XCTestCase {
    static let check = Health.check.path
    static let login = UserService.login.path

    /// Makes `admin`'s next wrong-password logins slow (the slow-down path) by failing 6 times.
    func primeSlowLogins(_ server: ServerProcess) async {
        let c = client(server)
        for _ in 0..<6 {
            _ = try? await c.userService.login(LoginRequest(username: "admin", password: "wrong-password-x"))
        }
    }

    func testUnknownMethodIsUnimplemented() throws {
        let server = try ServerProcess()
        let raw = try RawConnection(port: server.port)
        let id = try raw.sendCall("/lianjie.v1.Nope/Nothing", HealthCheckRequest())
        let (meta, body) = try raw.readReply()
        XCTAssertEqual(meta.callId, id)
        XCTAssertEqual(meta.status, Status.unimplemented.rawValue)
        XCTAssertTrue(body.isEmpty, "a non-OK reply has an empty body")
    }

    func testInvalidBodyIsInvalidArgumentWithAViolation() throws {
        let server = try ServerProcess()
        let raw = try RawConnection(port: server.port)
        let meta = CallMeta(callId: 1, method: Self.check)
        try raw.send(FrameEncoder.encode(kind: .call, meta: meta.serializedBytes(), body: [0xFF, 0xFF, 0xFF]))
        raw.skipCallIDs(through: 1)
        let (reply, _) = try raw.readReply()
        XCTAssertEqual(reply.status, Status.invalidArgument.rawValue)
        XCTAssertEqual(reply.violations.count, 1)
        // The connection is still usable.
        try raw.sendCall(Self.check, HealthCheckRequest())
        XCTAssertEqual(try raw.readReply().0.status, 0)
    }

    func testOversizedBodyIsRefusedAndTheConnectionStaysUsable() throws {
        let server = try ServerProcess(config: ["max_body_bytes = 4096"])
        let raw = try RawConnection(port: server.port)
        let meta = CallMeta(callId: 1, method: Self.login)
        try raw.send(FrameEncoder.encode(kind: .call, meta: meta.serializedBytes(), body: Array(repeating: 0x41, count: 1_000_000)))
        raw.skipCallIDs(through: 1)
        try raw.sendCall(Self.check, HealthCheckRequest())
        let (first, body) = try raw.readReply()
        XCTAssertEqual(first.callId, 1)
        XCTAssertEqual(first.status, Status.resourceExhausted.rawValue)
        XCTAssertTrue(body.isEmpty)
        let (second, _) = try raw.readReply()
        XCTAssertEqual(second.status, 0, "the next call on the same connection works")
    }

    func testEveryProtocolErrorGetsGoAwayAndACloseWhileOthersGoOn() throws {
        let server = try ServerProcess()
        let bystander = try RawConnection(port: server.port)
        let badFrames: [(String, [UInt8])] = [
            ("bad magic", Array("XJRP".utf8) + [1, 1, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]),
            ("bad version", Array("LJRP".utf8) + [9, 1, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]),
            ("bad kind", Array("LJRP".utf8) + [1, 9, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]),
            ("bad flags", Array("LJRP".utf8) + [1, 1, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 0]),
            ("meta too long", Array("LJRP".utf8) + [1, 1, 0, 0] + [0, 1, 0, 1, 0, 0, 0, 0]),
            ("meta that does not parse", FrameEncoder.encode(kind: .call, meta: [0xFF, 0xFF], body: [])),
            ("body on a PING", Array("LJRP".utf8) + [1, 4, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 1, 0]),
            ("REPLY from a client", FrameEncoder.encode(kind: .reply, meta: ReplyMeta(callId: 1).serializedBytes())),
        ]
        for (name, bytes) in badFrames {
            let raw = try RawConnection(port: server.port)
            try raw.send(bytes)
            let frames = try raw.readUntilClosed()
            XCTAssertEqual(frames.count, 1, name)
            let goAway = try XCTUnwrap(frames.first?.goAway, "\(name): expected GOAWAY")
            XCTAssertNotEqual(goAway.status, 0, name)
            XCTAssertTrue(goAway.message.hasPrefix("protocol error"), "\(name): \(goAway.message)")
        }
        // A call id that does not increase is a protocol error too.
        let raw = try RawConnection(port: server.port)
        try raw.send(raw.callFrame(Self.check, HealthCheckRequest(), callID: 5).1 + raw.callFrame(Self.check, HealthCheckRequest(), callID: 5).1)
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.map(\.kind), [.reply, .goAway])
        XCTAssertEqual(frames.last?.goAway?.lastCallId, 5, "GOAWAY names the last call that was answered")

        try bystander.sendCall(Self.check, HealthCheckRequest())
        XCTAssertEqual(try bystander.readReply().0.status, 0, "other connections are unaffected")
    }

    func testPingIsAnsweredWithPongEchoingTheNonce() throws {
        let server = try ServerProcess()
        let raw = try RawConnection(port: server.port)
        try raw.send(FrameEncoder.encode(kind: .ping, meta: PingMeta(nonce: 0xDEAD_BEEF_1234).serializedBytes()))
        let frame = try XCTUnwrap(raw.readFrame())
        XCTAssertEqual(frame.kind, .pong)
        XCTAssertEqual(try PingMeta(serializedBytes: frame.meta).nonce, 0xDEAD_BEEF_1234)
    }

    func test200PipelinedCallsOnOneConnection() async throws {
        let server = try ServerProcess()
        let (_, token) = try await login(server)
        let raw = try RawConnection(port: server.port)
        var batch: [UInt8] = []
        var ids: Set<UInt64> = []
        for i in 0..<200 {
            // Mix inline calls (health) and pool calls (whoami) so replies may reorder; a few
            // carry a bad token and are refused before they are queued.
            let (id, bytes) = i % 4 == 0 ? raw.callFrame(UserService.whoAmI.path, WhoAmIRequest(), token: i % 40 == 0 ? "x" : token)
                                          : raw.callFrame(Self.check, HealthCheckRequest())
            ids.insert(id)
            batch += bytes
        }
        try raw.send(batch)
        var answered: [UInt64: UInt32] = [:]
        for _ in 0..<200 {
            let (meta, _) = try raw.readReply()
            XCTAssertNil(answered[meta.callId], "exactly one reply per call")
            answered[meta.callId] = meta.status
        }
        XCTAssertEqual(Set(answered.keys), ids)
        XCTAssertEqual(answered.values.filter { $0 == Status.unauthenticated.rawValue }.count, 5)
        XCTAssertEqual(answered.values.filter { $0 == 0 }.count, 195)
    }

    func test300ConnectionsAtOnce() throws {
        let server = try ServerProcess()
        let connections = try (0..<300).map { _ in try RawConnection(port: server.port) }
        for c in connections { try c.sendCall(Self.check, HealthCheckRequest()) }
        for c in connections {
            let (meta, body) = try c.readReply()
            XCTAssertEqual(meta.status, 0)
            XCTAssertEqual(try HealthCheckResponse(serializedBytes: body).status, .serving)
        }
    }

    func testConnectionLimitAnswersGoAwayUnavailable() throws {
        let server = try ServerProcess(config: ["max_connections = 3"])
        let kept = try (0..<3).map { _ in try RawConnection(port: server.port) }
        for c in kept { try c.sendCall(Self.check, HealthCheckRequest()); _ = try c.readReply() }
        let extra = try RawConnection(port: server.port)
        let frames = try extra.readUntilClosed()
        XCTAssertEqual(frames.first?.goAway?.status, Status.unavailable.rawValue)
    }

    func testOpenCallLimitPerConnectionAnswersResourceExhaustedAtOnce() async throws {
        let server = try ServerProcess(config: ["max_calls_per_connection = 2"])
        await primeSlowLogins(server)
        let raw = try RawConnection(port: server.port)
        var batch: [UInt8] = []
        for _ in 0..<3 { batch += raw.callFrame(Self.login, LoginRequest(username: "admin", password: "wrong-password-y")).1 }
        try raw.send(batch)
        let (first, _) = try raw.readReply()
        XCTAssertEqual(first.callId, 3, "the third call is refused before the first two finish")
        XCTAssertEqual(first.status, Status.resourceExhausted.rawValue)
        let rest = try [raw.readReply().0, raw.readReply().0]
        XCTAssertEqual(Set(rest.map(\.callId)), [1, 2])
    }

    func testCancelStopsAWaitingCall() async throws {
        let server = try ServerProcess()
        await primeSlowLogins(server)
        let raw = try RawConnection(port: server.port)
        let id = try raw.sendCall(Self.login, LoginRequest(username: "admin", password: "wrong-password-z"))
        try raw.send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: id).serializedBytes()))
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.callId, id)
        // CANCELLED, not the UNAUTHENTICATED the slowed-down login would give once its pause ends.
        XCTAssertEqual(meta.status, Status.cancelled.rawValue)
        // Cancelling an unknown or finished call changes nothing and gets no reply.
        try raw.send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: 999).serializedBytes()))
        try raw.sendCall(Self.check, HealthCheckRequest())
        XCTAssertEqual(try raw.readReply().0.status, 0)
    }

    func testWorkersRunAtWorkerNiceAndTheRestOfTheServerDoesNot() async throws {
        let server = try ServerProcess(config: ["worker_threads = 3", "login_threads = 1", "worker_nice = 5"])
        let pid = server.pid
        /// Each thread's niceness: field 19 of /proc/PID/task/TID/stat, counted after the
        /// command name's closing parenthesis.
        @Sendable func niceness() -> [(tid: String, nice: Int)] {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            return tasks.compactMap { tid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return nil }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]).map { (tid, $0) } : nil
            }
        }
        // Relative to the main thread's (the server inherits its launcher's, and libdispatch
        // sets its own threads' from their QoS): the three workers and the login thread
        // renice themselves by 5 as they start, and nothing else is at that niceness.
        let base = try XCTUnwrap(niceness().first { $0.tid == "\(pid)" }?.nice)
        try await waitUntil { niceness().filter { $0.nice == base + 5 }.count == 4 }
        let all = niceness()
        XCTAssertEqual(all.filter { $0.nice == base + 5 }.count, 4, "\(all)")
    }

    func testASlowedDownLoginDoesNotHoldAWorker() async throws {
        let server = try ServerProcess(config: ["worker_threads = 1", "login_threads = 1"])
        let (_, token) = try await login(server)
        await primeSlowLogins(server)
        let raw = try RawConnection(port: server.port)
        let slow = try raw.sendCall(Self.login, LoginRequest(username: "admin", password: "wrong-password-z"))
        let quick = try raw.sendCall(UserService.whoAmI.path, WhoAmIRequest(), token: token)
        let (first, _) = try raw.readReply()
        XCTAssertEqual(first.callId, quick, "neither the worker nor the login thread was held while the login waited")
        let (second, _) = try raw.readReply()
        XCTAssertEqual(second.callId, slow)
        XCTAssertEqual(second.status, Status.unauthenticated.rawValue)
    }

    func testDeadlineExceededWhileTheCallRuns() async throws {
        let server = try ServerProcess()
        await primeSlowLogins(server)
        let raw = try RawConnection(port: server.port)
        let start = Date()
        try raw.sendCall(Self.login, LoginRequest(username: "admin", password: "wrong-password-z"), timeoutMs: 100)
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.status, Status.deadlineExceeded.rawValue)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.09, "not before the deadline")
    }

    func testIdleConnectionsAreClosedWithGoAway() throws {
        let server = try ServerProcess(config: ["idle_timeout_s = 1"])
        let raw = try RawConnection(port: server.port)
        try raw.sendCall(Self.check, HealthCheckRequest())
        _ = try raw.readReply()
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.first?.goAway?.message, "idle timeout")
    }

    func testClientReconnectsOnTheNextCallAfterTheConnectionDropped() async throws {
        let server = try ServerProcess(config: ["idle_timeout_s = 1"])
        let c = client(server)
        let value1 = try await c.health.check().status
        XCTAssertEqual(value1, .serving)
        try await waitUntil { server.log.contains { $0.contains("\"connection closed\"") } }
        let value2 = try await c.health.check().status
        XCTAssertEqual(value2, .serving)
    }

    func testManyConcurrentCallsShareOneClientConnection() async throws {
        let server = try ServerProcess()
        let c = client(server)
        try await withThrowingTaskGroup(of: ServingStatus.self) { group in
            for _ in 0..<500 { group.addTask { try await c.health.check().status } }
            var n = 0
            for try await status in group {
                XCTAssertEqual(status, .serving)
                n += 1
            }
            XCTAssertEqual(n, 500)
        }
        XCTAssertEqual(server.log.filter { $0.contains("\"connection opened\"") }.count, 1)
    }

    func testSIGTERMDrainsAcceptedCallsThenExitsZero() async throws {
        let server = try ServerProcess()
        await primeSlowLogins(server)
        let raw = try RawConnection(port: server.port)
        let slow = try raw.sendCall(Self.login, LoginRequest(username: "admin", password: "wrong-password-z"))
        let refusals = server.log.filter { $0.contains("\"login refused\"") }.count
        try await waitUntil { server.log.filter { $0.contains("\"login refused\"") }.count > refusals }
        kill(server.pid, SIGTERM)
        let goAway = try XCTUnwrap(raw.readFrame())
        XCTAssertEqual(goAway.goAway?.status, Status.unavailable.rawValue)
        XCTAssertEqual(goAway.goAway?.lastCallId, slow)
        // A call sent after GOAWAY is not processed.
        let late = try raw.sendCall(Self.check, HealthCheckRequest())
        var replies: [UInt64: UInt32] = [:]
        for frame in try raw.readUntilClosed() where frame.kind == .reply {
            let meta = try ReplyMeta(serializedBytes: frame.meta)
            replies[meta.callId] = meta.status
        }
        XCTAssertEqual(replies[slow], Status.unauthenticated.rawValue, "the accepted call was finished and answered")
        XCTAssertEqual(replies[late], Status.unavailable.rawValue)
        XCTAssertEqual(server.stop(), 0, "exit status 0 after a clean drain")
        XCTAssertTrue(server.log.contains { $0.contains("\"server stopped\"") && $0.contains("\"clean\":\"yes\"") })
    }
}

/// Running out of file descriptors must not make the server spin or stop serving.
final class ResourceLimitTests: XCTestCase {
    func testOutOfFileDescriptorsPausesAcceptsWithoutSpinningAndRecovers() throws {
        // The process exec's through /usr/bin/env, so the pid is the server's own.
        let server = try ServerProcess(wrapper: ["prlimit", "--nofile=48:48"])
        var connections = try (0..<80).map { _ in try RawConnection(port: server.port, timeout: 1) }
        let before = server.cpuSeconds
        usleep(1_000_000)
        let used = server.cpuSeconds - before
        XCTAssertLessThan(used, 0.3, "the server must not spin on a listener it cannot accept from")
        XCTAssertTrue(server.log.contains { $0.contains("out of file descriptors") })
        connections.removeAll()
        usleep(300_000)
        let fresh = try RawConnection(port: server.port)
        try fresh.sendCall(Health.check.path, HealthCheckRequest())
        XCTAssertEqual(try fresh.readReply().0.status, 0, "serving again once descriptors are free")
    }
}
