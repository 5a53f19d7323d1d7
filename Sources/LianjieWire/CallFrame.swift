import Glibc

extension FrameEncoder {
    /// A CALL frame whose meta is the `lianjie.rpc.v1.CallMeta` of these fields, written
    /// straight in protobuf's binary encoding: byte for byte what the generated
    /// `CallMeta(callId:method:timeoutMs:metadata:).serializedBytes()` gives (fields in
    /// number order, defaults left out, each metadata entry a nested message, a string cut
    /// at a NUL as protobuf-c cuts it), in one buffer sized first, without a message built
    /// and packed per call. Every client's call goes out through here.
    public static func call(callId: UInt64, method: String, timeoutMs: UInt32, metadata: [(String, String)],
                            body: [UInt8]) -> [UInt8] {
        // Each string's packed length, found once: the method's, then each entry's key and value.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1 + 2 * metadata.count) { lengths in
            lengths[0] = packedLength(method)
            for (i, (key, value)) in metadata.enumerated() {
                lengths[1 + 2 * i] = packedLength(key)
                lengths[2 + 2 * i] = packedLength(value)
            }
            func entrySize(_ i: Int) -> Int { fieldSize(lengths[1 + 2 * i]) + fieldSize(lengths[2 + 2 * i]) }
            var metaLength = 0
            if callId != 0 { metaLength += 1 + varintSize(callId) }
            metaLength += fieldSize(lengths[0])
            if timeoutMs != 0 { metaLength += 1 + varintSize(UInt64(timeoutMs)) }
            for i in metadata.indices {
                let entry = entrySize(i)
                metaLength += 1 + varintSize(UInt64(entry)) + entry
            }
            let total = FrameHeader.size + metaLength + body.count
            return [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
                var w = Writer(base: buffer.baseAddress!)
                FrameHeader.write(kind: .call, metaLength: metaLength, bodyLength: body.count, at: w.base)
                w.offset = FrameHeader.size
                if callId != 0 {
                    w.byte(0x08)  // field 1, varint
                    w.varint(callId)
                }
                w.stringField(0x12, method, lengths[0])  // field 2, length-delimited
                if timeoutMs != 0 {
                    w.byte(0x18)  // field 3, varint
                    w.varint(UInt64(timeoutMs))
                }
                for (i, (key, value)) in metadata.enumerated() {
                    w.byte(0x22)  // field 4, length-delimited: a Metadata message
                    w.varint(UInt64(entrySize(i)))
                    w.stringField(0x0A, key, lengths[1 + 2 * i])  // Metadata.key = 1
                    w.stringField(0x12, value, lengths[2 + 2 * i])  // Metadata.value = 2
                }
                w.bytes(body)
                count = w.offset
                precondition(count == total, "CALL frame size miscounted")
            }
        }
    }

    /// Bytes of a proto3 string field of `n` bytes: nothing when empty, else tag, length
    /// and text.
    @inline(__always)
    private static func fieldSize(_ n: Int) -> Int {
        n == 0 ? 0 : 1 + varintSize(UInt64(n)) + n
    }

    /// The bytes of `s` protobuf-c packs: up to its first NUL (it packs C strings).
    @inline(__always)
    static func packedLength(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { text in cLength(text) }
    }

    /// The bytes before the first NUL (all of them without one), found by memchr.
    @inline(__always)
    static func cLength(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = text.baseAddress, let nul = memchr(base, 0, text.count) else { return text.count }
        return UnsafeRawPointer(nul) - UnsafeRawPointer(base)
    }

    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        // 1 byte per 7 bits of the value, at least one.
        (64 - (v | 1).leadingZeroBitCount + 6) / 7
    }

    /// Writes into a buffer sized beforehand.
    private struct Writer {
        let base: UnsafeMutablePointer<UInt8>
        var offset = 0

        init(base: UnsafeMutablePointer<UInt8>) { self.base = base }

        @inline(__always)
        mutating func byte(_ b: UInt8) {
            base[offset] = b
            offset += 1
        }

        @inline(__always)
        mutating func bytes(_ b: [UInt8]) {
            b.withUnsafeBufferPointer { src in
                guard let from = src.baseAddress else { return }
                (base + offset).update(from: from, count: src.count)
                offset += src.count
            }
        }

        @inline(__always)
        mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                byte(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            byte(UInt8(truncatingIfNeeded: v))
        }

        /// The first `n` bytes of `s` (its packed length) as a string field; nothing when none.
        @inline(__always)
        mutating func stringField(_ tag: UInt8, _ s: String, _ n: Int) {
            guard n > 0 else { return }
            var s = s
            s.withUTF8 { text in
                byte(tag)
                varint(UInt64(n))
                (base + offset).update(from: text.baseAddress!, count: n)
                offset += n
            }
        }
    }
}

extension Frame {
    /// The call id of a REPLY whose meta is that alone — `ReplyMeta { call_id }`, status 0 and
    /// every other field left out, as the server writes an OK reply — read off the bytes;
    /// nil for any other meta, which is then decoded as a `ReplyMeta`.
    public var okReplyCallId: UInt64? {
        guard kind == .reply, meta.count >= 2, meta.count <= 11, meta[0] == 0x08 else { return nil }  // field 1, varint
        var id: UInt64 = 0
        var shift: UInt64 = 0
        for i in 1..<meta.count {
            let b = meta[i]
            id |= UInt64(b & 0x7F) << shift  // bits past the 64th dropped, as protobuf-c drops them
            if b < 0x80 { return i == meta.count - 1 ? id : nil }
            shift += 7
        }
        return nil
    }
}
