import Foundation
import LianjieMessages
import LianjieWire
import Synchronization

/// One client TCP connection: a reader thread delivers replies; writers share the socket
/// under `writeLock`.
///
/// Lock order: a writer takes `writeLock`, then briefly `state` (to number and register
/// the call, so call ids go out strictly increasing); the reader thread takes only
/// `state`. So a blocked write never stops replies being delivered, and nothing deadlocks.
final class ClientConnection: Sendable {
    /// A call's outcome; `notProcessed` means the server never started it (GOAWAY or a
    /// connection that was already gone), so the caller may safely send it again.
    struct Outcome: Sendable {
        var result: Result<[UInt8], RPCError>
        var notProcessed = false
    }

    private struct State {
        var nextCallID: UInt64 = 1
        var pending: [UInt64: CheckedContinuation<Outcome, Never>] = [:]
        /// Set by GOAWAY: calls above it were not processed.
        var goAwayLastCallID: UInt64?
        var failure: RPCError?
    }

    /// The id a call got, known once it is sent; lets a cancel that races the send find it.
    private final class Handle: Sendable {
        let value = Mutex<(id: UInt64?, cancelled: Bool)>((nil, false))
    }

    private let fd: Int32
    private let limits: WireLimits
    private let state = Mutex(State())
    private let writeLock = Mutex(())

    init(endpoint: Endpoint, limits: WireLimits) throws(SocketError) {
        fd = try Socket.connect(endpoint)
        self.limits = limits
        let t = Thread { [self] in self.readLoop() }
        t.name = "lianjie-client-reader"
        t.stackSize = 256 * 1024
        t.start()
    }

    /// Usable for new calls: not failed and not told to go away.
    var isUsable: Bool {
        state.withLock { $0.failure == nil && $0.goAwayLastCallID == nil }
    }

    func call(path: String, body: [UInt8], metadata: [Metadata], timeoutMs: UInt32) async -> Outcome {
        let handle = Handle()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                var refused: RPCError?
                var sent = true
                var assigned: UInt64 = 0
                writeLock.withLock { _ in
                    let id = state.withLock { s -> UInt64? in
                        if let f = s.failure { refused = f; return nil }
                        if s.goAwayLastCallID != nil { refused = RPCError(.unavailable, "the server is going away"); return nil }
                        let id = s.nextCallID
                        s.nextCallID += 1
                        s.pending[id] = continuation
                        return id
                    }
                    guard let id else { return }
                    assigned = id
                    let meta = CallMeta(callId: id, method: path, timeoutMs: timeoutMs, metadata: metadata)
                    var frame: [UInt8] = []
                    FrameEncoder.append(kind: .call, meta: meta.serializedBytes(), body: body, to: &frame)
                    sent = sendLocked(frame)
                }
                if let refused {
                    continuation.resume(returning: Outcome(result: .failure(refused), notProcessed: true))
                    return
                }
                if !sent {
                    fail(assigned, RPCError(.unavailable, "the connection to the server was lost"), notProcessed: true)
                    return
                }
                let cancelledEarly = handle.value.withLock { h -> Bool in
                    h.id = assigned
                    return h.cancelled
                }
                if cancelledEarly, fail(assigned, RPCError(.cancelled, "call cancelled")) { sendCancel(assigned) }
                let callID = assigned
                if timeoutMs > 0 {
                    // The server answers DEADLINE_EXCEEDED itself; this covers a server that cannot.
                    let grace = DispatchTime.now() + .milliseconds(Int(timeoutMs) + 1000)
                    DispatchQueue.global().asyncAfter(deadline: grace) { [self] in
                        if fail(callID, RPCError(.deadlineExceeded, "deadline exceeded (no reply from the server)")) {
                            sendCancel(callID)
                        }
                    }
                }
            }
        } onCancel: {
            let id = handle.value.withLock { h -> UInt64? in
                h.cancelled = true
                return h.id
            }
            if let id, fail(id, RPCError(.cancelled, "call cancelled")) { sendCancel(id) }
        }
    }

    /// Resumes a pending call with `error`; false if it was already answered.
    @discardableResult
    private func fail(_ callID: UInt64, _ error: RPCError, notProcessed: Bool = false) -> Bool {
        let c = state.withLock { $0.pending.removeValue(forKey: callID) }
        c?.resume(returning: Outcome(result: .failure(error), notProcessed: notProcessed))
        return c != nil
    }

    private func sendCancel(_ callID: UInt64) {
        _ = send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: callID).serializedBytes()))
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        writeLock.withLock { _ in sendLocked(bytes) }
    }

    /// Writes all of `bytes`; the caller holds `writeLock`.
    private func sendLocked(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { return false }
            }
            return true
        }
    }

    /// Fails every pending call and closes the socket (the reader thread then exits).
    func shutdown(_ error: RPCError) {
        let pending = state.withLock { s -> [CheckedContinuation<Outcome, Never>] in
            if s.failure == nil { s.failure = error }
            let p = Array(s.pending.values)
            s.pending.removeAll()
            return p
        }
        for c in pending { c.resume(returning: Outcome(result: .failure(error))) }
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private func readLoop() {
        var decoder = FrameDecoder(limits: WireLimits(maxMetaBytes: limits.maxMetaBytes, maxBodyBytes: Int(Int32.max)))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        defer { Glibc.close(fd) }
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                shutdown(RPCError(.unavailable, "the connection to the server was lost"))
                return
            }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            while let event = decoder.next() {
                switch event {
                case .frame(let frame):
                    if !handle(frame) { return }
                case .oversized:
                    shutdown(RPCError(.internal, "the server sent an oversized frame"))
                    return
                case .protocolError(let e):
                    shutdown(RPCError(.internal, "the server broke the protocol: \(e.message)"))
                    return
                }
            }
        }
    }

    /// Handles one frame from the server; false when the connection is finished.
    private func handle(_ frame: Frame) -> Bool {
        switch frame.kind {
        case .reply:
            guard let meta = try? ReplyMeta(serializedBytes: frame.meta) else {
                shutdown(RPCError(.internal, "the server sent a malformed reply"))
                return false
            }
            let c = state.withLock { $0.pending.removeValue(forKey: meta.callId) }
            if meta.status == 0 {
                c?.resume(returning: Outcome(result: .success(frame.body)))
            } else {
                c?.resume(returning: Outcome(result: .failure(RPCError(Status(code: meta.status), meta.message, violations: meta.violations))))
            }
            return true
        case .ping:
            if let meta = try? PingMeta(serializedBytes: frame.meta) {
                _ = send(FrameEncoder.encode(kind: .pong, meta: PingMeta(nonce: meta.nonce).serializedBytes()))
            }
            return true
        case .pong, .call, .cancel:
            return true
        case .goAway:
            let meta = (try? GoAwayMeta(serializedBytes: frame.meta)) ?? GoAwayMeta()
            let refused = state.withLock { s -> [CheckedContinuation<Outcome, Never>] in
                s.goAwayLastCallID = meta.lastCallId
                let late = s.pending.keys.filter { $0 > meta.lastCallId }
                return late.compactMap { s.pending.removeValue(forKey: $0) }
            }
            let why = meta.message.isEmpty ? "the server is going away" : meta.message
            for c in refused {
                c.resume(returning: Outcome(result: .failure(RPCError(.unavailable, "\(why); the call was not processed")), notProcessed: true))
            }
            return true
        }
    }
}
