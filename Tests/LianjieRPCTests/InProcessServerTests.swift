import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import LianjieWire
import Synchronization
import XCTest

/// The RPC layer with handlers written for the test: behaviours no real service can be
/// made to show on demand (a crash-like failure, a blocked worker pool, cancellation
/// seen from inside a handler, the logs of a call).
final class InProcessServerTests: XCTestCase {
    static let echo = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Echo")
    static let fail = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Fail")
    static let block = RPCMethod<Sample, Sample>(service: "lianjie.testing.v1.Echo", method: "Block")

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

    func makeServer(_ configure: (inout RPCServerConfiguration) -> Void = { _ in }) throws -> Fixture {
        let sink = LogSink()
        let gate = Gate()
        let logger = Logger(level: .debug) { line in sink.lines.withLock { $0.append(line) } }
        var router = Router()
        router.register(Self.echo, execution: .inline) { request, _ in request }
        router.register(Self.fail, execution: .pool) { _, _ in throw HiddenFailure() }
        router.register(Self.block, execution: .pool) { request, context in
            gate.started.wrappingAdd(1, ordering: .relaxed)
            while !gate.released.load(ordering: .acquiring) {
                if context.isCancelled { gate.sawCancel.store(true, ordering: .releasing); throw RPCError(.cancelled, "stopped") }
                usleep(1000)
            }
            return request
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
        // The only worker is busy: this call waits in the queue past its deadline.
        let start = Date()
        do {
            _ = try await client.call(Self.block, Sample(), options: CallOptions(timeout: .milliseconds(50)))
            XCTFail("expected DEADLINE_EXCEEDED")
        } catch {
            XCTAssertEqual(error.status, .deadlineExceeded)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "answered at the deadline, not when a worker freed up")
        gate.released.store(true, ordering: .releasing)
        _ = try await first.value
        try await Task.sleep(for: .milliseconds(50))
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
        let drained = Task.detached { server.drain(graceSeconds: 5) }
        try await Task.sleep(for: .milliseconds(100))
        gate.released.store(true, ordering: .releasing)
        let frames = try raw.readUntilClosed()
        XCTAssertEqual(frames.map(\.kind), [.goAway, .reply])
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
}

/// A blocking call as a free `throws` function: a `Task` closure in a test method that
/// calls the typed-throws client directly trips Swift 6.3's region checker.
func callBlock(_ client: RPCClient) async throws -> Sample {
    try await client.call(InProcessServerTests.block, Sample())
}
