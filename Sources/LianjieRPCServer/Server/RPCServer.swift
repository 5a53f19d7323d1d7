import CLianjieSys
import Foundation
import LianjieMessages
public import LianjieWire
import Synchronization
public import LianjieRPC

/// The server could not start: the message says why (address in use, bad address...).
public struct RPCServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Limits and sizes of an `RPCServer`; every one has a sensible default.
public struct RPCServerConfiguration: Sendable {
    public var endpoint = Endpoint(host: "127.0.0.1", port: 7600)
    /// Largest meta and body a peer may send.
    public var limits = WireLimits()
    /// Calls a connection may have running on the worker pool at once.
    public var maxCallsPerConnection = 256
    /// Connections open at once; more are answered GOAWAY UNAVAILABLE and closed.
    public var maxConnections = 4096
    /// A connection with nothing in flight for this long is closed (0 = never).
    public var idleTimeoutSeconds: Double = 300
    /// Event-loop threads (each owns a share of the connections).
    public var eventLoops = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))
    /// Worker threads for blocking handlers.
    public var workerThreads = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
    /// How much nicer than the process the workers run (0-19; threads a worker makes take
    /// its niceness): below the event loops and the store's own threads — the committer,
    /// which commits the writes workers hand on without waiting (entry submissions), and
    /// the checkpointer — so a crowd of workers preparing the next writes never holds up
    /// the commit of the present ones. A write a worker waits for is committed by a
    /// worker, at its niceness.
    public var workerNice = 10
    /// Calls queued for the workers before new ones are refused with UNAVAILABLE.
    public var maxQueuedCalls = 4096
    /// Threads of the small pool for costly methods open without a token (login).
    public var isolatedThreads = 2
    /// Calls queued for that pool before new ones are refused with UNAVAILABLE.
    public var maxQueuedIsolatedCalls = 64
    /// The longest deadline a call may ask for; longer `timeout_ms` values are cut to it.
    public var maxDeadlineSeconds: Double = 300
    /// A frame must arrive whole within this long of its first byte (and a trusted proxy's
    /// PROXY header within this long of connecting), or the connection is closed.
    public var readStallSeconds: Double = 30
    /// Replies the peer does not read for this long close the connection.
    public var writeStallSeconds: Double = 30
    /// Connections open at once from one client address (behind a trusted proxy, the
    /// address the proxy names); more are refused.
    public var maxConnectionsPerPeer = 512
    /// Calls refused for their token after which a connection is closed.
    public var maxRefusedTokensPerConnection = 8
    /// Addresses (numeric, no port) of TLS terminators or balancers that open every
    /// connection with a PROXY protocol header (v1 or v2) naming the real client. A
    /// connection from one of them without a valid header is closed.
    public var trustedProxies: Set<String> = []
    /// Addresses (numeric, no port) of HTTP gateways (lianjie-gateway) whose calls may name
    /// the client they carry in `forwarded-for` metadata (`ip:port`): that client is then
    /// the call's peer, for the audit log and per-address login limits. Their connections
    /// are shared by many callers, so a bad token on one closes nothing.
    public var trustedGateways: Set<String> = []
    /// A Unix-domain socket the server also listens on, for a lianjie-gateway on the same
    /// host (nil: none). Its connections are trusted gateway connections, like those from a
    /// `trustedGateways` address, so the file is made mode 0660: only its owner and group
    /// may connect. It spares the gateway TCP's loopback path on every call.
    public var gatewaySocket: String?

    public init() {}

    var idleTimeoutNanos: UInt64 { Self.nanos(idleTimeoutSeconds) }
    var maxDeadlineNanos: UInt64 { max(1_000_000, Self.nanos(maxDeadlineSeconds)) }
    var readStallNanos: UInt64 { Self.nanos(readStallSeconds) }
    var writeStallNanos: UInt64 { Self.nanos(writeStallSeconds) }

    static func nanos(_ seconds: Double) -> UInt64 {
        seconds > 0 ? UInt64(min(seconds, 1e9) * 1e9) : 0
    }
}

