import CLianjieProto
import CProtobufC

/// Every method of every service the contract defines, with its request type's descriptor:
/// read from protoc-c's service descriptors, so a service added later is covered at once.
public struct ContractMethod: @unchecked Sendable {
    // @unchecked: `request` and `response` point at protoc-c's static, immutable descriptor data.
    /// `/lianjie.v1.UserService/Login`
    public let path: String
    let request: UnsafePointer<ProtobufCMessageDescriptor>
    let response: UnsafePointer<ProtobufCMessageDescriptor>

    /// Every method, in the services' order.
    public static let all: [ContractMethod] = {
        var count = 0
        guard let services = lj_all_services(&count) else { return [] }
        var out: [ContractMethod] = []
        for s in 0..<count {
            guard let service = services[s] else { continue }
            let name = String(cString: service.pointee.name)
            for m in 0..<Int(service.pointee.n_methods) {
                let method = service.pointee.methods[m]
                out.append(ContractMethod(path: "/\(name)/\(String(cString: method.name))", request: method.input, response: method.output))
            }
        }
        return out
    }()
}

/// Random but well-formed protobuf encodings of any message the contract defines: every
/// field of the right wire type, with values chosen to hurt (extremes, negative numbers,
/// long and odd strings, unknown enum values, real record ids from `strings`). For fuzzing
/// handlers: a message the server decodes, full of values it must refuse gracefully.
public struct RandomRequests {
    private var state: UInt64
    /// Strings to draw from besides random ones (ids of real records make handlers go deeper).
    public var strings: [String]

    public init(seed: UInt64, strings: [String] = []) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        self.strings = strings
    }

    /// The next pseudo-random number (xorshift64*): the same seed gives the same messages.
    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }

    /// A number in 0..<n.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

    /// An encoded request for `method`.
    public mutating func request(for method: ContractMethod) -> [UInt8] {
        var out: [UInt8] = []
        message(method.request, depth: 0, into: &out)
        return out
    }

    /// An encoded response of `method`'s type (what a client would have to read).
    public mutating func response(for method: ContractMethod) -> [UInt8] {
        var out: [UInt8] = []
        message(method.response, depth: 0, into: &out)
        return out
    }

    private mutating func message(_ d: UnsafePointer<ProtobufCMessageDescriptor>, depth: Int, into out: inout [UInt8]) {
        // How full this message is: a sparse one gets past the checks of the fields it
        // leaves out, to the code behind them; a dense one tries many values at once.
        let percentSet = [15, 35, 60, 90][below(4)]
        for i in 0..<Int(d.pointee.n_fields) {
            let f = d.pointee.fields[i]
            guard below(100) < percentSet else { continue }
            let repeated = f.label == PROTOBUF_C_LABEL_REPEATED
            let copies = repeated ? below(4) : 1
            for _ in 0..<copies { value(f, depth: depth, into: &out) }
        }
    }

    private static let interestingIntegers: [Int64] = [
        0, 1, -1, 2, 7, 100, 500, 501, 5000, 5001, 730, 731, 1_000_000_000, 10_000_000_000, 253_402_300_800,
        Int64(Int32.max), Int64(Int32.min), Int64(Int32.max) + 1, Int64.max, Int64.min, Int64.max / 1_000_000_000 + 1,
    ]

    private mutating func integer() -> Int64 {
        below(3) == 0 ? Int64(bitPattern: next()) : Self.interestingIntegers[below(Self.interestingIntegers.count)]
    }

    private mutating func string() -> [UInt8] {
        switch below(9) {
        case 0: return []
        case 1, 2: return strings.isEmpty ? Array("x".utf8) : Array(strings[below(strings.count)].utf8)
        case 3: return Array(String(repeating: "长", count: below(400)).utf8)
        case 4: return Array("../../etc/passwd' OR 1=1; --\u{0}%n%s\\|".utf8)
        case 5: return Array(repeating: UInt8(ascii: "a"), count: below(5000))
        case 6: return Array("2024-02-30".utf8)
        case 7: return Array(["STAFF", "1.5", "-0.1", "99999999999.99999", "HV_EXPANSION", "HV0001", "Bearer x"][below(7)].utf8)
        default: return (0..<below(40)).map { _ in UInt8(0x21 + below(94)) }
        }
    }

    private mutating func value(_ f: ProtobufCFieldDescriptor, depth: Int, into out: inout [UInt8]) {
        let number = UInt64(f.id)
        func key(_ wire: UInt64) { varint(number << 3 | wire, &out) }
        switch f.type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_UINT64:
            key(0); varint(UInt64(bitPattern: integer()), &out)
        case PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SINT64:
            let v = integer()
            key(0); varint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), &out)
        case PROTOBUF_C_TYPE_BOOL:
            key(0); varint(UInt64(below(2)), &out)
        case PROTOBUF_C_TYPE_ENUM:
            var v = Int64(below(6))
            if let e = f.descriptor?.assumingMemoryBound(to: ProtobufCEnumDescriptor.self), e.pointee.n_values > 0, below(4) != 0 {
                v = Int64(e.pointee.values[below(Int(e.pointee.n_values))].value)
            } else if below(4) == 0 {
                v = integer()
            }
            key(0); varint(UInt64(bitPattern: v), &out)
        case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT:
            key(5); fixed(UInt64(truncatingIfNeeded: next()), 4, &out)
        case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE:
            key(1); fixed(next(), 8, &out)
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES:
            let s = string()
            key(2); varint(UInt64(s.count), &out); out += s
        case PROTOBUF_C_TYPE_MESSAGE:
            guard depth < 4, let nested = f.descriptor?.assumingMemoryBound(to: ProtobufCMessageDescriptor.self) else { return }
            var inner: [UInt8] = []
            message(nested, depth: depth + 1, into: &inner)
            key(2); varint(UInt64(inner.count), &out); out += inner
        default:
            return
        }
    }

    private func varint(_ value: UInt64, _ out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private func fixed(_ value: UInt64, _ bytes: Int, _ out: inout [UInt8]) {
        for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
