// libFuzzer target for message decoding: protobuf bytes through the generated
// protobuf-c bridge, and JSON text through the proto3 JSON reader. Built by
// Tests/Fuzz/run.sh together with LianjieMessages' sources and protoc-c's C.
//
// The first byte picks what to decode. Whatever decodes must encode again and decode
// to the same value (a stable round trip); nothing may crash, leak or read out of bounds.

func roundTrip<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let m = try? M(serializedBytes: bytes) else { return }
    // Compared as bytes, so a NaN (never equal to itself) is still checked.
    let encoded = m.serializedBytes()
    guard let again = try? M(serializedBytes: encoded) else { preconditionFailure("\(M.protoName) does not decode its own encoding") }
    precondition(again.serializedBytes() == encoded, "binary round trip changed \(M.protoName)")
    // JSON keeps values, not bit patterns (every NaN is "NaN"), so compare JSON forms.
    let json = m.jsonString()
    guard let fromJSON = try? M(jsonString: json) else { preconditionFailure("\(M.protoName) does not read its own JSON") }
    precondition(fromJSON.jsonString() == json, "JSON round trip changed \(M.protoName)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 6 {
    case 0: roundTrip(CallMeta.self, input)
    case 1: roundTrip(ReplyMeta.self, input)
    case 2: roundTrip(Sample.self, input)
    case 3: roundTrip(Subject.self, input)
    case 4: roundTrip(ImportSubjectsRequest.self, input)
    default:
        let text = String(decoding: input, as: UTF8.self)
        if let value = try? JSONValue(parsing: text) {
            precondition((try? JSONValue(parsing: value.serialized())) == value, "JSON text round trip changed")
            _ = try? Sample(jsonValue: value)
        }
    }
    return 0
}