/// An LJRP/1 server: accepts connections, decodes frames, runs the `Router`'s handlers
/// and answers, per `Proto/PROTOCOL.md`.
///
/// Threads: `eventLoops` loops own the connections (round-robin); pool handlers run on
/// `workerThreads` workers. All methods are thread-safe.
public final class RPCServer: Sendable {
    public let configuration: RPCServerConfiguration
    let router: Router
    let logger: Logger
    let pool: WorkPool
    let isolatedPool: WorkPool
    private let loops: [EventLoop]
    private let peers = Mutex<[String: Int]>([:])
    private let connections = Atomic<Int>(0)
    private let nextLoop = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)
    private let acceptors = Mutex<[Acceptor]>([])

    public init(configuration: RPCServerConfiguration, router: Router, logger: Logger) throws(RPCServerError) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.pool = WorkPool(name: "lianjie-worker", threads: configuration.workerThreads, maxQueued: configuration.maxQueuedCalls,
                             nice: configuration.workerNice)
        self.isolatedPool = WorkPool(name: "lianjie-isolated", threads: configuration.isolatedThreads,
                                     maxQueued: configuration.maxQueuedIsolatedCalls, nice: configuration.workerNice)
        var loops: [EventLoop] = []
        for i in 0..<max(1, configuration.eventLoops) { loops.append(try EventLoop(name: "lianjie-loop-\(i)")) }
        self.loops = loops
    }

    /// Binds, starts the loops, and returns the port (useful with port 0).
    @discardableResult
    public func start() throws(RPCServerError) -> Int {
        let bound: (fd: Int32, port: Int)
        do { bound = try Socket.listen(configuration.endpoint) } catch { throw RPCServerError(error.description) }
        var acceptors = [Acceptor(fd: bound.fd, socketFile: nil, server: self, loop: loops[0])]
        if let path = configuration.gatewaySocket {
            do {
                let (fd, file) = try UnixSocketFile.listen(path, backlog: 1024)
                acceptors.append(Acceptor(fd: fd, socketFile: file, server: self, loop: loops[0]))
            } catch {
                close(bound.fd)
                throw RPCServerError(error.description)
            }
        }
        self.acceptors.withLock { $0 = acceptors }
        for loop in loops { loop.start() }
        loops[0].execute { [acceptors] in for acceptor in acceptors { acceptor.attach() } }
        logger.notice("server started", ["listen": .text(Endpoint(host: configuration.endpoint.host, port: bound.port).description),
                                         "gateway_socket": .text(configuration.gatewaySocket ?? "none"),
                                         "loops": .int(Int64(loops.count)), "workers": .int(Int64(configuration.workerThreads))])
        return bound.port
    }

    /// Connections open now.
    public var connectionCount: Int { connections.load(ordering: .relaxed) }

    /// True once `drain` began: health checks answer NOT_SERVING.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Stops accepting, sends GOAWAY on every connection, waits up to `graceSeconds` for
    /// accepted calls to be answered, then closes whatever is left and stops the threads.
    /// Blocks the calling thread; returns true when everything finished within the grace.
    @discardableResult
    public func drain(graceSeconds: Double) -> Bool {
        guard !draining.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        logger.notice("draining", ["connections": .int(Int64(connectionCount)), "grace_s": .double(graceSeconds)])
        // Listening ends (the gateway socket's file removed) before drain goes on.
        let acceptors = self.acceptors.withLock { $0 }
        if !acceptors.isEmpty {
            let closed = DispatchSemaphore(value: 0)
            loops[0].execute {
                for acceptor in acceptors { acceptor.close() }
                closed.signal()
            }
            closed.wait()
        }
        for loop in loops {
            loop.execute { [loop] in
                for channel in loop.allChannels { (channel as? ServerConnection)?.drain() }
            }
        }
        let limit = MonotonicClock.now() + UInt64(max(0, graceSeconds) * 1e9)
        while connectionCount > 0, MonotonicClock.now() < limit { usleep(5_000) }
        let clean = connectionCount == 0
        if !clean {
            logger.warning("grace period over; closing remaining connections", ["connections": .int(Int64(connectionCount))])
            for loop in loops {
                loop.execute { [loop] in
                    for channel in loop.allChannels { (channel as? ServerConnection)?.close(reason: "grace period over") }
                }
            }
            let hard = MonotonicClock.now() + 1_000_000_000
            while connectionCount > 0, MonotonicClock.now() < hard { usleep(5_000) }
        }
        for loop in loops { loop.stop() }
        pool.stop()
        isolatedPool.stop()
        logger.notice("server stopped", ["clean": .text(clean ? "yes" : "no")])
        return clean
    }

    /// What the server holds right now, summed over its loops and pools: for tests and
    /// the bench, to show that nothing a caller sends outlives its call. Blocks until every
    /// loop has answered.
    public func diagnostics() -> ServerDiagnostics {
        var total = ServerDiagnostics(connections: connectionCount, queuedCalls: pool.queuedCount + isolatedPool.queuedCount)
        let parts = Mutex<[ServerDiagnostics]>([])
        let done = DispatchSemaphore(value: 0)
        for loop in loops {
            loop.execute { [loop] in
                var d = ServerDiagnostics()
                d.timers = loop.pendingTimerCount
                for channel in loop.allChannels {
                    guard let c = channel as? ServerConnection else { continue }
                    d.openCalls += c.openCallCount
                    d.bufferedBytes += c.bufferedByteCount
                }
                parts.withLock { $0.append(d) }
                done.signal()
            }
        }
        for _ in loops { done.wait() }
        for d in parts.withLock({ $0 }) {
            total.timers += d.timers
            total.openCalls += d.openCalls
            total.bufferedBytes += d.bufferedBytes
        }
        return total
    }

    // MARK: Internal

    func pool(for execution: HandlerExecution) -> WorkPool {
        execution == .isolated ? isolatedPool : pool
    }

    /// Counts one more connection from `peer` (`ip:port`); its host, or nil when that host
    /// is at `maxConnectionsPerPeer` already.
    func admitPeer(_ peer: String) -> String? {
        let host = Endpoint.host(ofPeer: peer)
        let admitted = peers.withLock { p -> Bool in
            guard p[host, default: 0] < configuration.maxConnectionsPerPeer else { return false }
            p[host, default: 0] += 1
            return true
        }
        return admitted ? host : nil
    }


    /// Runs a handler; the one place where what it throws becomes what the caller sees.
    func invoke(_ route: Router.Route, _ body: [UInt8], _ context: CallContext) -> CallOutcome {
        do {
            return CallOutcome(result: .success(try route.invoke(body, context)))
        } catch let error as RPCError {
            return CallOutcome(result: .failure(error))
        } catch let delayed as DelayedFailure {
            return CallOutcome(result: .failure(delayed.error), delayNanos: UInt64(max(0, min(delayed.delaySeconds, 60)) * 1e9))
        } catch let deferred as DeferredReply {
            return CallOutcome(result: .failure(RPCError(.internal, "no answer yet")), pending: deferred.pending)
        } catch {
            logger.error("handler failed", ["method": .text(context.method), "error": .text(String(describing: error))])
            return CallOutcome(result: .failure(RPCError(.internal, "internal error; the server log has the details")))
        }
    }

    /// Takes a new connection from `peer`; `local` when it came through the gateway socket.
    func accepted(fd: Int32, peer: String, local: Bool) {
        let count = connections.wrappingAdd(1, ordering: .relaxed).newValue
        let viaProxy = !local && configuration.trustedProxies.contains(Endpoint.host(ofPeer: peer))
        // A gateway connects directly: a connection through a trusted proxy never names its
        // calls' clients (its PROXY header named the one client it carries).
        let fromGateway = local || (!viaProxy && configuration.trustedGateways.contains(Endpoint.host(ofPeer: peer)))
        var refusal: String?
        var countedHost: String?
        if isDraining {
            refusal = "the server is shutting down"
        } else if count > configuration.maxConnections {
            refusal = "too many connections; retry later"
        } else if !viaProxy {
            countedHost = admitPeer(peer)
            if countedHost == nil { refusal = "too many connections from your address; retry later" }
        }
        if let refusal {
            let meta = GoAwayMeta(lastCallId: 0, status: Status.unavailable.rawValue, message: refusal)
            let frame = FrameEncoder.encode(kind: .goAway, meta: meta.serializedBytes())
            _ = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(fd)
            connections.wrappingSubtract(1, ordering: .relaxed)
            logger.info("connection refused", ["peer": .text(peer), "reason": .text(refusal)])
            return
        }
        let loop = loops[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % loops.count]
        loop.execute { [self, countedHost] in
            let connection = ServerConnection(fd: fd, peer: peer, countedHost: countedHost, expectsProxyHeader: viaProxy,
                                              fromGateway: fromGateway, loop: loop, server: self)
            if !connection.attach() {
                close(fd)
                releasePeer(countedHost)
                connections.wrappingSubtract(1, ordering: .relaxed)
            } else if isDraining {
                connection.drain()
            }
        }
        if logger.isEnabled(.debug) { logger.debug("connection opened", ["peer": .text(peer)]) }
    }

    private func releasePeer(_ host: String?) {
        guard let host else { return }
        peers.withLock { p in
            let left = p[host, default: 1] - 1
            p[host] = left > 0 ? left : nil
        }
    }

    func connectionClosed(peer: String, countedHost: String?, reason: String?) {
        releasePeer(countedHost)
        connections.wrappingSubtract(1, ordering: .relaxed)
        if logger.isEnabled(.debug) { logger.debug("connection closed", ["peer": .text(peer), "reason": .text(reason ?? "done")]) }
    }

    func callFinished(method: String, status: UInt32, started: UInt64, peer: String) {
        guard logger.isEnabled(.debug) else { return }
        let micros = Int64((MonotonicClock.now() &- started) / 1000)
        logger.debug("call", ["method": .text(method), "status": .text(Status(code: status).name),
                              "duration_us": .int(micros), "peer": .text(peer)])
    }
}

