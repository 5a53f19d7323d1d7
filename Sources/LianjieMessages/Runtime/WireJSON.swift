/// Reads the protobuf binary encoding forward, for the generated `writeJSON(wire:into:)`
/// methods, which write a message's JSON straight off its bytes when the fields come in
/// the order protobuf-c writes them (by field number, each once, nothing unknown). Those
/// methods answer false for anything else, and the message is then unpacked instead: the
/// scan never has to know what protobuf-c does with fields sent twice, out of order or
/// cut short, only to recognise the plain case.
///
/// Every read checks the bounds; a malformed key makes `tag()` answer `WireScan.broken`,
/// which no field's key equals.
struct WireScan {
    private var position: UnsafePointer<UInt8>?
    private let end: UnsafePointer<UInt8>?

    /// No field has this key: what `tag()` answers for bytes that are not a key.
    static let broken: UInt64 = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        let start = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        position = start
        end = start.map { $0 + bytes.count }
    }

    var atEnd: Bool { position == end }

    /// The next field's key (`number << 3 | wire type`), `WireScan.end` when the bytes are
    /// all read, `broken` when what follows is not a key.
    @inline(__always)
    mutating func tag() -> UInt64 {
        if position == end { return Self.end }
        guard let key = varint(maxBytes: 5), key >= 8 else { return Self.broken }
        return key
    }

    /// What `tag()` answers once every byte is read: a key no field has either (field 0).
    static let end: UInt64 = 1

    /// A varint of up to ten bytes, as protobuf-c reads a value (bits past the 64th
    /// dropped); a key or a length it reads in five at most (`maxBytes`).
    @inline(__always)
    mutating func varint(maxBytes: Int = 10) -> UInt64? {
        guard var p = position, let end else { return nil }
        guard p < end else { return nil }
        let first = p.pointee
        if first < 0x80 {
            position = p + 1
            return UInt64(first)
        }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let limit = UInt64(7 * maxBytes)
        while p < end, shift < limit {
            let b = p.pointee
            p += 1
            value |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 {
                position = p
                return value
            }
            shift += 7
        }
        return nil
    }

    mutating func fixed32() -> UInt32? {
        guard let p = position, let end, end - p >= 4 else { return nil }
        position = p + 4
        return UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }

    mutating func fixed64() -> UInt64? {
        guard let low = fixed32(), let high = fixed32() else { return nil }
        return UInt64(low) | UInt64(high) << 32
    }

    /// A length-delimited field's bytes (a string, bytes, a message, a packed run): its
    /// length in five bytes at most and under 2 GiB, as protobuf-c takes one.
    @inline(__always)
    mutating func lengthDelimited() -> UnsafeRawBufferPointer? {
        guard let length = varint(maxBytes: 5), length <= UInt64(Int32.max), let p = position, let end, UInt64(end - p) >= length else { return nil }
        position = p + Int(length)
        return UnsafeRawBufferPointer(start: p, count: Int(length))
    }

    /// A bool as the plain case writes it: one byte, 0 or 1 (anything else is left to
    /// protobuf-c, which reads any non-zero bit as true).
    mutating func bool() -> Bool? {
        guard let p = position, let end, p < end, p.pointee <= 1 else { return nil }
        position = p + 1
        return p.pointee == 1
    }
}

extension JSONOut {
    /// A string field's bytes as the member `member` (see `key`): nothing when empty; false
    /// when the bytes hold a NUL or are not UTF-8 (protobuf-c's struct would cut or the Swift
    /// value repair them: the message is unpacked instead).
    @inline(__always)
    static func wireString(_ member: StaticString, _ bytes: UnsafeRawBufferPointer, _ more: inout Bool, _ out: inout JSONBuffer) -> Bool {
        if bytes.isEmpty { return true }
        guard isPlainUTF8(bytes) else { return false }
        key(member, &more, &out)
        JSONValue.quote(utf8: bytes.assumingMemoryBound(to: UInt8.self), into: &out)
        return true
    }

    /// One string of a repeated field, or a oneof's: written even when empty.
    static func wireString(_ bytes: UnsafeRawBufferPointer, _ out: inout JSONBuffer) -> Bool {
        guard isPlainUTF8(bytes) else { return false }
        JSONValue.quote(utf8: bytes.assumingMemoryBound(to: UInt8.self), into: &out)
        return true
    }

    /// Bytes as proto3 JSON writes them: base64 in quotes.
    static func wireBytes(_ bytes: UnsafeRawBufferPointer, _ out: inout JSONBuffer) {
        base64(Array(bytes), &out)
    }

    /// Opens the next element of a repeated field's array: the member and `[` before the
    /// first (`first` then turns false), a comma before any other.
    @inline(__always)
    static func element(_ member: StaticString, _ first: inout Bool, _ more: inout Bool, _ out: inout JSONBuffer) {
        if first {
            key(member, &more, &out)
            out.append(0x5B)
            first = false
        } else {
            out.append(0x2C)
        }
    }

    /// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
    /// nothing past U+10FFFF) without a NUL.
    static func isPlainUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            if b < 0x80 {
                if b == 0 { return false }
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the second byte's range
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard n - i >= length, bytes[i + 1] >= low, bytes[i + 1] <= high else { return false }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }
}

extension WireScan {
    /// A sint32 as protobuf-c reads it: the varint's low 32 bits, zigzag-decoded.
    static func zigzag32(_ v: UInt64) -> Int32 {
        let u = UInt32(truncatingIfNeeded: v)
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    static func zigzag64(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }
}
