/// A minimal protobuf wire-format reader, enough to decode a `FileDescriptorSet`.
///
/// The generator cannot use protobuf-c for this (descriptor.proto is not shipped as C),
/// and it must not depend on the code it generates.
struct WireReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed32(UInt32)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// The next field number and value, or nil at the end.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard index < bytes.endIndex else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try fixed(8)))
        case 2:
            let length = Int(try varint())
            guard length >= 0, bytes.endIndex - index >= length else {
                throw Malformed(description: "length-delimited field \(field) runs past the end")
            }
            defer { index += length }
            return (field, .bytes(bytes[index..<index + length]))
        case 5: return (field, .fixed32(UInt32(try fixed(4))))
        default: throw Malformed(description: "unsupported wire type \(key & 7) for field \(field)")
        }
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw Malformed(description: "truncated varint")
    }

    private mutating func fixed(_ size: Int) throws -> UInt64 {
        guard bytes.endIndex - index >= size else { throw Malformed(description: "truncated fixed field") }
        var result: UInt64 = 0
        for i in 0..<size { result |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += size
        return result
    }
}

extension WireReader.Value {
    var string: String {
        if case .bytes(let b) = self { return String(decoding: b, as: UTF8.self) }
        return ""
    }

    var int: Int {
        if case .varint(let v) = self { return Int(truncatingIfNeeded: v) }
        return 0
    }

    var bool: Bool { int != 0 }

    var slice: ArraySlice<UInt8> {
        if case .bytes(let b) = self { return b }
        return []
    }

    /// A repeated int32, packed or not.
    var ints: [Int] {
        switch self {
        case .varint(let v): return [Int(truncatingIfNeeded: v)]
        case .bytes(let b):
            var out: [Int] = []
            var acc: UInt64 = 0
            var shift: UInt64 = 0
            for byte in b {
                acc |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 {
                    out.append(Int(Int32(truncatingIfNeeded: acc)))
                    acc = 0
                    shift = 0
                } else {
                    shift += 7
                }
            }
            return out
        default: return []
        }
    }
}
