import Foundation
import LianjieMessages
import LianjieWire
import Synchronization

/// One client TCP connection: a reader thread delivers replies; writers share the socket
/// under `writeLock`. State shared between them is in `state` (a mutex), and no thread
/// holds both locks at once, so a blocked write never stops replies being delivered.
final class ClientConnection: Sendable {
    typealias Reply = Result<[UInt8], RPCError>

    private struct State {
        var nextCallID: UInt64 = 1
        var pending: [UInt64: CheckedContinuation<Reply, Never>] = [:]
        /// Set by GOAWAY: calls above it were not processed.
        var goAwayLastCallID: UInt64?
        var failure: RPCError?
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

    func call(path: String, body: [UInt8], metadata: [Metadata], timeoutMs: UInt32) async -> Reply {
        let callID = state.withLock { s -> UInt64 in
            defer { s.nextCallID += 1 }
            return s.nextCallID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reply, Never>) in
                let failure = state.withLock { s -> RPCError? in
                    if let f = s.failure { return f }
                    s.pending[callID] = continuation
                    return nil
                }
                if let failure {
                    continuation.resume(returning: .failure(failure))
                    return
                }
                let meta = CallMeta(callId: callID, method: path, timeoutMs: timeoutMs, metadata: metadata)
                var frame: [UInt8] = []
                FrameEncoder.append(kind: .call, meta: meta.serializedBytes(), body: body, to: &frame)
                if !send(frame) {
                    fail(callID, RPCError(.unavailable, "the connection to the server was lost"))
                }
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
            if fail(callID, RPCError(.cancelled, "call cancelled")) { sendCancel(callID) }
        }
    }

    /// Resumes a pending call with `error`; false if it was already answered.
    @discardableResult
    private func fail(_ callID: UInt64, _ error: RPCError) -> Bool {
        let c = state.withLock { $0.pending.removeValue(forKey: callID) }
        c?.resume(returning: .failure(error))
        return c != nil
    }

    private func sendCancel(_ callID: UInt64) {
        _ = send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: callID).serializedBytes()))
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        writeLock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if n > 0 { offset += n } else if n < 0, errno == EINTR { continue } else { return false }
                }
                return true
            }
        }
    }

    /// Fails every pending call and closes the socket (the reader thread then exits).
    func shutdown(_ error: RPCError) {
        let pending = state.withLock { s -> [CheckedContinuation<Reply, Never>] in
            if s.failure == nil { s.failure = error }
            let p = Array(s.pending.values)
            s.pending.removeAll()
            return p
        }
        for c in pending { c.resume(returning: .failure(error)) }
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
                c?.resume(returning: .success(frame.body))
            } else {
                c?.resume(returning: .failure(RPCError(Status(code: meta.status), meta.message, violations: meta.violations)))
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
            let refused = state.withLock { s -> [CheckedContinuation<Reply, Never>] in
                s.goAwayLastCallID = meta.lastCallId
                let late = s.pending.keys.filter { $0 > meta.lastCallId }
                return late.compactMap { s.pending.removeValue(forKey: $0) }
            }
            let why = meta.message.isEmpty ? "the server is going away" : meta.message
            for c in refused { c.resume(returning: .failure(RPCError(.unavailable, "\(why); the call was not processed"))) }
            return true
        }
    }
}
