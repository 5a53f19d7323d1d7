// libFuzzer target for message decoding: protobuf bytes through the generated
// protobuf-c bridge, and JSON text through the proto3 JSON reader. Built by
// Tests/Fuzz/run.sh together with LianjieMessages' sources and protoc-c's C.
//
// The first two bytes pick what to decode: one of every message type the generator knows, or
// JSON text. Whatever decodes must encode again and decode to the same value (a stable
// round trip) and give the same JSON written straight off the bytes (or protobuf-c's struct);
// what does not decode gives no JSON either; nothing may
// crash, leak or read out of bounds. At start-up every type's default goes through both
// encodings once, so LeakSanitizer's check at exit covers every type's paths
// (Tests/leak-check.sh runs the seeds that way).

func roundTrip<M: ProtoMessage>(_ type: M.Type, _ bytes: UnsafeRawBufferPointer) {
    guard let m = try? M(serializedBytes: bytes) else {
        // Read off the wire or the C struct, the JSON of bytes that do not decode is an error too.
        var direct: [UInt8] = []
        precondition((try? M.writeJSON(serializedBytes: bytes, into: &direct)) == nil, "\(M.protoName)'s JSON is written for bytes that do not decode")
        return
    }
    // Compared as bytes, so a NaN (never equal to itself) is still checked.
    let encoded = m.serializedBytes()
    guard let again = try? M(serializedBytes: encoded) else { preconditionFailure("\(M.protoName) does not decode its own encoding") }
    precondition(again.serializedBytes() == encoded, "binary round trip changed \(M.protoName)")
    // JSON keeps values, not bit patterns (every NaN is "NaN"), so compare JSON forms.
    let json = m.jsonString()
    // The JSON written straight off the bytes, or off protobuf-c's struct when they are not
    // as protobuf-c writes them (what the gateway answers with), is the decoded value's,
    // byte for byte.
    var direct: [UInt8] = []
    guard (try? M.writeJSON(serializedBytes: bytes, into: &direct)) != nil else {
        preconditionFailure("\(M.protoName) decodes but its JSON (off the bytes or the C struct) fails")
    }
    precondition(direct == m.jsonValue().utf8(), "JSON off the C struct differs from \(M.protoName)'s jsonValue")
    guard let fromJSON = try? M(jsonString: json) else { preconditionFailure("\(M.protoName) does not read its own JSON") }
    precondition(fromJSON.jsonString() == json, "JSON round trip changed \(M.protoName)")
}

func defaultRoundTrip<M: ProtoMessage>(_ type: M.Type) {
    let bytes = M().serializedBytes()
    precondition((try? M(serializedBytes: bytes)) == M(), "\(M.protoName) does not decode its default")
    precondition((try? M(jsonString: M().jsonString())) == M(), "\(M.protoName) does not read its default's JSON")
    precondition((try? M.jsonBytes(serializedBytes: bytes)) == M().jsonValue().utf8(), "\(M.protoName)'s default JSON off the C struct differs")
}

/// `roundTrip` of a type known only at run time (opened, so the generic one runs).
func roundTripAny(_ type: any ProtoMessage.Type, _ bytes: UnsafeRawBufferPointer) {
    func open<M: ProtoMessage>(_ t: M.Type) { roundTrip(t, bytes) }
    open(type)
}

let messageTypes = ProtoRegistry.allMessageTypes

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>)
    -> CInt {
    for type in messageTypes {
        func open<M: ProtoMessage>(_ t: M.Type) { defaultRoundTrip(t) }
        open(type)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessages(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    // Two bytes pick the type (there are more than 256), the rest is the input.
    guard size > 1 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let pick = (Int(data[0]) << 8 | Int(data[1])) % (messageTypes.count + 1)
    switch pick {
    case ..<messageTypes.count: roundTripAny(messageTypes[pick], input)
    default:
        let text = String(decoding: input, as: UTF8.self)
        if let value = try? JSONValue(parsing: text) {
            precondition((try? JSONValue(parsing: value.serialized())) == value, "JSON text round trip changed")
            _ = try? Sample(jsonValue: value)
        }
    }
    return 0
}
