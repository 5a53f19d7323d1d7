/// The kinds of LJRP/1 frame (header byte 5).
public enum FrameKind: UInt8, Sendable, CaseIterable {
    case call = 1
    case reply = 2
    case cancel = 3
    case ping = 4
    case pong = 5
    case goAway = 6

    /// Only CALL and REPLY frames carry a body.
    public var carriesBody: Bool { self == .call || self == .reply }
}

/// One decoded frame: its kind, its meta message and its body, both still encoded.
public struct Frame: Sendable, Equatable {
    public var kind: FrameKind
    public var meta: [UInt8]
    public var body: [UInt8]

    public init(kind: FrameKind, meta: [UInt8], body: [UInt8] = []) {
        self.kind = kind
        self.meta = meta
        self.body = body
    }
}

/// The fixed 16-byte frame header.
public enum FrameHeader {
    public static let size = 16
    /// ASCII `LJRP`.
    public static let magic: [UInt8] = [0x4C, 0x4A, 0x52, 0x50]
    public static let version: UInt8 = 1

    /// Writes a frame's 16-byte header at `out`: magic, version, kind, two reserved zero
    /// bytes, then the meta's and the body's lengths, big-endian. The one place a header is
    /// written.
    @inline(__always)
    static func write(kind: FrameKind, metaLength: Int, bodyLength: Int, at out: UnsafeMutablePointer<UInt8>) {
        // `magic`, as constants: no array to load on a hot path.
        out[0] = 0x4C
        out[1] = 0x4A
        out[2] = 0x52
        out[3] = 0x50
        out[4] = version
        out[5] = kind.rawValue
        out[6] = 0
        out[7] = 0
        bigEndian(UInt32(metaLength), at: out + 8)
        bigEndian(UInt32(bodyLength), at: out + 12)
    }

    @inline(__always)
    private static func bigEndian(_ v: UInt32, at out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(truncatingIfNeeded: v >> 24)
        out[1] = UInt8(truncatingIfNeeded: v >> 16)
        out[2] = UInt8(truncatingIfNeeded: v >> 8)
        out[3] = UInt8(truncatingIfNeeded: v)
    }
}

/// Sizes a peer may send; frames beyond them are refused before anything is buffered.
public struct WireLimits: Sendable, Equatable {
    /// Largest meta message; larger is a protocol error (WIRE.md: 64 KiB).
    public var maxMetaBytes: Int
    /// Largest body; a larger CALL is answered RESOURCE_EXHAUSTED and its body discarded.
    public var maxBodyBytes: Int

    public init(maxMetaBytes: Int = 64 * 1024, maxBodyBytes: Int = 4 * 1024 * 1024) {
        self.maxMetaBytes = maxMetaBytes
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A violation of the framing rules; the connection cannot continue after one.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case badMagic, badVersion, badKind, badFlags, metaTooLarge, unexpectedBody
    }

    public var code: Code
    /// Safe to send to the peer in a GOAWAY.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Appends LJRP/1 frames to a byte buffer.
public enum FrameEncoder {
    /// Appends one frame: header, meta, then body (which must be empty unless the kind carries one).
    public static func append(kind: FrameKind, meta: [UInt8], body: [UInt8] = [], to out: inout [UInt8]) {
        precondition(body.isEmpty || kind.carriesBody, "only CALL and REPLY frames carry a body")
        out.reserveCapacity(out.count + FrameHeader.size + meta.count + body.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FrameHeader.size) { header in
            FrameHeader.write(kind: kind, metaLength: meta.count, bodyLength: body.count, at: header.baseAddress!)
            out.append(contentsOf: header)
        }
        out.append(contentsOf: meta)
        out.append(contentsOf: body)
    }

    /// One frame as its own buffer.
    public static func encode(kind: FrameKind, meta: [UInt8], body: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        append(kind: kind, meta: meta, body: body, to: &out)
        return out
    }
}
