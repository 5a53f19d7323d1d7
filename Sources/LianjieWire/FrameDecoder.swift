/// An incremental LJRP/1 frame decoder: feed it bytes as they arrive, in chunks of any
/// size (one byte at a time works), and take events out with `next()`.
///
/// Limits are checked from the header, before any meta or body is buffered. A body over
/// `maxBodyBytes` is skipped as it arrives and reported once as `.oversized`, so the
/// connection stays usable. After a `.protocolError` the decoder yields nothing more.
/// A value type with no I/O; not shared between threads.
public struct FrameDecoder {
    public enum Event: Sendable, Equatable {
        /// A complete frame.
        case frame(Frame)
        /// A frame whose body exceeded the limit; the body is being discarded.
        case oversized(kind: FrameKind, meta: [UInt8], bodyLength: Int)
        /// (Only with `announcesCallHeads`.) A CALL's meta has arrived and its body (within
        /// the limit) is next: call `admitBody()` to receive it in a `.frame`, or
        /// `discardBody()` to skip it unbuffered. Nothing more is decoded until one is called.
        case callHead(meta: [UInt8], bodyLength: Int)
        /// The stream broke the framing rules; nothing after this is decoded.
        case protocolError(WireError)
    }

    private enum State {
        case header
        case meta(kind: FrameKind, metaLength: Int, bodyLength: Int)
        case body(kind: FrameKind, meta: [UInt8], bodyLength: Int)
        case skip(remaining: Int)
        case verdict(meta: [UInt8], bodyLength: Int)
        case failed
    }

    public let limits: WireLimits
    /// Whether a CALL's meta is announced (`.callHead`) before its body is buffered.
    public let announcesCallHeads: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var state = State.header

    public init(limits: WireLimits = WireLimits(), announcesCallHeads: Bool = false) {
        self.limits = limits
        self.announcesCallHeads = announcesCallHeads
    }

    /// Receives the announced CALL's body; only right after `.callHead`.
    public mutating func admitBody() {
        guard case .verdict(let meta, let bodyLength) = state else { preconditionFailure("no call head to admit") }
        state = .body(kind: .call, meta: meta, bodyLength: bodyLength)
    }

    /// Skips the announced CALL's body without buffering it; only right after `.callHead`.
    public mutating func discardBody() {
        guard case .verdict(_, let bodyLength) = state else { preconditionFailure("no call head to discard") }
        state = bodyLength == 0 ? .header : .skip(remaining: bodyLength)
    }

    /// Bytes received but not yet returned in an event.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Whether a frame has begun but not ended: a close now would cut it.
    public var isMidFrame: Bool {
        if case .header = state { return bufferedByteCount > 0 }
        if case .failed = state { return false }
        if case .verdict(_, let bodyLength) = state { return bodyLength > 0 }
        return true
    }

    /// Adds received bytes.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if case .failed = state { return }
        var bytes = bytes
        if case .skip(let remaining) = state, bufferedByteCount == 0 {
            let n = min(remaining, bytes.count)
            bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
            state = remaining == n ? .header : .skip(remaining: remaining - n)
        }
        if start > 0, start == buffer.count {
            releaseIfDrained()
        } else if start > 65536, start > buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Empties the buffer once everything in it was handed out; a large one (a big body
    /// went through) is given back rather than kept for an idle connection.
    private mutating func releaseIfDrained() {
        guard start == buffer.count else { return }
        buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
        start = 0
    }

    /// Adds received bytes.
    public mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next event, or nil until more bytes are fed.
    public mutating func next() -> Event? {
        while true {
            switch state {
            case .failed, .verdict:
                return nil
            case .header:
                guard bufferedByteCount >= FrameHeader.size else { return nil }
                switch parseHeader() {
                case .failure(let error):
                    state = .failed
                    buffer = []
                    start = 0
                    return .protocolError(error)
                case .success(let (kind, metaLength, bodyLength)):
                    start += FrameHeader.size
                    state = .meta(kind: kind, metaLength: metaLength, bodyLength: bodyLength)
                }
            case .meta(let kind, let metaLength, let bodyLength):
                guard bufferedByteCount >= metaLength else { return nil }
                let meta = Array(buffer[start..<start + metaLength])
                start += metaLength
                if bodyLength > limits.maxBodyBytes {
                    let n = min(bodyLength, bufferedByteCount)
                    start += n
                    state = n == bodyLength ? .header : .skip(remaining: bodyLength - n)
                    return .oversized(kind: kind, meta: meta, bodyLength: bodyLength)
                }
                if announcesCallHeads, kind == .call {
                    state = .verdict(meta: meta, bodyLength: bodyLength)
                    return .callHead(meta: meta, bodyLength: bodyLength)
                }
                state = .body(kind: kind, meta: meta, bodyLength: bodyLength)
            case .body(let kind, let meta, let bodyLength):
                guard bufferedByteCount >= bodyLength else { return nil }
                let body = bodyLength == 0 ? [] : Array(buffer[start..<start + bodyLength])
                start += bodyLength
                state = .header
                releaseIfDrained()
                return .frame(Frame(kind: kind, meta: meta, body: body))
            case .skip(let remaining):
                let n = min(remaining, bufferedByteCount)
                start += n
                guard n == remaining else {
                    state = .skip(remaining: remaining - n)
                    return nil
                }
                state = .header
            }
        }
    }

    private func parseHeader() -> Result<(FrameKind, Int, Int), WireError> {
        let b = start
        guard buffer[b] == 0x4C, buffer[b + 1] == 0x4A, buffer[b + 2] == 0x52, buffer[b + 3] == 0x50 else {
            return .failure(WireError(.badMagic, "bad frame magic: expected LJRP"))
        }
        guard buffer[b + 4] == FrameHeader.version else {
            return .failure(WireError(.badVersion, "unsupported protocol version \(buffer[b + 4]); this server speaks 1"))
        }
        guard let kind = FrameKind(rawValue: buffer[b + 5]) else {
            return .failure(WireError(.badKind, "unknown frame kind \(buffer[b + 5])"))
        }
        guard buffer[b + 6] == 0, buffer[b + 7] == 0 else {
            return .failure(WireError(.badFlags, "frame flags must be 0"))
        }
        let metaLength = Int(readBigEndian(b + 8))
        let bodyLength = Int(readBigEndian(b + 12))
        guard metaLength <= limits.maxMetaBytes else {
            return .failure(WireError(.metaTooLarge, "frame meta of \(metaLength) bytes exceeds the limit of \(limits.maxMetaBytes)"))
        }
        guard bodyLength == 0 || kind.carriesBody else {
            return .failure(WireError(.unexpectedBody, "a \(kind) frame must have an empty body"))
        }
        return .success((kind, metaLength, bodyLength))
    }

    private func readBigEndian(_ i: Int) -> UInt32 {
        UInt32(buffer[i]) << 24 | UInt32(buffer[i + 1]) << 16 | UInt32(buffer[i + 2]) << 8 | UInt32(buffer[i + 3])
    }
}
