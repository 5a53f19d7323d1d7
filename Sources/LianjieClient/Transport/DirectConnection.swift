import Foundation
import LianjieMessages
import LianjieWire
import LianjieRPC

/// An LJRP connection that one thread at a time uses for one call at a time: the calling
/// thread writes the call and reads the reply itself, so nothing stands between the reply
/// arriving and the caller having it (no reader thread to wake, no hand-off). For callers
/// that block anyway, such as the gateway's HTTP threads (`BlockingCallPool` lends them out).
///
/// The socket reads with a timeout (the longest call plus a second's grace): a server
/// that never answers fails the call DEADLINE_EXCEEDED and the connection is not used again.
/// Not thread-safe: whoever holds it owns it.
final class DirectConnection {
    private let fd: Int32
    private var decoder: FrameDecoder
    private var nextCallID: UInt64 = 1
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    /// False once the connection must not carry another call: the server said GOAWAY,
    /// the connection broke, or a call was cut off midway.
    private(set) var reusable = true

    /// Connects (blocking). A failure is UNAVAILABLE: nothing reached the server.
    init(endpoint: Endpoint, limits: WireLimits, readTimeout: Duration) throws(RPCError) {
        do { fd = try Socket.connect(endpoint) } catch {
            throw RPCError(.unavailable, "cannot reach the server at \(endpoint): \(error.description)")
        }
        var t = timeval(tv_sec: Int(readTimeout.components.seconds),
                        tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        decoder = FrameDecoder(limits: limits)
    }

    deinit { close(fd) }

    /// Whether the connection can take a call after lying idle: whatever arrived meanwhile
    /// is dealt with first (a PING is answered; a GOAWAY — the server stopping, or closing
    /// an idle connection — or the server's close makes it unusable). One non-blocking
    /// peek when nothing did.
    func readyAfterIdle() -> Bool {
        // Frames that came in the same read as the last reply first, then whatever came since.
        handleIdleEvents()
        while reusable {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return true }
            guard n > 0 else { reusable = false; break }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            handleIdleEvents()
        }
        return false
    }

    /// Answers PINGs among the frames decoded so far; anything else (a GOAWAY, or what no
    /// idle connection should see) retires the connection.
    private func handleIdleEvents() {
        while reusable, let event = decoder.next() {
            if case .frame(let frame) = event, frame.kind == .ping || frame.kind == .pong { answer(frame); continue }
            reusable = false
        }
    }

    /// Sends one call and reads until its reply (answering pings on the way).
    func call(path: String, body: [UInt8], metadata: [(String, String)], timeoutMs: UInt32) -> ClientConnection.Outcome {
        guard reusable else { return ClientConnection.Outcome(result: .failure(ClientConnection.lost), notProcessed: true) }
        let id = nextCallID
        nextCallID += 1
        let frame = FrameEncoder.call(callId: id, method: path, timeoutMs: timeoutMs, metadata: metadata, body: body)
        // A frame that did not go out whole cannot have been started.
        guard send(frame) else {
            reusable = false
            return ClientConnection.Outcome(result: .failure(ClientConnection.lost), notProcessed: true)
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                reusable = false
                _ = send(FrameEncoder.encode(kind: .cancel, meta: CancelMeta(callId: id).serializedBytes()))
                return ClientConnection.Outcome(result: .failure(RPCError(.deadlineExceeded, "deadline exceeded (no reply from the server)")))
            }
            guard n > 0 else {
                reusable = false
                return ClientConnection.Outcome(result: .failure(ClientConnection.lost))
            }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            while let event = decoder.next() {
                switch event {
                case .frame(let frame):
                    switch frame.kind {
                    case .reply:
                        guard let (callId, outcome) = ClientConnection.reply(frame), callId == id else {
                            reusable = false
                            return ClientConnection.Outcome(result: .failure(RPCError(.internal, "the server sent a malformed or stray reply")))
                        }
                        return outcome
                    case .ping, .pong:
                        answer(frame)
                    case .goAway:
                        reusable = false
                        // Unreadable, it cannot say the call was not started: processed or not is unknown.
                        guard let meta = try? GoAwayMeta(serializedBytes: frame.meta) else {
                            return ClientConnection.Outcome(result: .failure(RPCError(.internal, "the server sent a malformed GOAWAY")))
                        }
                        if meta.lastCallId < id {
                            return ClientConnection.Outcome(result: .failure(ClientConnection.refused(by: meta)), notProcessed: true)
                        }
                    case .call, .cancel:
                        reusable = false
                        return ClientConnection.Outcome(result: .failure(RPCError(.internal, "the server sent a \(frame.kind)")))
                    }
                case .oversized(_, _, let length):
                    // The decoder would skip the body; the connection is simply not reused.
                    reusable = false
                    return ClientConnection.Outcome(result: .failure(ClientConnection.oversized(length, limit: decoder.limits.maxBodyBytes)))
                case .protocolError(let e):
                    reusable = false
                    return ClientConnection.Outcome(result: .failure(ClientConnection.brokeProtocol(e)))
                case .callHead:
                    reusable = false
                    return ClientConnection.Outcome(result: .failure(RPCError(.internal, "the server sent a CALL")))
                }
            }
        }
    }

    /// Answers a PING (a PONG needs nothing).
    private func answer(_ frame: Frame) {
        guard frame.kind == .ping, let meta = try? PingMeta(serializedBytes: frame.meta) else { return }
        if !send(FrameEncoder.encode(kind: .pong, meta: PingMeta(nonce: meta.nonce).serializedBytes())) { reusable = false }
    }

    private func send(_ bytes: [UInt8]) -> Bool { ClientConnection.write(bytes, to: fd) }
}
