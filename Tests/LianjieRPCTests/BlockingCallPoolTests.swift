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

/// The gateway's way to lianjied: connections lent to one thread for one call, which reads
/// its own reply, and shared multiplexed ones for the overflow.
extension InProcessServerTests {
    // MARK: BlockingCallPool

    func pool(_ fixture: Fixture, direct: Int = 1, longestCall: Duration = .seconds(10),
              limits: WireLimits = WireLimits(maxBodyBytes: RPCClient.defaultMaxReplyBytes)) -> BlockingCallPool {
        let p = BlockingCallPool(endpoint: Endpoint(host: "127.0.0.1", port: fixture.port), direct: direct, shared: 1,
                                 longestCall: longestCall, limits: limits)
        addTeardownBlock { p.close() }
        return p
    }

    static func pooledCall(_ pool: BlockingCallPool, _ text: String, method: RPCMethod<Sample, Sample> = InProcessServerTests.echo,
              timeout: Duration = .seconds(10), unprocessed: Counter? = nil) throws(RPCError) -> String {
        var s = Sample()
        s.fString = text
        let bytes = try pool.call(path: method.path, body: s.serializedBytes(), options: CallOptions(timeout: timeout),
                                  retryUnprocessedFor: .seconds(2)) { _ in unprocessed?.n.add(1, ordering: .relaxed) }
        do { return try Sample(serializedBytes: bytes).fString } catch { throw RPCError(.internal, "bad reply") }
    }

    func testCallsInTurnReuseOneDirectConnectionAndABurstOverflowsToASharedOne() async throws {
        let fixture = try makeServer()
        let p = pool(fixture)
        for i in 0..<5 { XCTAssertEqual(try Self.pooledCall(p, "call \(i)"), "call \(i)") }
        XCTAssertEqual(p.directConnections, 1)
        XCTAssertEqual(fixture.server.connectionCount, 1, "five calls in turn, one connection")

        // One call holds the only direct connection; the next one shares a multiplexed one.
        let held = Thread.detachNewThreadReturning { try? Self.pooledCall(p, "held", method: Self.block) }
        try await waitUntil { fixture.gate.started.load(ordering: .relaxed) == 1 }
        XCTAssertEqual(try Self.pooledCall(p, "beside it"), "beside it")
        XCTAssertEqual(fixture.server.connectionCount, 2)
        XCTAssertEqual(p.directConnections, 1, "no second direct connection past the limit")
        fixture.gate.released.store(true, ordering: .releasing)
        let heldAnswer = await held.value
        XCTAssertEqual(heldAnswer, "held")
        XCTAssertEqual(try Self.pooledCall(p, "after"), "after")
        XCTAssertEqual(fixture.server.connectionCount, 2, "the direct connection went back to the pool")
    }

    func testAConnectionTheServerClosedWhileIdleIsDroppedBeforeACallGoesOnIt() async throws {
        let fixture = try makeServer { $0.idleTimeoutSeconds = 0.2 }
        let p = pool(fixture)
        XCTAssertEqual(try Self.pooledCall(p, "first"), "first")
        // The server says GOAWAY ("idle timeout") and closes; the pool finds out when a call
        // next borrows the connection, before anything is sent on it.
        try await waitUntil { fixture.server.connectionCount == 0 }
        let unprocessed = Counter()
        XCTAssertEqual(try Self.pooledCall(p, "second", unprocessed: unprocessed), "second")
        XCTAssertEqual(unprocessed.n.load(ordering: .relaxed), 0, "nothing was sent on the closed connection, so nothing needed a retry")
        XCTAssertEqual(p.directConnections, 1)
    }

    func testAServerThatIsNotThereIsRetriedThenUnavailable() throws {
        // A port bound but not listening: every attempt is refused, so none was processed.
        let (fd, port) = try ScriptedServer.boundLoopbackSocket()
        defer { close(fd) }
        let p = BlockingCallPool(endpoint: Endpoint(host: "127.0.0.1", port: port), direct: 2, shared: 1, longestCall: .seconds(5))
        defer { p.close() }
        let unprocessed = Atomic<Int>(0)
        XCTAssertThrowsError(try p.call(path: Self.echo.path, body: [], options: CallOptions(timeout: .seconds(1)),
                                        retryUnprocessedFor: .milliseconds(100)) { _ in unprocessed.add(1, ordering: .relaxed) }) {
            XCTAssertEqual(($0 as? RPCError)?.status, .unavailable)
        }
        XCTAssertGreaterThanOrEqual(unprocessed.load(ordering: .relaxed), 2, "tried at once, then again within the window")
        XCTAssertEqual(p.directConnections, 0, "a connection that never connected is not counted")
    }

