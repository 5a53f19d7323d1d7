import CLianjieSys
import Glibc
import LianjieMessages
import LianjieRPC
import LianjieWire

/// One accepted connection: reads frames, runs calls, writes replies.
///
/// Concurrency: everything here runs on `loop`'s thread, including the completion of
/// calls that ran on a worker pool (they come back through `loop.execute`). That
/// confinement is why the class is `@unchecked Sendable`. An inline call's whole path —
/// read, decode, handle, encode, write — stays on that one thread.
///
/// What a peer can make it hold is bounded before anything is buffered: a CALL's meta is
/// checked (method, body limit, token, capacity) before its body is read, and a refused
/// call's body is skipped unbuffered; deadlines are capped and their timers cancelled when
/// the call ends; a frame that stalls half-sent, or output the peer never reads, closes
/// the connection; and a closed connection drops its buffers at once.
final class ServerConnection: LoopChannel, @unchecked Sendable {
    private struct OpenCall {
        let control: CallControl
        let method: String
        let started: UInt64
        var deadline: UInt64? = nil
        var timer: UInt64? = nil
        /// The handler finished with a failure whose answer is being held back a while.
        var delayedReply = false
    }

    /// A call whose head was accepted and whose body is being read. (A class: it is handed
    /// on, not copied.)
    private final class Admitted {
        let callID: UInt64
        let route: Router.Route
        let context: CallContext
        let started: UInt64

        init(callID: UInt64, route: Router.Route, context: CallContext, started: UInt64) {
            self.callID = callID
            self.route = route
            self.context = context
            self.started = started
        }
    }

    let fd: Int32
    /// The address the socket came from (a trusted proxy's, when one relays).
    let socketPeer: String
    /// The client's address, as logged and audited.
    private(set) var peer: String
    /// The host counted against the per-peer connection cap, if any.
    private var countedHost: String?
    private let loop: EventLoop
    private let server: RPCServer
    private var token: UInt64 = 0
    private var decoder: FrameDecoder
    private var out: [UInt8] = []
    private var outOffset = 0
    private var wantsWrite = false
    /// The peer closed its side, or broke the protocol: nothing more is read.
    private var inputEnded = false
    /// Too much unsent output: reading waits for the peer to catch up.
    private var paused = false
    private var reading: Bool { !inputEnded && !paused }
    private var openCalls: [UInt64: OpenCall] = [:]
    private var admitted: Admitted?
    private var lastCallID: UInt64 = 0
    private var goAwaySent = false
    /// No new work is taken; the connection closes once open calls are answered and flushed.
    private var closing = false
    private var closed = false
    /// A flush is queued on the loop (see `scheduleFlush`).
    private var flushScheduled = false
    /// When the last complete frame arrived: the idle timeout counts from here.
    private var lastActivity: UInt64
    /// When the frame now arriving began, while one is half-received.
    private var frameStarted: UInt64?
    /// When output last moved (or began waiting).
    private var lastWriteProgress: UInt64
    /// Bytes of the PROXY header still being read, for a connection from a trusted proxy.
    private var proxyPending: [UInt8]?
    private var refusedTokens = 0
    /// A trusted gateway's connection: calls name their own client (`forwarded-for`).
    private let fromGateway: Bool

    private static let readChunk = 64 * 1024
    /// Above this much unsent output, reading pauses until the peer catches up.
    private static let maxPendingOutput = 8 * 1024 * 1024

    init(fd: Int32, peer: String, countedHost: String?, expectsProxyHeader: Bool, fromGateway: Bool, loop: EventLoop, server: RPCServer) {
        self.fd = fd
        self.socketPeer = peer
        self.peer = peer
        self.fromGateway = fromGateway
        self.countedHost = countedHost
        self.loop = loop
        self.server = server
        self.decoder = FrameDecoder(limits: server.configuration.limits, announcesCallHeads: true)
        let now = MonotonicClock.now()
        self.lastActivity = now
        self.lastWriteProgress = now
        if expectsProxyHeader {
            proxyPending = []
            frameStarted = now
        }
    }

    /// Calls accepted and not yet answered; loop thread only.
    var openCallCount: Int { openCalls.count }
    /// Bytes held for this connection (input not yet handled, output not yet sent).
    var bufferedByteCount: Int { decoder.bufferedByteCount + (out.count - outOffset) + (proxyPending?.count ?? 0) }