/// A snapshot of what a server holds (`RPCServer.diagnostics()`).
public struct ServerDiagnostics: Sendable, Equatable {
    public var connections = 0
    /// Calls waiting for a worker.
    public var queuedCalls = 0
    /// Calls accepted and not yet answered.
    public var openCalls = 0
    /// Timers not yet run (deadlines, held replies, paused accepts).
    public var timers = 0
    /// Bytes received and not yet handled, plus bytes waiting to be sent.
    public var bufferedBytes = 0
}

/// What a handler produced, and how long to hold the reply back.
struct CallOutcome: Sendable {
    var result: Result<[UInt8], RPCError>
    var delayNanos: UInt64 = 0
    /// The answer comes later, through this (a `DeferredReply`).
    var pending: PendingReply? = nil
}

/// Accepts connections on the listening socket; runs on loop 0.
final class Acceptor: LoopChannel, @unchecked Sendable {
    // @unchecked: used only on loop 0's thread after `attach`.
    private let fd: Int32
    /// The gateway socket's file, for a Unix-domain listener: removed on close.
    private let socketFile: UnixSocketFile?
    private unowned let server: RPCServer
    private let loop: EventLoop
    private var token: UInt64 = 0
    private var closed = false

    init(fd: Int32, socketFile: UnixSocketFile?, server: RPCServer, loop: EventLoop) {
        self.fd = fd
        self.socketFile = socketFile
        self.server = server
        self.loop = loop
    }