    func testAReplyOverTheLimitFailsItsCallAndTheNextCallGetsAFreshConnection() throws {
        let fixture = try makeServer()
        let p = pool(fixture, limits: WireLimits(maxBodyBytes: 64 * 1024))
        var s = Sample()
        s.fInt32 = 1 << 20
        XCTAssertThrowsError(try p.call(path: Self.big.path, body: s.serializedBytes(), options: CallOptions(timeout: .seconds(10)),
                                        retryUnprocessedFor: .zero)) {
            XCTAssertEqual(($0 as? RPCError)?.status, .resourceExhausted)
        }
        XCTAssertEqual(p.directConnections, 0, "the connection with a reply half skipped is closed, not lent again")
        XCTAssertEqual(try Self.pooledCall(p, "next"), "next")
    }

    func testAServerThatNeverAnswersFailsTheCallAtTheDeadlineAndTheConnectionIsNotReused() async throws {
        let fixture = try makeServer()
        // `commit` runs until the gate opens, whatever its deadline: the server cannot answer.
        let p = pool(fixture, longestCall: .milliseconds(100))
        XCTAssertThrowsError(try Self.pooledCall(p, "stuck", method: Self.commit, timeout: Duration.milliseconds(100))) {
            XCTAssertEqual(($0 as? RPCError)?.status, .deadlineExceeded)
        }
        XCTAssertEqual(p.directConnections, 0)
        fixture.gate.released.store(true, ordering: .releasing)
        XCTAssertEqual(try Self.pooledCall(p, "next"), "next")
    }
}

final class Counter: Sendable {
    let n = Atomic<Int>(0)
}

extension Thread {
    /// Runs `body` on a new thread (one that may block) and hands back its result.
    static func detachNewThreadReturning<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Task<T, Never> {
        Task {
            await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
                Thread.detachNewThread { c.resume(returning: body()) }
            }
        }
    }
}

/// A loopback LJRP server that follows a script per connection, for what a real server
/// does only in a race: a GOAWAY in the same packet as a reply, or during a call.
final class ScriptedServer: @unchecked Sendable {
    // @unchecked: `listener` and `port` are set once; each connection is its script's alone.
    let port: Int
    private let listener: Int32

    /// What a script sees: the next CALL's id and body, and a way to answer.
    struct Peer {
        let fd: Int32
        var decoder = FrameDecoder()

        mutating func nextCall() -> (id: UInt64, body: [UInt8])? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                while let event = decoder.next() {
                    if case .frame(let f) = event, f.kind == .call, let meta = try? CallMeta(serializedBytes: f.meta) { return (meta.callId, f.body) }
                }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { return nil }
                decoder.feed(Array(buffer[0..<n]))
            }
        }

        func send(_ frames: [(FrameKind, [UInt8], [UInt8])]) {
            var out: [UInt8] = []
            for (kind, meta, body) in frames { FrameEncoder.append(kind: kind, meta: meta, body: body, to: &out) }
            _ = out.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        static func reply(_ id: UInt64, _ body: [UInt8]) -> (FrameKind, [UInt8], [UInt8]) {
            var m = ReplyMeta()
            m.callId = id
            return (.reply, m.serializedBytes(), body)
        }

        static func goAway(last: UInt64) -> (FrameKind, [UInt8], [UInt8]) {
            var m = GoAwayMeta()
            m.lastCallId = last
            m.message = "shutting down"
            return (.goAway, m.serializedBytes(), [])
        }
    }

    /// Serves connection n (from 0) with `scripts[n]`, or the last script past the end; a
    /// script returning closes its connection.
    init(_ scripts: [@Sendable (inout Peer) -> Void]) throws {
        let (listening, port) = try Self.boundLoopbackSocket()
        guard listen(listening, 8) == 0 else { close(listening); throw RPCError(.internal, "cannot listen") }
        listener = listening
        self.port = port
        Thread.detachNewThread {
            var n = 0
            while true {
                let fd = accept(listening, nil, nil)
                guard fd >= 0 else { return }
                let script = scripts[min(n, scripts.count - 1)]
                n += 1
                Thread.detachNewThread {
                    var peer = Peer(fd: fd)
                    script(&peer)
                    close(fd)
                }
            }
        }
    }

    deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    /// A TCP socket bound to a port of 127.0.0.1 the kernel chose, not yet listening.
    static func boundLoopbackSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0 else { close(fd); throw RPCError(.internal, "cannot bind a loopback socket") }
        return (fd, Socket.localPort(fd))
    }

    /// Answers every call with its own body until the client goes.
    static let echo: @Sendable (inout Peer) -> Void = { peer in
        while let (id, body) = peer.nextCall() { peer.send([Peer.reply(id, body)]) }
    }
}

