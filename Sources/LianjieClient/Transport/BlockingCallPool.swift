import Foundation
public import LianjieRPC
public import LianjieWire
import Synchronization

/// Blocking calls for threads that may block anyway (the gateway's HTTP threads), with as
/// little as possible between a reply arriving and its caller having it.
///
/// Up to `direct` connections are lent out, one call at a time, and the borrowing thread
/// reads its own reply (`DirectConnection`: no reader thread, no hand-off). When every one
/// is lent, a call shares one of `shared` multiplexed connections (`RPCClient`) instead,
/// so a burst never waits for a connection and never opens more than `direct + shared`.
/// A connection back from idleness first deals with whatever came meanwhile (a PING, a
/// GOAWAY, the server's close). Calls the server never started are retried as
/// `RPCClient.callBlocking` retries them.
public final class BlockingCallPool: Sendable {
    public let endpoint: Endpoint
    private let limits: WireLimits
    private let maxDirect: Int
    /// The socket timeout of a direct connection: the longest call and a second's grace.
    private let readTimeout: Duration
    private let longestCall: Duration
    /// `longestCall` as a call's `timeout_ms`.
    private let longestCallMs: UInt32
    /// Idle connections, and whether the pool is closed (under one lock, so a connection
    /// given back as the pool closes is closed too, not left idle).
    private let idle = Mutex<(connections: [Lent], closed: Bool)>(([], false))
    /// Direct connections that exist, idle or lent.
    private let direct = Atomic<Int>(0)
    private let shared: [RPCClient]
    private let nextShared = Atomic<Int>(0)

    /// A direct connection on its way between the pool and a thread.
    private struct Lent: @unchecked Sendable {
        // @unchecked: only the thread it is lent to, or the pool under its lock, holds it.
        let connection: DirectConnection
    }

    public init(endpoint: Endpoint, direct: Int, shared: Int, longestCall: Duration,
                limits: WireLimits = WireLimits(maxBodyBytes: RPCClient.defaultMaxReplyBytes)) {
        self.endpoint = endpoint
        self.limits = limits
        maxDirect = max(0, direct)
        self.longestCall = longestCall
        longestCallMs = RPCClient.timeoutMs(longestCall)
        readTimeout = longestCall + .seconds(1)
        self.shared = (0..<max(1, shared)).map { _ in RPCClient(endpoint: endpoint, limits: limits) }
    }

    /// Direct connections open now (idle or lent).
    public var directConnections: Int { direct.load(ordering: .relaxed) }

    /// Calls `path`; blocks until the answer. A timeout over the pool's `longestCall`, or
    /// none, is cut to it on a direct connection.
    public func call(path: String, body: [UInt8], options: CallOptions, retryUnprocessedFor: Duration,
                     onUnprocessed: ((RPCError) -> Void)? = nil) throws(RPCError) -> [UInt8] {
        try RPCClient.retryingUnprocessed(for: retryUnprocessedFor, onUnprocessed: onUnprocessed) {
            let lent: DirectConnection?
            do throws(RPCError) { lent = try borrow() } catch {
                return ClientConnection.Outcome(result: .failure(error), notProcessed: true)
            }
            guard let lent else {
                let i = nextShared.add(1, ordering: .relaxed).oldValue
                return shared[abs(i % shared.count)].blockingAttempt(path: path, body: body, options: options)
            }
            // The socket gives up at the longest call (and a second's grace): no call asks for
            // more. A timeout at or past it, or none, is the longest call's milliseconds,
            // worked out once.
            let timeoutMs = options.timeout.map { $0 < longestCall } ?? false ? RPCClient.timeoutMs(options.timeout) : longestCallMs
            let outcome = lent.call(path: path, body: body, metadata: RPCClient.metadata(options, token: nil), timeoutMs: timeoutMs)
            giveBack(lent)
            return outcome
        }
    }

    /// An idle direct connection ready for a call, a new one while there is room, or nil
    /// when every one allowed is lent. Throws UNAVAILABLE when a new one cannot connect.
    private func borrow() throws(RPCError) -> DirectConnection? {
        while true {
            let (next, closed) = idle.withLock { i in (i.connections.popLast()?.connection, i.closed) }
            if closed { return nil }
            guard let c = next else { break }
            if c.readyAfterIdle() { return c }
            direct.subtract(1, ordering: .relaxed)
        }
        guard direct.add(1, ordering: .relaxed).newValue <= maxDirect else {
            direct.subtract(1, ordering: .relaxed)
            return nil
        }
        do { return try DirectConnection(endpoint: endpoint, limits: limits, readTimeout: readTimeout) } catch {
            direct.subtract(1, ordering: .relaxed)
            throw error
        }
    }

    /// Takes a connection back after its call; one that cannot carry another, or comes
    /// back to a closed pool, is closed.
    private func giveBack(_ c: DirectConnection) {
        let kept = c.reusable && idle.withLock { i -> Bool in
            guard !i.closed else { return false }
            i.connections.append(Lent(connection: c))
            return true
        }
        if !kept { direct.subtract(1, ordering: .relaxed) }
    }

    /// Closes every idle connection and the shared ones (their calls in flight fail
    /// UNAVAILABLE); a lent connection closes when its call returns. Later calls go to the
    /// shared connections, which reconnect.
    public func close() {
        let dropped = idle.withLock { i -> Int in
            i.closed = true
            defer { i.connections.removeAll() }
            return i.connections.count
        }
        direct.subtract(dropped, ordering: .relaxed)
        for c in shared { c.close() }
    }
}
