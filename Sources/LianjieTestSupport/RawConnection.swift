import Foundation
import LianjieRPC
public import LianjieMessages
public import LianjieWire

/// A blocking LJRP/1 connection that sends exactly the bytes a test asks for and reads
/// frames back: for testing the server's handling of pipelining, bad frames and limits.
/// Not thread-safe; one test uses one connection.
public final class RawConnection {
    public let fd: Int32
    private var closed = false
    private var decoder = FrameDecoder(limits: WireLimits(maxMetaBytes: 1 << 20, maxBodyBytes: 1 << 30))
    private var nextCallID: UInt64 = 1

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects to `127.0.0.1:port`; reads time out after `timeout` seconds.
    public convenience init(port: Int, host: String = "127.0.0.1", timeout: Double = 10) throws {
        try self.init(endpoint: Endpoint(host: host, port: port), timeout: timeout)
    }

    /// Connects to `endpoint` (TCP or a Unix-domain socket); reads time out after `timeout` seconds.
    public init(endpoint: Endpoint, timeout: Double = 10) throws {
        do { fd = try Socket.connect(endpoint) } catch {
            throw Failure(description: error.description)
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// Closes the socket at once (the server sees the peer go).
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// The bytes of one CALL frame (call ids increase from 1 unless given).
    public func callFrame<M: ProtoMessage>(_ method: String, _ request: M, callID: UInt64? = nil, timeoutMs: UInt32 = 0,
                                           token: String? = nil, metadata extra: [(String, String)] = []) -> (UInt64, [UInt8]) {
        let id = callID ?? nextCallID
        nextCallID = max(nextCallID, id + 1)
        var metadata: [Metadata] = []
        if let token { metadata.append(Metadata(key: "authorization", value: "Bearer \(token)")) }
        metadata += extra.map { Metadata(key: $0.0, value: $0.1) }
        let meta = CallMeta(callId: id, method: method, timeoutMs: timeoutMs, metadata: metadata)
        return (id, FrameEncoder.encode(kind: .call, meta: meta.serializedBytes(), body: request.serializedBytes()))
    }

    /// Makes the next generated call id larger than `id` (after hand-built frames).
    public func skipCallIDs(through id: UInt64) {
        nextCallID = max(nextCallID, id + 1)
    }

    /// Sends one call and returns its id.
    @discardableResult
    public func sendCall<M: ProtoMessage>(_ method: String, _ request: M, timeoutMs: UInt32 = 0, token: String? = nil) throws -> UInt64 {
        let (id, bytes) = callFrame(method, request, timeoutMs: timeoutMs, token: token)
        try send(bytes)
        return id
    }

    /// The next frame, or nil when the server closed the connection.
    /// - Throws: on a read timeout or a frame the decoder rejects.
    public func readFrame() throws -> Frame? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let event = decoder.next() {
                switch event {
                case .frame(let f): return f
                case .oversized, .protocolError, .callHead: throw Failure(description: "the server sent a bad frame: \(event)")
                }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return nil }
            if n < 0 {
                if errno == ECONNRESET { return nil }
                throw Failure(description: "read failed: \(String(cString: strerror(errno)))")
            }
            decoder.feed(Array(buffer[0..<n]))
        }
    }

    /// The next REPLY, decoded; fails on any other frame kind.
    public func readReply() throws -> (ReplyMeta, [UInt8]) {
        guard let f = try readFrame() else { throw Failure(description: "connection closed before a reply") }
        guard f.kind == .reply else { throw Failure(description: "expected REPLY, got \(f.kind)") }
        return (try ReplyMeta(serializedBytes: f.meta), f.body)
    }

    /// Reads until the server closes; returns every frame seen.
    public func readUntilClosed() throws -> [Frame] {
        var frames: [Frame] = []
        while let f = try readFrame() { frames.append(f) }
        return frames
    }
}