extension InProcessServerTests {
    func scriptedPool(_ server: ScriptedServer) -> BlockingCallPool {
        let p = BlockingCallPool(endpoint: Endpoint(host: "127.0.0.1", port: server.port), direct: 1, shared: 1, longestCall: .seconds(10))
        addTeardownBlock { p.close() }
        return p
    }

    func testAGoAwayThatCameWithTheLastReplyRetiresTheConnectionBeforeTheNextCall() throws {
        // The server answers the first call and says GOAWAY in the same packet; it keeps the
        // connection open (draining) and would drop, unanswered, any call sent on it after.
        let server = try ScriptedServer([{ peer in
            guard let (id, body) = peer.nextCall() else { return }
            peer.send([ScriptedServer.Peer.reply(id, body), ScriptedServer.Peer.goAway(last: id)])
            _ = peer.nextCall()
        }, ScriptedServer.echo])
        let p = scriptedPool(server)
        XCTAssertEqual(try Self.pooledCall(p, "first"), "first")
        let unprocessed = Counter()
        XCTAssertEqual(try Self.pooledCall(p, "second", unprocessed: unprocessed), "second")
        XCTAssertEqual(unprocessed.n.load(ordering: .relaxed), 0, "the buffered GOAWAY was seen before anything was sent")
    }

    func testACallTheServerSaysItNeverStartedIsSentAgainAndOneItCoversIsAnsweredOnce() throws {
        let calls = Counter()
        let server = try ScriptedServer([{ peer in
            // Answers the first call; the second comes after the server decided to stop.
            guard let (id, body) = peer.nextCall() else { return }
            calls.n.add(1, ordering: .relaxed)
            peer.send([ScriptedServer.Peer.reply(id, body)])
            guard let (late, _) = peer.nextCall() else { return }
            peer.send([ScriptedServer.Peer.goAway(last: late - 1)])
        }, { peer in
            // Stops with a call in hand: GOAWAY covering it, then its answer, then the close.
            guard let (id, body) = peer.nextCall() else { return }
            calls.n.add(1, ordering: .relaxed)
            peer.send([ScriptedServer.Peer.goAway(last: id)])
            peer.send([ScriptedServer.Peer.reply(id, body)])
        }, { peer in
            while let (id, body) = peer.nextCall() {
                calls.n.add(1, ordering: .relaxed)
                peer.send([ScriptedServer.Peer.reply(id, body)])
            }
        }])
        let p = scriptedPool(server)
        let unprocessed = Counter()
        XCTAssertEqual(try Self.pooledCall(p, "one", unprocessed: unprocessed), "one")
        XCTAssertEqual(try Self.pooledCall(p, "two", unprocessed: unprocessed), "two", "sent again on a new connection")
        XCTAssertEqual(unprocessed.n.load(ordering: .relaxed), 1)
        XCTAssertEqual(calls.n.load(ordering: .relaxed), 2, "the refused attempt was never handled; its resend was, once")
        XCTAssertEqual(try Self.pooledCall(p, "three", unprocessed: unprocessed), "three")
        XCTAssertEqual(unprocessed.n.load(ordering: .relaxed), 1, "the GOAWAY after 'two' covered it: answered, not sent again")
        XCTAssertEqual(calls.n.load(ordering: .relaxed), 3)
    }
}