    /// Registers with the loop; loop thread only. False if epoll refused the fd.
    func attach() -> Bool {
        guard let t = loop.register(fd: fd, self) else { return false }
        token = t
        return true
    }

    // MARK: Events

    func onEvent(readable: Bool, writable: Bool, hangup: Bool) {
        if writable { flush() }
        if readable, reading { readAvailable() }
        if hangup, !closed {
            // Both directions are gone or the socket errored: no reply can be delivered.
            close(reason: "peer hung up")
        }
    }

    func tick(now: UInt64) {
        guard !closed else { return }
        let configuration = server.configuration
        // `now` was read when the loop woke; a mark set since (by a reply) may be later.
        func since(_ mark: UInt64) -> UInt64 { now > mark ? now - mark : 0 }
        if let started = frameStarted, since(started) >= configuration.readStallNanos {
            close(reason: proxyPending != nil ? "no PROXY header in time" : "a frame stalled half-received")
            return
        }
        if outOffset < out.count, since(lastWriteProgress) >= configuration.writeStallNanos {
            close(reason: "the peer stopped reading its replies")
            return
        }
        let idle = configuration.idleTimeoutNanos
        if openCalls.isEmpty, out.count == outOffset, idle > 0, since(lastActivity) >= idle {
            sendGoAway(.unavailable, "idle timeout")
            beginClosing()
            flush()
        }
    }

