import Foundation
import LianjieMessages
import LianjieWire
import Synchronization
import LianjieRPC

/// One client TCP connection. Its own thread connects (no caller's thread ever waits for
/// a connect) and then delivers replies; calls made while it connects are queued and sent
/// once it is up. Writers share the socket under `output`.
///
/// Lock order: a writer takes `output`, then briefly `state` (to number and register the
/// call, so call ids go out strictly increasing); the reader thread takes only `state`,
/// or `output` alone. So a blocked write never stops replies being delivered, and nothing
/// deadlocks.
final class ClientConnection: Sendable {
    /// A call's outcome; `notProcessed` means the server never started it (GOAWAY or a
    /// connection that was already gone), so the caller may safely send it again.
    struct Outcome: Sendable {
        var result: Result<[UInt8], RPCError>
        var notProcessed = false
    }

    private struct State {
        var nextCallID: UInt64 = 1
        var pending: [UInt64: Waiter] = [:]
        /// Set by GOAWAY: calls above it were not processed.
        var goAwayLastCallID: UInt64?
        var failure: RPCError?
    }

    /// The socket as writers see it: not yet connected (frames wait in `queued`),
    /// connected, or gone.
    private struct Output {
        var fd: Int32 = -1
        /// Frames waiting for the connection, each with the call it starts (0: none).
        var queued: [(call: UInt64, bytes: [UInt8])] = []
        var closed = false
    }

    /// The id a call got, known once it is sent; lets a cancel that races the send find it.
    final class Handle: Sendable {
        let value = Mutex<(id: UInt64?, cancelled: Bool)>((nil, false))
    }

    private let endpoint: Endpoint
    private let maxReplyBytes: Int
    private let maxMetaBytes: Int
    private let state = Mutex(State())
    private let output = Mutex(Output())

    /// Starts connecting to `endpoint` on the connection's own thread and returns at once.
    init(endpoint: Endpoint, limits: WireLimits) {
        self.endpoint = endpoint
        self.maxReplyBytes = limits.maxBodyBytes
        self.maxMetaBytes = limits.maxMetaBytes
        let t = Thread { [self] in self.run() }
        t.name = "lianjie-client"
        t.stackSize = 256 * 1024
        t.start()
    }

    /// Usable for new calls: not failed and not told to go away.
    var isUsable: Bool {
        state.withLock { $0.failure == nil && $0.goAwayLastCallID == nil }
    }

    /// Whoever waits for a call's outcome: an async caller's continuation, or a thread
    /// blocked in `RPCClient.callBlocking`. Called exactly once.
    typealias Waiter = @Sendable (Outcome) -> Void

