internal import CLianjieProto
internal import CProtobufC
import Glibc

/// Owns the C memory behind one protobuf-c struct tree while it is packed: the C arena
/// decoding uses too (`lj_pb_arena`), over 2 KiB blocks (most messages fit one, so packing
/// costs one malloc, not one per string), anything larger than a block allocated on its own.
///
/// Not thread-safe: created, used and dropped within one `serializedBytes()` call.
final class CArena {
    private var arena = lj_pb_arena_make(nil, 0, Int.max, 2048)

    init() {}

    deinit {
        lj_pb_arena_release(&arena)
    }

    private func allocate(_ size: Int) -> UnsafeMutableRawPointer {
        guard let p = lj_pb_arena_alloc(&arena, max(size, 1)) else { fatalError("out of memory") }
        return p
    }

    /// A NUL-terminated copy of `s`.
    func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        var s = s
        return s.withUTF8 { utf8 in
            let p = allocate(utf8.count + 1).assumingMemoryBound(to: CChar.self)
            if let base = utf8.baseAddress { memcpy(p, base, utf8.count) }
            p[utf8.count] = 0
            return p
        }
    }

    func bytes(_ b: [UInt8]) -> ProtobufCBinaryData {
        let p = allocate(b.count).assumingMemoryBound(to: UInt8.self)
        b.withUnsafeBufferPointer { if let base = $0.baseAddress { memcpy(p, base, b.count) } }
        return ProtobufCBinaryData(len: b.count, data: p)
    }

    func array<T>(_ xs: [T]) -> UnsafeMutablePointer<T> {
        let p = allocate(MemoryLayout<T>.stride * xs.count).bindMemory(to: T.self, capacity: xs.count)
        _ = UnsafeMutableBufferPointer(start: p, count: xs.count).initialize(from: xs)
        return p
    }

    func array<T, U>(_ xs: [T], _ convert: (T) -> U) -> UnsafeMutablePointer<U> {
        let p = allocate(MemoryLayout<U>.stride * xs.count).bindMemory(to: U.self, capacity: xs.count)
        for (i, x) in xs.enumerated() { (p + i).initialize(to: convert(x)) }
        return p
    }

    /// One zeroed C struct, filled by `fill`.
    func message<C>(_ fill: (inout C) -> Void) -> UnsafeMutablePointer<C> {
        let p = allocate(MemoryLayout<C>.stride).bindMemory(to: C.self, capacity: 1)
        memset(p, 0, MemoryLayout<C>.stride)
        fill(&p.pointee)
        return p
    }

    /// An array of pointers to C structs, each filled from one element of `xs`.
    func messages<T, C>(_ xs: [T], _ fill: (T, inout C) -> Void) -> UnsafeMutablePointer<UnsafeMutablePointer<C>?> {
        array(xs) { x -> UnsafeMutablePointer<C>? in message { fill(x, &$0) } }
    }
}

/// Reads values out of unpacked protobuf-c structs.
enum CRead {
    static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    static func bytes(_ b: ProtobufCBinaryData) -> [UInt8] {
        guard let data = b.data, b.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: b.len))
    }

    static func enumValue<E: RawRepresentable>(_ e: E) -> Int32 where E.RawValue: FixedWidthInteger {
        Int32(truncatingIfNeeded: e.rawValue)
    }

    static func array<T>(_ n: Int, _ p: UnsafeMutablePointer<T>?) -> [T] {
        guard let p, n > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    static func array<T, U>(_ n: Int, _ p: UnsafeMutablePointer<T>?, _ convert: (T) -> U) -> [U] {
        guard let p, n > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: n).map(convert)
    }

    static func messages<C, M>(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?,
                               _ convert: (UnsafePointer<C>) -> M) -> [M] {
        guard let p, n > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: n).compactMap { $0.map { convert($0) } }
    }
}

enum CWrite {
    /// A protobuf-c enum value from its number.
    static func cEnum<E: RawRepresentable>(_ value: Int32) -> E where E.RawValue: FixedWidthInteger {
        guard let e = E(rawValue: E.RawValue(truncatingIfNeeded: value)) else { fatalError("C enum rejected \(value)") }
        return e
    }
}

/// Packs and unpacks through protobuf-c's generic entry points.
enum CCodec {
    /// The protobuf encoding of a filled protobuf-c struct.
    static func pack<C>(_ c: inout C) -> [UInt8] {
        withUnsafeMutablePointer(to: &c) { p in
            let message = UnsafeMutableRawPointer(p).assumingMemoryBound(to: ProtobufCMessage.self)
            let size = protobuf_c_message_get_packed_size(message)
            return [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
                count = protobuf_c_message_pack(message, buffer.baseAddress!)
            }
        }
    }

    /// Unpacks `bytes`, hands the struct to `convert`, and frees it. The struct lives in an
    /// arena (`lj_pb_unpack_in_arena`): its first KiB on this stack, the rest in blocks
    /// freed together afterwards, instead of an allocation per string and nested message
    /// freed one by one. An input that needs more than `arenaBudget` of arena (repeats
    /// that protobuf-c merges, each merge leaving copies the arena cannot free) is unpacked
    /// again with protobuf-c's own allocator, which frees as it goes.
    static func unpack<C, M>(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ bytes: UnsafeRawBufferPointer,
                             name: String, _ convert: (UnsafePointer<C>) -> M) throws(ProtoError) -> M {
        var empty: UInt8 = 0
        let outcome = withUnsafeMutablePointer(to: &empty) { emptyPointer -> UnpackOutcome<M> in
            let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(emptyPointer)
            let inArena = withUnsafeTemporaryAllocation(byteCount: arenaStart, alignment: 16) { first -> UnpackOutcome<M> in
                var arena = lj_pb_arena_make(first.baseAddress, first.count, arenaBudget(bytes.count), 16 * 1024)
                defer { lj_pb_arena_release(&arena) }
                guard let message = lj_pb_unpack_in_arena(descriptor, bytes.count, base, &arena) else {
                    return arena.over_budget != 0 ? .overBudget : .invalid
                }
                return .converted(convert(UnsafeRawPointer(message).assumingMemoryBound(to: C.self)))
            }
            guard case .overBudget = inArena else { return inArena }
            guard let message = protobuf_c_message_unpack(descriptor, nil, bytes.count, base) else { return .invalid }
            defer { protobuf_c_message_free_unpacked(message, nil) }
            return .converted(convert(UnsafeRawPointer(message).assumingMemoryBound(to: C.self)))
        }
        guard case .converted(let value) = outcome else { throw ProtoError(field: "", reason: "is not a valid \(name) message") }
        return value
    }

    /// The bytes of an unpack arena taken on the stack: no more than the standard library
    /// always takes on the stack (a larger temporary allocation may come from the heap).
    static let arenaStart = 1024

    /// How much arena an input of `length` bytes may use: linear in the input, and about
    /// protobuf-c's own peak for the smallest fields (it keeps a 32-byte record of each
    /// field it scans, in slabs that double, and those come from the arena too), so a
    /// 4 MiB request body holds at most 128 MiB while it decodes, as protobuf-c's own
    /// allocations could. Messages that take more (many nested messages of a few bytes,
    /// each a whole struct) unpack again without the arena: only slower, never wrong.
    static func arenaBudget(_ length: Int) -> Int { 64 * 1024 + 32 * length }
}

/// How one unpack attempt ended.
private enum UnpackOutcome<M> {
    case converted(M)
    case invalid
    /// The arena's budget ran out: unpack again with protobuf-c's own allocator.
    case overBudget
}
