import CLianjieSys
import Glibc
import LianjieMessages
import LianjieWire

/// One accepted connection: reads frames, runs calls, writes replies.
///
/// Concurrency: everything here runs on `loop`'s thread, including the completion of
/// calls that ran on the worker pool (they come back through `loop.execute`). That
/// confinement is why the class is `@unchecked Sendable`. An inline call's whole path —
/// read, decode, handle, encode, write — stays on that one thread.
final class ServerConnection: LoopChannel, @unchecked Sendable {
    private struct OpenCall {
        let flag: CancellationFlag
        let method: String
        let started: UInt64
    }

    let fd: Int32
    let peer: String
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
    private var lastCallID: UInt64 = 0
    private var goAwaySent = false
    /// No new work is taken; the connection closes once open calls are answered and flushed.
    private var closing = false
    private var closed = false
    private var lastActivity: UInt64

    private static let readChunk = 64 * 1024
    /// Above this much unsent output, reading pauses until the peer catches up.
    private static let maxPendingOutput = 8 * 1024 * 1024

    init(fd: Int32, peer: String, loop: EventLoop, server: RPCServer) {
        self.fd = fd
        self.peer = peer
        self.loop = loop
        self.server = server
        self.decoder = FrameDecoder(limits: server.configuration.limits)
        self.lastActivity = MonotonicClock.now()
    }

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
        let idle = server.configuration.idleTimeoutNanos
        if openCalls.isEmpty, out.count == outOffset, idle > 0, now - lastActivity >= idle {
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
                lastActivity = MonotonicClock.now()
                loop.readBuffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                processFrames()
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

    private func peerClosedWrites() {
        inputEnded = true
        updateInterest()
        if decoder.isMidFrame { close(reason: "peer closed mid-frame"); return }
        beginClosing()
    }

    private func processFrames() {
        while !closed, let event = decoder.next() {
            switch event {
            case .frame(let frame):
                handle(frame)
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
        if out.count - outOffset > Self.maxPendingOutput {
            paused = true
            updateInterest()
        }
    }

    private func handle(_ frame: Frame) {
        switch frame.kind {
        case .call:
            guard let call = decodeCallMeta(frame.meta) else { return }
            startCall(call, body: frame.body)
        case .cancel:
            guard let meta = try? CancelMeta(serializedBytes: frame.meta) else {
                protocolError("CANCEL meta is not a valid CancelMeta"); return
            }
            if let open = openCalls.removeValue(forKey: meta.callId) {
                open.flag.set()
                reply(meta.callId, .failure(RPCError(.cancelled, "call cancelled by the caller")),
                      method: open.method, started: open.started)
            }
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

    private func startCall(_ call: CallMeta, body: [UInt8]) {
        let now = MonotonicClock.now()
        if goAwaySent || closing {
            reply(call.callId, .failure(RPCError(.unavailable, "the server is shutting down; retry elsewhere")),
                  method: call.method, started: now)
            return
        }
        guard let route = server.router.route(call.method) else {
            reply(call.callId, .failure(RPCError(.unimplemented, "unknown method \(call.method)")),
                  method: call.method, started: now)
            return
        }
        var metadata: [String: String] = [:]
        for m in call.metadata { metadata[m.key.lowercased()] = m.value }
        let deadline: UInt64? = call.timeoutMs > 0 ? now + UInt64(call.timeoutMs) * 1_000_000 : nil
        let context = CallContext(callID: call.callId, method: call.method, metadata: metadata,
                                  deadline: deadline, peer: peer)

        switch route.execution {
        case .inline:
            let outcome = server.invoke(route, body, context)
            if outcome.delayNanos == 0 {
                reply(call.callId, outcome.result, method: call.method, started: now)
            } else {
                openCalls[call.callId] = OpenCall(flag: context.cancellation, method: call.method, started: now)
                complete(call.callId, outcome)
            }
        case .pool:
            guard openCalls.count < server.configuration.maxCallsPerConnection else {
                reply(call.callId, .failure(RPCError(.resourceExhausted,
                    "too many open calls on this connection (limit \(server.configuration.maxCallsPerConnection))")),
                    method: call.method, started: now)
                return
            }
            openCalls[call.callId] = OpenCall(flag: context.cancellation, method: call.method, started: now)
            let callID = call.callId
            let loop = self.loop
            let accepted = server.pool.submit { [self, server] in
                let outcome: CallOutcome
                if context.cancellation.isSet {
                    outcome = CallOutcome(result: .failure(RPCError(.cancelled, "call cancelled by the caller")))
                } else if let deadline, MonotonicClock.now() >= deadline {
                    outcome = CallOutcome(result: .failure(RPCError(.deadlineExceeded, "deadline exceeded before the call started")))
                } else {
                    outcome = server.invoke(route, body, context)
                }
                loop.execute { self.complete(callID, outcome) }
            }
            guard accepted else {
                openCalls[callID] = nil
                reply(callID, .failure(RPCError(.unavailable, "the server is overloaded; retry later")),
                      method: call.method, started: now)
                return
            }
            if let deadline {
                loop.schedule(at: deadline) { [self] in self.deadlinePassed(callID) }
            }
        }
    }

    /// Answers a call that ran on the pool (or holds its reply back first, keeping it open
    /// so CANCEL, its deadline and drain still apply while it waits).
    private func complete(_ callID: UInt64, _ outcome: CallOutcome) {
        guard !closed, openCalls[callID] != nil else { return }
        if outcome.delayNanos > 0 {
            let result = outcome.result
            loop.schedule(at: MonotonicClock.now() + outcome.delayNanos) { [self] in
                complete(callID, CallOutcome(result: result))
            }
            return
        }
        guard let open = openCalls.removeValue(forKey: callID) else { return }
        reply(callID, outcome.result, method: open.method, started: open.started)
        flush()
    }

    private func deadlinePassed(_ callID: UInt64) {
        guard let open = openCalls.removeValue(forKey: callID), !closed else { return }
        open.flag.set()
        reply(callID, .failure(RPCError(.deadlineExceeded, "deadline exceeded")), method: open.method, started: open.started)
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

    /// Closes the socket now; open calls' late results are dropped. Loop thread only.
    func close(reason: String?) {
        guard !closed else { return }
        closed = true
        for call in openCalls.values { call.flag.set() }
        openCalls.removeAll()
        loop.deregister(fd: fd, token: token)
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        server.connectionClosed(peer: peer, reason: reason)
    }

    // MARK: Output

    private func flush() {
        guard !closed else { return }
        while outOffset < out.count {
            let n = out.withUnsafeBytes { buf in
                Glibc.write(fd, buf.baseAddress! + outOffset, out.count - outOffset)
            }
            if n > 0 {
                outOffset += n
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