    private func readAvailable() {
        var rounds = 0
        while reading, !closed, rounds < 16 {
            rounds += 1
            let n = loop.readBuffer.withUnsafeMutableBytes { buf in
                Glibc.read(fd, buf.baseAddress, Self.readChunk)
            }
            if n > 0 {
                loop.readBuffer.withUnsafeBytes { received(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if n < Self.readChunk { break }
            } else if n == 0 {
                peerClosedWrites()
                break
            } else {
                if errno == EAGAIN || errno == EINTR { break }
                close(reason: "read failed")
                return
            }
        }
        flush()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        if proxyPending != nil {
            readProxyHeader(bytes)
            return
        }
        decoder.feed(bytes)
        processFrames()
    }

    /// Reads the PROXY header a trusted proxy sends first; the bytes after it are frames.
    private func readProxyHeader(_ bytes: UnsafeRawBufferPointer) {
        proxyPending!.append(contentsOf: bytes)
        let pending = proxyPending!
        switch ProxyHeader.parse(pending) {
        case .incomplete:
            if pending.count > ProxyHeader.maxLength { close(reason: "PROXY header too long") }
            return
        case .invalid(let why):
            server.logger.info("connection refused", ["peer": .text(socketPeer), "reason": .text(why)])
            close(reason: why)
            return
        case .local(let length):
            proxyPending = nil
            frameStarted = nil
            pending[length...].withUnsafeBytes { received($0) }
        case .proxied(let client, let length):
            proxyPending = nil
            frameStarted = nil
            guard let host = server.admitPeer(client) else {
                server.logger.info("connection refused", ["peer": .text(client), "via": .text(socketPeer), "reason": "per-peer limit"])
                close(reason: "too many connections from \(client)")
                return
            }
            countedHost = host
            peer = client
            pending[length...].withUnsafeBytes { received($0) }
        }
    }

    private func peerClosedWrites() {
        inputEnded = true
        updateInterest()
        if decoder.isMidFrame || proxyPending != nil { close(reason: "peer closed mid-frame"); return }
        beginClosing()
    }

    private func processFrames() {
        // After a GOAWAY that ends reading (a protocol error, abuse), nothing more is taken.
        while !closed, !(inputEnded && goAwaySent), let event = decoder.next() {
            switch event {
            case .frame(let frame):
                lastActivity = MonotonicClock.now()
                handle(frame)
            case .callHead(let meta, let bodyLength):
                if admitCall(meta: meta, bodyLength: bodyLength) { decoder.admitBody() } else { decoder.discardBody() }
            case .oversized(let kind, let meta, let bodyLength):
                guard kind == .call else {
                    protocolError("a \(kind) frame may not carry a body of \(bodyLength) bytes")
                    return
                }
                guard let call = decodeCallMeta(meta) else { return }
                reply(call.callId, .failure(RPCError(.resourceExhausted,
                    "request body of \(bodyLength) bytes exceeds the limit of \(decoder.limits.maxBodyBytes)")),
                    method: call.method, started: MonotonicClock.now())
            case .protocolError(let error):
                protocolError(error.message)
                return
            }
        }
        if decoder.isMidFrame {
            if frameStarted == nil { frameStarted = MonotonicClock.now() }
        } else {
            frameStarted = nil
        }
        if out.count - outOffset > Self.maxPendingOutput {
            paused = true
            updateInterest()
        }
    }

    private func handle(_ frame: Frame) {
        switch frame.kind {
        case .call:
            guard let admitted else { preconditionFailure("a CALL frame without an admitted head") }
            self.admitted = nil
            startCall(admitted, body: frame.body)
        case .cancel:
            guard let meta = try? CancelMeta(serializedBytes: frame.meta) else {
                protocolError("CANCEL meta is not a valid CancelMeta"); return
            }
            abandon(meta.callId, RPCError(.cancelled, "call cancelled by the caller"))
        case .ping:
            guard let meta = try? PingMeta(serializedBytes: frame.meta) else {
                protocolError("PING meta is not a valid PingMeta"); return
            }
            FrameEncoder.append(kind: .pong, meta: PingMeta(nonce: meta.nonce).serializedBytes(), to: &out)
        case .pong:
            break
        case .goAway:
            // The peer will send nothing more that needs an answer beyond what is open.
            beginClosing()
        case .reply:
            protocolError("a client may not send REPLY frames")
        }
    }

    private func decodeCallMeta(_ bytes: [UInt8]) -> CallMeta? {
        guard let meta = try? CallMeta(serializedBytes: bytes) else {
            protocolError("CALL meta is not a valid CallMeta")
            return nil
        }
        guard meta.callId > lastCallID else {
            protocolError("call_id \(meta.callId) does not increase (last was \(lastCallID))")
            return nil
        }
        lastCallID = meta.callId
        return meta
    }

    // MARK: Calls

    /// Decides on a CALL from its meta alone, before its body is read: true to read the
    /// body, false when the call was answered already (its body is then skipped).
    private func admitCall(meta: [UInt8], bodyLength: Int) -> Bool {
        guard let call = decodeCallMeta(meta) else { return false }
        let now = MonotonicClock.now()
        func refuse(_ error: RPCError) -> Bool {
            reply(call.callId, .failure(error), method: call.method, started: now)
            return false
        }
        if goAwaySent || closing { return refuse(RPCError(.unavailable, "the server is shutting down; retry elsewhere")) }
        guard let route = server.router.route(call.method) else {
            return refuse(RPCError(.unimplemented, "unknown method \(call.method)"))
        }
        if let limit = route.maxBodyBytes, bodyLength > limit {
            return refuse(RPCError(.resourceExhausted, "request body of \(bodyLength) bytes exceeds the limit of \(limit) for \(call.method)"))
        }
        if route.execution != .inline, openCalls.count >= server.configuration.maxCallsPerConnection {
            return refuse(RPCError(.resourceExhausted,
                "too many open calls on this connection (limit \(server.configuration.maxCallsPerConnection))"))
        }
        var metadata: [String: String] = [:]
        for m in call.metadata {
            // Keys are lower-case on the wire from every client we know: lower-case only if not.
            let key = m.key.utf8.contains { $0 >= 0x41 && $0 <= 0x5A } ? m.key.lowercased() : m.key
            metadata[key] = m.value
        }
        var callPeer = peer
        if fromGateway, let forwarded = metadata["forwarded-for"], let client = Endpoint.numericPeer(forwarded) { callPeer = client }
        var principal: (any Sendable)?
        if route.authentication == .required {
            let head = CallHead(method: call.method, metadata: metadata, peer: callPeer)
            switch server.router.authenticator?.authenticate(head) ?? .failure(RPCError(.unauthenticated, "this server accepts no tokens")) {
            case .success(let p):
                principal = p
            case .failure(let error):
                if error.status == .unauthenticated, !fromGateway {
                    refusedTokens += 1
                    if refusedTokens > server.configuration.maxRefusedTokensPerConnection {
                        _ = refuse(error)
                        sendGoAway(.unauthenticated, "too many calls with a bad token on this connection")
                        inputEnded = true
                        updateInterest()
                        beginClosing()
                        return false
                    }
                }
                return refuse(error)
            }
        }
        let deadline: UInt64? = call.timeoutMs > 0
            ? now + min(UInt64(call.timeoutMs) * 1_000_000, server.configuration.maxDeadlineNanos)
            : nil
        let context = CallContext(callID: call.callId, method: call.method, metadata: metadata, deadline: deadline, peer: callPeer,
                                  principal: principal)
        admitted = Admitted(callID: call.callId, route: route, context: context, started: now)
        return true
    }

    private func startCall(_ a: Admitted, body: [UInt8]) {
        let callID = a.callID
        let context = a.context
        let method = context.method
        if a.route.execution == .inline {
            let outcome = server.invoke(a.route, body, context)
            if let pending = outcome.pending {
                openCalls[callID] = OpenCall(control: context.control, method: method, started: a.started, deadline: context.deadline)
                answer(callID, when: pending)
                return
            }
            if outcome.delayNanos == 0 {
                reply(callID, outcome.result, method: method, started: a.started)
            } else {
                openCalls[callID] = OpenCall(control: context.control, method: method, started: a.started, deadline: context.deadline)
                complete(callID, outcome)
            }
            return
        }
        openCalls[callID] = OpenCall(control: context.control, method: method, started: a.started, deadline: context.deadline)
        let loop = self.loop
        let route = a.route
        let accepted = server.pool(for: route.execution).submit { [weak self, server] in
            let outcome: CallOutcome
            if !context.control.start() {
                // Abandoned while queued (cancelled, timed out, or the connection closed):
                // it was answered already, and its body is dropped here unread.
                return
            } else if let deadline = context.deadline, MonotonicClock.now() >= deadline {
                outcome = CallOutcome(result: .failure(RPCError(.deadlineExceeded, "deadline exceeded before the call started")))
            } else {
                outcome = server.invoke(route, body, context)
            }
            if let pending = outcome.pending {
                // Answered later, from whichever thread finishes the work; this worker is free now.
                self?.answer(callID, when: pending)
                return
            }
            loop.execute { [weak self] in self?.complete(callID, outcome) }
        }
        guard accepted else {
            openCalls[callID] = nil
            reply(callID, .failure(RPCError(.unavailable, "the server is overloaded; retry later")), method: method, started: a.started)
            return
        }
        if let deadline = context.deadline {
            openCalls[callID]?.timer = loop.schedule(at: deadline) { [weak self] in
                self?.abandon(callID, RPCError(.deadlineExceeded, "deadline exceeded"))
            }
        }
    }

    /// Answers `callID` on the loop once `pending` is fulfilled. Any thread: it touches
    /// only the loop, which never changes.
    private func answer(_ callID: UInt64, when pending: PendingReply) {
        let loop = self.loop
        pending.whenFulfilled { [weak self] result in
            loop.execute { [weak self] in self?.complete(callID, CallOutcome(result: result)) }
        }
    }

    /// Answers a call that ran on a pool (or holds its reply back first, keeping it open
    /// so CANCEL, its deadline and drain still apply while it waits).
    private func complete(_ callID: UInt64, _ outcome: CallOutcome) {
        guard !closed, var open = openCalls[callID] else { return }
        if let timer = open.timer { loop.cancel(timer: timer) }
        var result = outcome.result
        if outcome.delayNanos > 0 {
            let now = MonotonicClock.now()
            if let deadline = open.deadline, deadline <= now {
                result = .failure(RPCError(.deadlineExceeded, "deadline exceeded"))
            } else if open.control.isSet {
                // Cancelled while it ran: a failure held back for pacing need not wait.
                result = .failure(RPCError(.cancelled, "call cancelled by the caller"))
            } else {
                let end = now + outcome.delayNanos
                let deadline = open.deadline ?? .max
                let answer = deadline < end ? .failure(RPCError(.deadlineExceeded, "deadline exceeded")) : result
                open.timer = loop.schedule(at: min(end, deadline)) { [weak self] in
                    self?.complete(callID, CallOutcome(result: answer))
                }
                open.delayedReply = true
                openCalls[callID] = open
                return
            }
        }
        openCalls[callID] = nil
        reply(callID, result, method: open.method, started: open.started)
        scheduleFlush()
    }

    /// Sends what is queued once the loop has run the tasks posted so far: answers that
    /// complete together (a group commit's worth) leave in one send, not one each.
    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute { [weak self] in
            guard let self else { return }
            self.flushScheduled = false
            self.flush()
        }
    }

    /// CANCEL or the deadline: a call still queued (or holding a delayed reply) is answered
    /// `error` now; a running one is asked to stop and answers for itself.
    private func abandon(_ callID: UInt64, _ error: RPCError) {
        guard !closed, let open = openCalls[callID] else { return }
        // A running handler answers for itself (a write it commits is answered OK, never
        // CANCELLED); a queued call, or a failure waiting out its delay, is answered now.
        guard open.control.abandon() || open.delayedReply else { return }
        if let timer = open.timer { loop.cancel(timer: timer) }
        openCalls[callID] = nil
        reply(callID, .failure(error), method: open.method, started: open.started)
        flush()
    }

    private func reply(_ callID: UInt64, _ result: Result<[UInt8], RPCError>, method: String, started: UInt64) {
        let meta: ReplyMeta
        let body: [UInt8]
        switch result {
        case .success(let b):
            meta = ReplyMeta(callId: callID)
            body = b
        case .failure(let e):
            meta = ReplyMeta(callId: callID, status: e.status.rawValue, message: e.message, violations: e.violations)
            body = []
        }
        if outOffset == out.count { lastWriteProgress = MonotonicClock.now() }
        FrameEncoder.append(kind: .reply, meta: meta.serializedBytes(), body: body, to: &out)
        server.callFinished(method: method, status: meta.status, started: started, peer: peer)
    }

    // MARK: Shutdown

    /// Sends GOAWAY and closes once every accepted call is answered; loop thread only.
    func drain() {
        guard !closed else { return }
        sendGoAway(.unavailable, "the server is shutting down")
        beginClosing()
        flush()
    }

    private func sendGoAway(_ status: Status, _ message: String) {
        guard !goAwaySent else { return }
        goAwaySent = true
        let meta = GoAwayMeta(lastCallId: lastCallID, status: status.rawValue, message: message)
        if outOffset == out.count { lastWriteProgress = MonotonicClock.now() }
        FrameEncoder.append(kind: .goAway, meta: meta.serializedBytes(), to: &out)
    }

    private func protocolError(_ message: String) {
        server.logger.info("protocol error", ["peer": .text(peer), "reason": .text(message)])
        sendGoAway(.invalidArgument, "protocol error: \(message)")
        inputEnded = true
        updateInterest()
        beginClosing()
    }

    private func beginClosing() {
        closing = true
        closeIfQuiet()
    }

    private func closeIfQuiet() {
        if closing, openCalls.isEmpty, outOffset == out.count, !closed {
            close(reason: nil)
        }
    }

    /// Closes the socket now; open calls are abandoned (a queued one never runs, a running
    /// one's result is dropped) and every buffer is released. Loop thread only.
    func close(reason: String?) {
        guard !closed else { return }
        closed = true
        for call in openCalls.values {
            _ = call.control.abandon()
            if let timer = call.timer { loop.cancel(timer: timer) }
        }
        openCalls.removeAll()
        admitted = nil
        decoder = FrameDecoder(limits: server.configuration.limits)
        out = []
        outOffset = 0
        proxyPending = nil
        loop.deregister(fd: fd, token: token)
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        server.connectionClosed(peer: peer, countedHost: countedHost, reason: reason)
    }

    // MARK: Output

    private func flush() {
        guard !closed else { return }
        while outOffset < out.count {
            let n = out.withUnsafeBytes { buf in
                // MSG_NOSIGNAL: a peer gone away is EPIPE here, never a SIGPIPE that kills
                // whatever process embeds the server.
                Glibc.send(fd, buf.baseAddress! + outOffset, out.count - outOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                outOffset += n
                lastWriteProgress = MonotonicClock.now()
            } else if n < 0, errno == EINTR {
                continue
            } else if n < 0, errno == EAGAIN {
                break
            } else {
                close(reason: "write failed")
                return
            }
        }
        if outOffset == out.count {
            out.removeAll(keepingCapacity: out.capacity <= 1 << 20)
            outOffset = 0
        }
        let stillPending = outOffset < out.count
        var interestChanged = false
        if paused, out.count - outOffset < Self.maxPendingOutput / 2 {
            paused = false
            interestChanged = true
        }
        if stillPending != wantsWrite {
            wantsWrite = stillPending
            interestChanged = true
        }
        if interestChanged { updateInterest() }
        closeIfQuiet()
    }

    private func updateInterest() {
        guard !closed else { return }
        loop.setInterest(fd: fd, token: token, readable: reading, writable: wantsWrite)
    }
}
