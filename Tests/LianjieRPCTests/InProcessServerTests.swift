import CLianjieSys
import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
@testable import LianjieRPCServer
import LianjieTestSupport
import LianjieWire
import Synchronization
import LianjieXCTestSupport
import XCTest

/// The RPC layer with handlers written for the test: behaviours no real service can be
/// made to show on demand (a crash-like failure, a blocked worker pool, cancellation
/// seen from inside a handler, the logs of a call).
final class InProcessServerTests: XCTestCase {
    static let echo = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Echo")
    static let fail = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Fail")
    static let block = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Block")
    /// Waits for the gate like `block`, but does not look at cancellation: a write that
    /// commits whatever happens meanwhile.
    static let commit = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Commit")
    /// Answers the peer the server saw, and needs a token.
    static let whoCalls = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "WhoCalls")
    /// Answers a body of `fInt32` bytes.
    static let big = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Big")

    /// Accepts the token "good" only; counts what it was asked.
    final class TestAuthenticator: CallAuthenticator {
        let asked = Atomic<Int>(0)
        func authenticate(_ head: CallHead) -> Result<any Sendable, RPCError> {
            asked.wrappingAdd(1, ordering: .relaxed)
            return head.bearerToken == "good" ? .success("caller-1") : .failure(RPCError(.unauthenticated, "bad token"))
        }
    }

    struct HiddenFailure: Error, CustomStringConvertible {
        var description: String { "SELECT secret FROM table — /var/lib/lianjie/lianjie.db" }
    }

    final class LogSink: Sendable {
        let lines = Mutex<[String]>([])
        var all: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    /// Flags a blocking handler waits on and reports through.
    final class Gate: Sendable {
        let released = Atomic<Bool>(false)
        let sawCancel = Atomic<Bool>(false)
        let started = Atomic<Int>(0)
    }

    struct Fixture {
        let server: RPCServer
        let port: Int
        let sink: LogSink
        let gate: Gate
    }

    func makeServer(authenticator: TestAuthenticator = TestAuthenticator(),
                    _ configure: (inout RPCServerConfiguration) -> Void = { _ in }) throws -> Fixture {
        let sink = LogSink()
        let gate = Gate()
        let logger = Logger(level: .debug) { line in sink.lines.withLock { $0.append(line) } }
        var router = Router()
        router.authenticator = authenticator
        router.register(Self.echo, execution: .inline, authentication: .none) { request, _ in request }
        router.register(Self.fail, execution: .pool, authentication: .none) { _, _ in throw HiddenFailure() }
        router.register(Self.block, execution: .pool, authentication: .none) { request, context in
            gate.started.wrappingAdd(1, ordering: .relaxed)
            while !gate.released.load(ordering: .acquiring) {
                if context.isCancelled { gate.sawCancel.store(true, ordering: .releasing); throw RPCError(.cancelled, "stopped") }
                usleep(1000)
            }
            return request
        }
        router.register(Self.commit, execution: .pool, authentication: .none) { request, _ in
            gate.started.wrappingAdd(1, ordering: .relaxed)
            while !gate.released.load(ordering: .acquiring) { usleep(1000) }
            return request
        }
        router.register(Self.whoCalls, execution: .pool, authentication: .required) { _, context in
            var s = Sample()
            s.fString = "\(context.peer) \(context.principal.map { "\($0)" } ?? "")"
            return s
        }
        router.register(Self.big, execution: .inline, authentication: .none) { request, _ in
            var s = Sample()
            s.fBytes = [UInt8](repeating: 7, count: Int(max(0, min(request.fInt32, 8 << 20))))
            return s
        }
        var config = RPCServerConfiguration()
        config.endpoint = Endpoint(host: "127.0.0.1", port: 0)
        configure(&config)
        let server = try RPCServer(configuration: config, router: router, logger: logger)
        let port = try server.start()
        addTeardownBlock {
            gate.released.store(true, ordering: .releasing)
            server.drain(graceSeconds: 2)
        }
        return Fixture(server: server, port: port, sink: sink, gate: gate)
    }

    func testUnexpectedErrorsBecomeInternalWithTheDetailOnlyInTheLog() async throws {
        let fixture = try makeServer()
        let port = fixture.port
        let sink = fixture.sink
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        do {
            _ = try await client.call(Self.fail, Sample())
            XCTFail("expected INTERNAL")
        } catch {
            XCTAssertEqual(error.status, .internal)
            XCTAssertFalse(error.message.contains("SELECT"), "no SQL in the reply")
            XCTAssertFalse(error.message.contains("/var/lib"), "no path in the reply")
        }
        XCTAssertTrue(sink.all.contains("SELECT secret"), "the detail is in the server log")
    }

    func testEveryCallIsLoggedWithMethodStatusAndDurationAtDebug() async throws {
        let fixture = try makeServer()
        let port = fixture.port
        let sink = fixture.sink
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        var s = Sample()
        s.fString = "entry content that must never be logged"
        _ = try await client.call(Self.echo, s)
        let line = try XCTUnwrap(sink.lines.withLock { $0 }.first { $0.contains("\"event\":\"call\"") })
        XCTAssertTrue(line.contains("\"method\":\"/lianjie.testing.v1.Echo/Echo\""))
        XCTAssertTrue(line.contains("\"status\":\"OK\""))
        XCTAssertTrue(line.contains("\"duration_us\":"))
        XCTAssertFalse(sink.all.contains("entry content"), "bodies never reach the log")
        XCTAssertNoThrow(try JSONValue(parsing: line), "each log line is one JSON object")
    }

    func testInlineCallsAnswerEvenWhileTheWorkerPoolIsBlocked() async throws {
        let fixture = try makeServer { $0.workerThreads = 1 }
        let port = fixture.port
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        let blocked = Task.detached { try await callBlock(client) }
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        var s = Sample()
        s.fInt32 = 7
        let echoed = try await client.call(Self.echo, s)
        XCTAssertEqual(echoed.fInt32, 7)
        gate.released.store(true, ordering: .releasing)
        _ = try await blocked.value
    }

    func testACallWhoseDeadlinePassedInTheQueueIsNeverStarted() async throws {
        let fixture = try makeServer { $0.workerThreads = 1 }
        let port = fixture.port
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        let first = Task.detached { try await callBlock(client) }
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        // The only worker is busy: this call waits in the queue past its deadline, and is
        // answered then, while the worker is still busy (the gate is still closed).
        do {
            _ = try await client.call(Self.block, Sample(), options: CallOptions(timeout: .milliseconds(50)))
            XCTFail("expected DEADLINE_EXCEEDED")
        } catch {
            XCTAssertEqual(error.status, .deadlineExceeded)
        }
        XCTAssertFalse(gate.released.load(ordering: .acquiring))
        gate.released.store(true, ordering: .releasing)
        _ = try await first.value
        // One worker, first in first out: once a later pool call is answered, the expired
        // one has been taken off the queue — and skipped.
        _ = try? await client.call(Self.fail, Sample())
        XCTAssertEqual(gate.started.load(ordering: .relaxed), 1, "the expired call never reached its handler")
    }

    func testCancellingAClientTaskCancelsTheCallOnTheServer() async throws {
        let fixture = try makeServer()
        let port = fixture.port
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        let task = Task.detached { try await callBlock(client) }
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("expected CANCELLED")
        } catch let e as RPCError {
            XCTAssertEqual(e.status, .cancelled)
        }
        for _ in 0..<200 where !gate.sawCancel.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertTrue(gate.sawCancel.load(ordering: .acquiring), "the handler saw the cancellation and stopped")
    }

    func testAFullWorkQueueAnswersUnavailableAtOnce() async throws {
        let fixture = try makeServer {
            $0.workerThreads = 1
            $0.maxQueuedCalls = 2
        }
        let port = fixture.port
        let gate = fixture.gate
        let raw = try RawConnection(port: port)
        try raw.sendCall(Self.block.path, Sample())
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        var batch: [UInt8] = []
        for _ in 0..<3 { batch += raw.callFrame(Self.block.path, Sample()).1 }
        try raw.send(batch)
        // One runs, two wait in the queue, the fourth is refused without waiting.
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.status, Status.unavailable.rawValue)
        XCTAssertEqual(meta.callId, 4)
        gate.released.store(true, ordering: .releasing)
        let rest = try (0..<3).map { _ in try raw.readReply().0 }
        XCTAssertEqual(Set(rest.map(\.callId)), [1, 2, 3])
        XCTAssertTrue(rest.allSatisfy { $0.status == 0 })
    }

    func testDrainWaitsForAcceptedCallsWithinTheGrace() async throws {
        let fixture = try makeServer()
        let server = fixture.server
        let port = fixture.port
        let gate = fixture.gate
        let raw = try RawConnection(port: port)
        try raw.sendCall(Self.block.path, Sample())
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let drained = Task.detached { server.drain(graceSeconds: 30) }
        try await waitUntil { server.isDraining }
        // The GOAWAY is out before the call is released, so drain waited for an open call.
        XCTAssertEqual(try raw.readFrame()?.kind, .goAway)
        gate.released.store(true, ordering: .releasing)
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.map(\.kind), [.reply])
        let clean = await drained.value
        XCTAssertTrue(clean)
        XCTAssertEqual(server.connectionCount, 0)
    }

    func testDrainClosesWhatIsLeftWhenTheGraceRunsOut() async throws {
        let fixture = try makeServer()
        let server = fixture.server
        let port = fixture.port
        let gate = fixture.gate
        let raw = try RawConnection(port: port)
        try raw.sendCall(Self.block.path, Sample())
        while gate.started.load(ordering: .relaxed) == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let clean = await Task.detached { server.drain(graceSeconds: 0.2) }.value
        XCTAssertFalse(clean)
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.map(\.kind), [.goAway], "the unfinished call is cut off with the connection")
        gate.released.store(true, ordering: .releasing)
    }

    // MARK: Issue 7 — what a caller can make the server hold

    // A.2: a call's deadline timer held its connection for up to ~49 days.
    func testDeadlinesAreCappedAndTheirTimersEndWithTheirCalls() async throws {
        let fixture = try makeServer {
            $0.workerThreads = 1
            $0.maxDeadlineSeconds = 0.2
        }
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port))
        let first = Task.detached { try await callBlock(client) }
        try await waitUntil { gate.started.load(ordering: .relaxed) == 1 }
        // Queued behind the busy worker with the longest timeout there is: the cap answers it.
        let raw = try RawConnection(port: fixture.port)
        try raw.sendCall(Self.block.path, Sample(), timeoutMs: UInt32.max)
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.status, Status.deadlineExceeded.rawValue)
        gate.released.store(true, ordering: .releasing)
        _ = try await first.value
        // Calls that finish take their timers with them.
        for _ in 0..<20 { _ = try? await client.call(Self.fail, Sample(), options: CallOptions(timeout: .seconds(3600))) }
        let held = fixture.server.diagnostics()
        XCTAssertEqual(held.timers, 0, "\(held)")
        XCTAssertEqual(held.openCalls, 0)
    }

    // A.2: a closed connection kept its decoder and output buffers and its calls' timers.
    func testAClosedConnectionReleasesEverythingItHeld() async throws {
        let fixture = try makeServer { $0.workerThreads = 1 }
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port))
        let first = Task.detached { try await callBlock(client) }
        try await waitUntil { gate.started.load(ordering: .relaxed) == 1 }
        var s = Sample()
        s.fBytes = [UInt8](repeating: 1, count: 3 << 20)
        for _ in 0..<5 {
            let raw = try RawConnection(port: fixture.port)
            try raw.sendCall(Self.block.path, s, timeoutMs: UInt32.max)
            raw.close()
        }
        try await waitUntil { fixture.server.connectionCount == 1 }
        let held = fixture.server.diagnostics()
        XCTAssertEqual(held.timers, 0, "\(held)")
        XCTAssertLessThan(held.bufferedBytes, 1 << 20, "\(held)")
        gate.released.store(true, ordering: .releasing)
        _ = try await first.value
    }

    // A.5: a call without a valid token was decoded and queued before anyone looked at it.
    func testCallsWithABadTokenAreRefusedBeforeTheirBodyIsReadOrQueued() async throws {
        let authenticator = TestAuthenticator()
        let fixture = try makeServer(authenticator: authenticator) {
            $0.workerThreads = 1
            $0.maxQueuedCalls = 1
        }
        let gate = fixture.gate
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port))
        let first = Task.detached { try await callBlock(client) }
        try await waitUntil { gate.started.load(ordering: .relaxed) == 1 }
        // The pool is busy and its queue holds one: a refused call must not need either.
        let raw = try RawConnection(port: fixture.port)
        var s = Sample()
        s.fBytes = [UInt8](repeating: 1, count: 1 << 20)
        try raw.sendCall(Self.whoCalls.path, s, token: "forged")
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.status, Status.unauthenticated.rawValue)
        try raw.sendCall(Self.whoCalls.path, Sample())
        XCTAssertEqual(try raw.readReply().0.status, Status.unauthenticated.rawValue, "no token at all")
        XCTAssertEqual(fixture.server.diagnostics().queuedCalls, 0)
        gate.released.store(true, ordering: .releasing)
        _ = try await first.value
        let ok = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port), token: "good")
        let answer = try await ok.call(Self.whoCalls, Sample())
        XCTAssertTrue(answer.fString.hasSuffix("caller-1"), "the handler gets the resolved caller")
    }

    func testAConnectionThatKeepsSendingBadTokensIsClosed() async throws {
        let fixture = try makeServer { $0.maxRefusedTokensPerConnection = 3 }
        let raw = try RawConnection(port: fixture.port)
        var batch: [UInt8] = []
        for _ in 0..<6 { batch += raw.callFrame(Self.whoCalls.path, Sample(), token: "forged").1 }
        try raw.send(batch)
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.filter { $0.kind == .reply }.count, 4)
        XCTAssertEqual(frames.last?.goAway?.status, Status.unauthenticated.rawValue)
    }

    // A.5: methods open without a token take small bodies only, refused unread.
    func testMethodsOpenToAnyoneHaveASmallBodyLimit() async throws {
        let fixture = try makeServer()
        let raw = try RawConnection(port: fixture.port)
        var s = Sample()
        s.fBytes = [UInt8](repeating: 1, count: Router.anonymousBodyLimit + 1)
        try raw.sendCall(Self.echo.path, s)
        let (meta, _) = try raw.readReply()
        XCTAssertEqual(meta.status, Status.resourceExhausted.rawValue)
        s.fBytes = [1]
        try raw.sendCall(Self.echo.path, s)
        XCTAssertEqual(try raw.readReply().0.status, 0, "the connection goes on")
    }

    // A.5: a frame that stalls half-sent kept the connection (and its buffer) forever, since
    // any byte reset the idle timer.
    func testAFrameThatStallsHalfwayClosesTheConnection() async throws {
        let fixture = try makeServer {
            $0.readStallSeconds = 0.3
            $0.idleTimeoutSeconds = 3600
        }
        let raw = try RawConnection(port: fixture.port)
        let frame = raw.callFrame(Self.echo.path, Sample()).1
        try raw.send(Array(frame.prefix(frame.count - 1)))
        XCTAssertEqual(try raw.readUntilClosed().count, 0, "closed without an answer")
        try await waitUntil { fixture.server.connectionCount == 0 }
    }

    // A.5: a client that never reads its replies was never timed out.
    func testAPeerThatNeverReadsItsRepliesIsClosed() async throws {
        let fixture = try makeServer { $0.writeStallSeconds = 0.3 }
        let raw = try RawConnection(port: fixture.port)
        var s = Sample()
        s.fInt32 = 1 << 20
        var batch: [UInt8] = []
        for _ in 0..<64 { batch += raw.callFrame(Self.big.path, s).1 }
        try raw.send(batch)
        // Nothing is read on this side: the server's output backs up, then it gives up.
        try await waitUntil(seconds: 30) { fixture.server.connectionCount == 0 }
    }

    // A.5: per-peer connection caps.
    func testConnectionsFromOneAddressAreCapped() async throws {
        let fixture = try makeServer { $0.maxConnectionsPerPeer = 3 }
        let kept = try (0..<3).map { _ in try RawConnection(port: fixture.port) }
        for c in kept { try c.sendCall(Self.echo.path, Sample()); XCTAssertEqual(try c.readReply().0.status, 0) }
        let refused = try RawConnection(port: fixture.port)
        let frames = try refused.readUntilClosed()
        XCTAssertEqual(frames.first?.goAway?.status, Status.unavailable.rawValue)
        kept[0].close()
        try await waitUntil { fixture.server.connectionCount == 2 }
        let again = try RawConnection(port: fixture.port)
        try again.sendCall(Self.echo.path, Sample())
        XCTAssertEqual(try again.readReply().0.status, 0, "a freed slot can be used again")
    }

    // A.6: behind the TLS terminator every peer was 127.0.0.1.
    func testATrustedProxyNamesTheRealClient() async throws {
        let fixture = try makeServer { $0.trustedProxies = ["127.0.0.1"] }
        let v1 = try RawConnection(port: fixture.port)
        try v1.send(Array("PROXY TCP4 203.0.113.7 10.0.0.1 51234 7600\r\n".utf8) + v1.callFrame(Self.whoCalls.path, Sample(), token: "good").1)
        let (meta, body) = try v1.readReply()
        XCTAssertEqual(meta.status, 0)
        XCTAssertEqual(try Sample(serializedBytes: body).fString, "203.0.113.7:51234 caller-1")

        let v2 = try RawConnection(port: fixture.port)
        var header = ProxyHeader.v2Signature + [0x21, 0x11, 0x00, 12]
        header += [198, 51, 100, 9] + [10, 0, 0, 1] + [0x1F, 0x90] + [0x1D, 0xB0]
        try v2.send(header + v2.callFrame(Self.whoCalls.path, Sample(), token: "good").1)
        XCTAssertEqual(try Sample(serializedBytes: v2.readReply().1).fString, "198.51.100.9:8080 caller-1")

        let bare = try RawConnection(port: fixture.port)
        try bare.sendCall(Self.echo.path, Sample())
        XCTAssertEqual(try bare.readUntilClosed().count, 0, "a trusted address must say whom it relays")
    }

    func testProxyHeadersAreParsedStrictly() {
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n".utf8) + [9]), .proxied(peer: "1.2.3.4:1", length: 32))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP6 ::1 ::1 80 81\r\n".utf8)), .proxied(peer: "[::1]:80", length: 26))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY UNKNOWN\r\n".utf8)), .local(length: 15))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP4 1.2.3".utf8)), .incomplete)
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n".utf8)), .invalid("PROXY v1: malformed"))
        XCTAssertEqual(ProxyHeader.parse(Array("GET / HTTP/1.1\r\n".utf8)), .invalid("not a PROXY protocol header"))
        XCTAssertEqual(ProxyHeader.parse(Array("PROXY ".utf8) + [UInt8](repeating: 0x41, count: 120)), .invalid("PROXY v1: no line end within 107 bytes"))
        XCTAssertEqual(ProxyHeader.parse(ProxyHeader.v2Signature + [0x20, 0x00, 0, 0]), .local(length: 16))
        XCTAssertEqual(ProxyHeader.parse(ProxyHeader.v2Signature + [0x21, 0x11, 0, 12] + [1, 2, 3, 4, 5, 6, 7, 8, 0, 80, 0, 81]),
                       .proxied(peer: "1.2.3.4:80", length: 28))
        XCTAssertEqual(ProxyHeader.parse(ProxyHeader.v2Signature + [0x21, 0x11, 0xFF, 0xFF]), .invalid("PROXY v2: header too long"))
        XCTAssertEqual(ProxyHeader.parse(ProxyHeader.v2Signature + [0x31, 0x11, 0, 0]), .invalid("PROXY v2: unknown version"))
    }

    // A.9: a write that commits was answered DEADLINE_EXCEEDED when its deadline passed
    // while it ran; now a running handler answers for itself.
    func testARunningCallIsAnsweredByItsHandlerNotByItsDeadline() async throws {
        let fixture = try makeServer()
        let gate = fixture.gate
        let raw = try RawConnection(port: fixture.port)
        try raw.sendCall(Self.commit.path, Sample(), timeoutMs: 50)
        try await waitUntil { gate.started.load(ordering: .relaxed) == 1 }
        // Its deadline timer has fired (the server holds no timer any more)…
        try await waitUntil { fixture.server.diagnostics().timers == 0 }
        try raw.sendCall(Self.echo.path, Sample())
        // …yet the first answer on the wire is the echo's: the running call was not answered.
        let echo = try raw.readReply().0
        XCTAssertEqual(echo.callId, 2)
        gate.released.store(true, ordering: .releasing)
        let committed = try raw.readReply().0
        XCTAssertEqual(committed.callId, 1)
        XCTAssertEqual(committed.status, 0, "what was done is answered as done")
    }

    // A.5: executed work-queue slots kept their closures (request bodies, tokens, passwords).
    func testTheWorkPoolLetsGoOfWhatItRan() throws {
        final class Payload: Sendable {}
        weak var watched: Payload?
        let pool = WorkPool(name: "test", threads: 1, maxQueued: 8)
        let done = DispatchSemaphore(value: 0)
        do {
            let payload = Payload()
            watched = payload
            XCTAssertTrue(pool.submit { withExtendedLifetime(payload) {}; done.signal() })
        }
        done.wait()
        XCTAssertTrue(pool.submit { done.signal() })   // the thread is past the first job now
        done.wait()
        XCTAssertNil(watched, "the closure and what it captured are gone once run")
        pool.stop()
    }

    // A.9: the CLI accepted reply bodies up to 2 GiB.
    func testAReplyOverTheClientsLimitFailsItsCallAlone() async throws {
        let fixture = try makeServer()
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port), limits: WireLimits(maxBodyBytes: 64 * 1024))
        var s = Sample()
        s.fInt32 = 1 << 20
        do {
            _ = try await client.call(Self.big, s)
            XCTFail("expected RESOURCE_EXHAUSTED")
        } catch {
            XCTAssertEqual(error.status, .resourceExhausted)
        }
        s.fInt32 = 10
        let small = try await client.call(Self.big, s)
        XCTAssertEqual(small.fBytes.count, 10, "the connection goes on")
        XCTAssertEqual(RPCClient.defaultMaxReplyBytes, 64 << 20)
    }

    func testWorkersRunNicerThanTheThreadThatMadeThem() {
        let pool = WorkPool(name: "nice-test", threads: 1, maxQueued: 4, nice: 7)
        defer { pool.stop() }
        let seen = Mutex<Int32?>(nil)
        let done = DispatchSemaphore(value: 0)
        let mine = lj_thread_nice()
        XCTAssertTrue(pool.submit {
            seen.withLock { $0 = lj_thread_nice() }
            done.signal()
        })
        done.wait()
        XCTAssertEqual(seen.withLock { $0 }, min(mine + 7, 19))
    }

    func testCancelledTimersAreDroppedAtOnce() {
        var heap = TimerHeap()
        final class Payload {}
        weak var watched: Payload?
        var ids: [UInt64] = []
        do {
            let payload = Payload()
            watched = payload
            for i in 0..<1000 { ids.append(heap.push(UInt64(1_000_000 + i)) { _ = payload }) }
        }
        for id in ids { heap.cancel(id) }
        XCTAssertNil(watched, "cancelled actions are released at once")
        XCTAssertEqual(heap.count, 0)
        XCTAssertNil(heap.nextDeadline)
        var ran: [Int] = []
        heap.push(5) { ran.append(5) }
        let late = heap.push(3) { ran.append(3) }
        heap.push(4) { ran.append(4) }
        heap.cancel(late)
        while let action = heap.popDue(10) { action() }
        XCTAssertEqual(ran, [4, 5])
    }
}