    func attach() {
        token = loop.register(fd: fd, self) ?? 0
    }

    func close() {
        guard !closed else { return }
        closed = true
        loop.deregister(fd: fd, token: token)
        // The file first, while this server still listens: a server starting meanwhile
        // finds it live and leaves it, rather than replacing it for this one to remove.
        socketFile?.remove()
        Glibc.close(fd)
    }

    func onEvent(readable: Bool, writable: Bool, hangup: Bool) {
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
            }
            if client < 0 {
                if errno == EMFILE || errno == ENFILE {
                    // The listener stays readable while the backlog waits, so epoll would wake
                    // us again at once: stop listening for a moment instead of spinning.
                    server.logger.warning("accept failed: out of file descriptors; pausing accepts for 100 ms")
                    loop.setInterest(fd: fd, token: token, readable: false, writable: false)
                    loop.schedule(at: MonotonicClock.now() + 100_000_000) { [self] in
                        if !closed { loop.setInterest(fd: fd, token: token, readable: true, writable: false) }
                    }
                }
                return
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            guard lj_socket_prepare(client) == 0 else { Glibc.close(client); continue }
            // A Unix-domain peer has no address: its calls are "local" in the audit log.
            server.accepted(fd: client, peer: socketFile == nil ? Socket.describe(storage, length: length) : "local", local: socketFile != nil)
        }
    }

    func tick(now: UInt64) {}
}
