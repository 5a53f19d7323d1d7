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
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(bound, 0)
        let port = Socket.localPort(fd)
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