/// A blocking call as a free `throws` function: a `Task` closure in a test method that
/// calls the typed-throws client directly trips Swift 6.3's region checker.
func callBlock(_ client: RPCClient) async throws -> Sample {
    try await client.call(InProcessServerTests.block, Sample())
}

/// A handler may answer later, from another thread, without holding a worker.
final class DeferredReplyTests: XCTestCase {
    func testADeferredReplyIsSentWhenFulfilledAndTheWorkerIsFreeMeanwhile() async throws {
        var router = Router()
        let parked = Mutex<[PendingReply]>([])
        router.register(Health.check, execution: .pool, authentication: .none) { _, _ -> HealthCheckResponse in
            let pending = PendingReply()
            parked.withLock { $0.append(pending) }
            throw DeferredReply(pending)
        }
        var configuration = RPCServerConfiguration()
        configuration.endpoint = Endpoint(host: "127.0.0.1", port: 0)
        configuration.workerThreads = 1
        let server = try RPCServer(configuration: configuration, router: router, logger: Logger(level: .error, sink: { _ in }))
        let port = try server.start()
        defer { server.drain(graceSeconds: 1) }
        let client = RPCClient(endpoint: Endpoint(host: "127.0.0.1", port: port))
        // Two calls on a single worker: the second is taken while the first still waits.
        async let first = client.health.check(HealthCheckRequest())
        async let second = client.health.check(HealthCheckRequest(service: "x"))
        try await waitUntil { parked.withLock { $0.count } == 2 }
        for p in parked.withLock({ $0 }) {
            DispatchQueue.global().async { p.fulfil(.success(HealthCheckResponse(status: .serving).serializedBytes())) }
        }
        let answers = try await [first, second]
        XCTAssertEqual(answers.map(\.status), [.serving, .serving])
    }
}