    func call(path: String, body: [UInt8], metadata: [(String, String)], timeoutMs: UInt32) async -> Outcome {
        let handle = Handle()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                start(path: path, body: body, metadata: metadata, timeoutMs: timeoutMs, handle: handle) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            let id = handle.value.withLock { h -> UInt64? in
                h.cancelled = true
                return h.id
            }
            if let id, fail(id, RPCError(.cancelled, "call cancelled")) { sendCancel(id) }
        }
    }

    /// Sends a call and returns at once with its id (0 when it was refused at once);
    /// `waiter` gets its outcome, on the connection's thread or (refused, lost, timed out)
    /// on another. With `armTimer`, a call with a deadline fails itself a second after it
    /// if the server never answers; without, the caller watches the time (`expire`).
    @discardableResult
    func start(path: String, body: [UInt8], metadata: [(String, String)], timeoutMs: UInt32, handle: Handle = Handle(),
               armTimer: Bool = true, waiter: @escaping Waiter) -> UInt64 {
        var refused: RPCError?
        var sent = true
        var assigned: UInt64 = 0
        output.withLock { out in
            let id = state.withLock { s -> UInt64? in
                if let f = s.failure { refused = f; return nil }
                if s.goAwayLastCallID != nil { refused = RPCError(.unavailable, "the server is going away"); return nil }
                let id = s.nextCallID
                s.nextCallID += 1
                s.pending[id] = waiter
                return id
            }
            guard let id else { return }
            assigned = id
            let frame = FrameEncoder.call(callId: id, method: path, timeoutMs: timeoutMs, metadata: metadata, body: body)
            sent = Self.send(frame, &out, call: id)
        }
        if let refused {
            waiter(Outcome(result: .failure(refused), notProcessed: true))
            return 0
        }
        if !sent {
            fail(assigned, Self.lost, notProcessed: true)
            return assigned
        }
        let cancelledEarly = handle.value.withLock { h -> Bool in
            h.id = assigned
            return h.cancelled
        }
        if cancelledEarly, fail(assigned, RPCError(.cancelled, "call cancelled")) { sendCancel(assigned) }
        let callID = assigned
        if timeoutMs > 0, armTimer {
            // The server answers DEADLINE_EXCEEDED itself; this covers a server that cannot.
            let grace = DispatchTime.now() + .milliseconds(Int(timeoutMs) + 1000)
            DispatchQueue.global().asyncAfter(deadline: grace) { [self] in expire(callID) }
        }
        return callID
    }

    /// Fails a call the server has not answered (its deadline is long past) and tells the
    /// server to stop it.
    func expire(_ callID: UInt64) {
        if fail(callID, RPCError(.deadlineExceeded, "deadline exceeded (no reply from the server)")) { sendCancel(callID) }
    }

    /// Resumes a pending call with `error`; false if it was already answered.
    @discardableResult
    private func fail(_ callID: UInt64, _ error: RPCError, notProcessed: Bool = false) -> Bool {
        let c = state.withLock { $0.pending.removeValue(forKey: callID) }
        c?(Outcome(result: .failure(error), notProcessed: notProcessed))
        return c != nil
    }

    private func sendCancel(_ callID: UInt64) {
        _ = output.withLock { Self.send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: callID).serializedBytes()), &$0) }
    }

    /// Writes all of `bytes`, or queues them while the connection is being made (`call`:
    /// the call the frame starts, if it does).
    private static func send(_ bytes: [UInt8], _ out: inout Output, call: UInt64 = 0) -> Bool {
        if out.closed { return false }
        if out.fd < 0 {
            out.queued.append((call, bytes))
            return true
        }
        return write(bytes, to: out.fd)
    }

    /// Writes all of `bytes` to a blocking socket; false when it could not.
    static func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { return false }
            }
            return true
        }
    }

    /// Fails every pending call and closes the socket (the connection's thread then exits).
    func shutdown(_ error: RPCError, notProcessed: Bool = false) {
        let pending = state.withLock { s -> [Waiter] in
            if s.failure == nil { s.failure = error }
            let p = Array(s.pending.values)
            s.pending.removeAll()
            return p
        }
        for c in pending { c(Outcome(result: .failure(error), notProcessed: notProcessed)) }
        output.withLock { out in
            out.closed = true
            out.queued.removeAll()
            if out.fd >= 0 { Glibc.shutdown(out.fd, Int32(SHUT_RDWR)) }
        }
    }

    /// The connection's thread: connect, send what was queued meanwhile, then read replies.
    private func run() {
        let fd: Int32
        do { fd = try Socket.connect(endpoint) } catch {
            // Nothing reached the server: every call made so far may be sent elsewhere.
            shutdown(RPCError(.unavailable, "cannot reach the server at \(endpoint): \(error.description)"), notProcessed: true)
            return
        }
        // The calls whose frames did not go out whole (none: all did).
        let unsent = output.withLock { out -> [UInt64]? in
            guard !out.closed else { return out.queued.map(\.call) }
            out.fd = fd
            for (i, frame) in out.queued.enumerated() where !Self.write(frame.bytes, to: fd) {
                return out.queued[i...].map(\.call)
            }
            out.queued.removeAll()
            return nil
        }
        if let unsent {
            Glibc.close(fd)
            // Only a call that never went out whole may be sent again; one written in full
            // may have been started, and is failed as such.
            for id in unsent where id != 0 { fail(id, Self.lost, notProcessed: true) }
            shutdown(Self.lost)
            return
        }
        readLoop(fd)
    }

    private func readLoop(_ fd: Int32) {
        // A reply over the limit fails its call alone: the decoder skips it unbuffered.
        var decoder = FrameDecoder(limits: WireLimits(maxMetaBytes: maxMetaBytes, maxBodyBytes: maxReplyBytes))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer { Glibc.close(fd) }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                shutdown(Self.lost)
                return
            }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            while let event = decoder.next() {
                switch event {
                case .frame(let frame):
                    if !handle(frame) { return }
                case .oversized(let kind, let meta, let length):
                    guard kind == .reply, let reply = try? ReplyMeta(serializedBytes: meta) else {
                        shutdown(RPCError(.internal, "the server sent an oversized frame"))
                        return
                    }
                    fail(reply.callId, Self.oversized(length, limit: maxReplyBytes))
                case .protocolError(let e):
                    shutdown(Self.brokeProtocol(e))
                    return
                case .callHead:
                    shutdown(RPCError(.internal, "the server sent a CALL"))
                    return
                }
            }
        }
    }

    /// A REPLY frame's call id and outcome (its body, or the error it carries); nil when its
    /// meta is not a `ReplyMeta`. An OK reply's meta, its call id alone, is read off the bytes.
    static func reply(_ frame: Frame) -> (callId: UInt64, outcome: Outcome)? {
        if let id = frame.okReplyCallId { return (id, Outcome(result: .success(frame.body))) }
        guard let meta = try? ReplyMeta(serializedBytes: frame.meta) else { return nil }
        return (meta.callId, meta.status == 0 ? Outcome(result: .success(frame.body))
                    : Outcome(result: .failure(RPCError(Status(code: meta.status), meta.message, violations: meta.violations))))
    }

    /// The connection broke, or a call's frame could not be written whole.
    static let lost = RPCError(.unavailable, "the connection to the server was lost")

    /// What a call the server's GOAWAY did not cover gets: its reason, and that the call was
    /// not processed (so it may be sent again).
    static func refused(by meta: GoAwayMeta) -> RPCError {
        RPCError(.unavailable, "\(meta.message.isEmpty ? "the server is going away" : meta.message); the call was not processed")
    }

    static func brokeProtocol(_ e: WireError) -> RPCError {
        RPCError(.internal, "the server broke the protocol: \(e.message)")
    }

    /// The error of a reply larger than this client takes (it is skipped, never held).
    static func oversized(_ length: Int, limit: Int) -> RPCError {
        RPCError(.resourceExhausted, "the reply of \(length) bytes exceeds this client's limit of \(limit); ask for less (a smaller page)")
    }

    /// Handles one frame from the server; false when the connection is finished.
    private func handle(_ frame: Frame) -> Bool {
        switch frame.kind {
        case .reply:
            guard let (callId, outcome) = Self.reply(frame) else {
                shutdown(RPCError(.internal, "the server sent a malformed reply"))
                return false
            }
            let c = state.withLock { $0.pending.removeValue(forKey: callId) }
            c?(outcome)
            return true
        case .ping:
            if let meta = try? PingMeta(serializedBytes: frame.meta) {
                _ = output.withLock { Self.send(FrameEncoder.encode(kind: .pong, meta: PingMeta(nonce: meta.nonce).serializedBytes()), &$0) }
            }
            return true
        case .pong, .call, .cancel:
            return true
        case .goAway:
            // Unreadable, it cannot say which calls were not started: none is sent again.
            guard let meta = try? GoAwayMeta(serializedBytes: frame.meta) else {
                shutdown(RPCError(.internal, "the server sent a malformed GOAWAY"))
                return false
            }
            let refused = state.withLock { s -> [Waiter] in
                s.goAwayLastCallID = meta.lastCallId
                let late = s.pending.keys.filter { $0 > meta.lastCallId }
                return late.compactMap { s.pending.removeValue(forKey: $0) }
            }
            for c in refused { c(Outcome(result: .failure(Self.refused(by: meta)), notProcessed: true)) }
            return true
        }
    }
}
