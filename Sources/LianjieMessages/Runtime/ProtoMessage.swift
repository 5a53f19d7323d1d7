/// A protobuf message as a Swift value: encodes to and decodes from the protobuf
/// binary form (through protobuf-c) and proto3 JSON.
///
/// Every message type in `Proto/` conforms through generated code; nothing else should.
public protocol ProtoMessage: Sendable, Equatable {
    /// The full proto name, e.g. `lianjie.v1.LoginRequest`.
    static var protoName: String { get }
    /// The message with every field at its default.
    init()
    /// The protobuf binary encoding.
    func serializedBytes() -> [UInt8]
    /// Decodes the protobuf binary encoding.
    /// - Throws: `ProtoError` when the bytes are not a valid message of this type.
    init(serializedBytes bytes: UnsafeRawBufferPointer) throws(ProtoError)
    /// The proto3 JSON form.
    func jsonValue() -> JSONValue
    /// Appends the compact proto3 JSON text of a protobuf binary encoding — the bytes of
    /// `Self(serializedBytes:).jsonValue().utf8()` — read straight off the bytes (or off
    /// protobuf-c's unpacked struct) without the Swift value between (what answers JSON calls).
    /// - Throws: `ProtoError` when the bytes are not a valid message of this type.
    static func writeJSON(serializedBytes bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(ProtoError)
    /// Decodes the proto3 JSON form.
    /// - Throws: `ProtoError` naming the first field that is unknown or of the wrong type.
    init(jsonValue: JSONValue) throws(ProtoError)
}

extension ProtoMessage {
    /// Decodes the protobuf binary encoding held in an array. (Inlinable, so each message
    /// type gets its own specialised copy instead of looking up generic metadata per call.)
    @inlinable
    public init(serializedBytes bytes: [UInt8]) throws(ProtoError) {
        let result: Result<Self, ProtoError> = bytes.withUnsafeBytes { raw in
            do throws(ProtoError) { return .success(try Self(serializedBytes: raw)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    /// The proto3 JSON text, compact or indented by two spaces.
    public func jsonString(pretty: Bool = false) -> String {
        jsonValue().serialized(pretty: pretty)
    }

    /// Decodes proto3 JSON text.
    public init(jsonString: String) throws(ProtoError) {
        let value: JSONValue
        do { value = try JSONValue(parsing: jsonString) } catch {
            throw ProtoError(field: "", reason: error.description)
        }
        try self.init(jsonValue: value)
    }
}

/// A protobuf enum as a Swift enum that keeps values it does not know.
public protocol ProtoEnum: Sendable, Hashable, RawRepresentable where RawValue == Int32 {
    /// The full proto name of the enum, e.g. `lianjie.v1.Role`.
    static var protoName: String { get }
    init(rawValue: Int32)
    /// The value's name as written in the `.proto` file; nil for an unrecognized number.
    var protoValueName: String? { get }
    /// `protoValueName` as a JSON string, quotes included (the name needs no escape): what
    /// JSON answers write, appended as it is.
    var protoValueJSON: StaticString? { get }
    init?(protoValueName: String)
}

extension ProtoMessage {
    /// The compact proto3 JSON text of a protobuf binary encoding, as bytes.
    /// - Throws: `ProtoError` when the bytes are not a valid message of this type.
    public static func jsonBytes(serializedBytes bytes: [UInt8]) throws(ProtoError) -> [UInt8] {
        var out: [UInt8] = []
        let failure: ProtoError? = bytes.withUnsafeBytes { raw in
            do throws(ProtoError) { try writeJSON(serializedBytes: raw, into: &out); return nil } catch { return error }
        }
        if let failure { throw failure }
        return out
    }
}

extension ProtoEnum {
    /// proto3 JSON: the value's name, or its number when this build does not know it.
    public var jsonValue: JSONValue {
        if let name = protoValueName { return .string(name) }
        return .number(String(rawValue))
    }
}

/// Why bytes or JSON could not be read as a message.
public struct ProtoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path of the offending field (`grants.role`), empty for the message as a whole.
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    /// The same error seen from a message that holds this one in `parent`.
    func nested(in parent: String) -> ProtoError {
        ProtoError(field: field.isEmpty ? parent : "\(parent).\(field)", reason: reason)
    }
}

/// A typed RPC method: its path and its request and response types.
/// A method whose request and response types are known only at run time
/// (`ProtoRegistry.methods`).
public struct AnyRPCMethod: Sendable {
    /// `/lianjie.v1.UserService/Login`
    public let path: String
    public let request: any ProtoMessage.Type
    public let response: any ProtoMessage.Type

    public init(path: String, request: any ProtoMessage.Type, response: any ProtoMessage.Type) {
        self.path = path
        self.request = request
        self.response = response
    }

    /// `Login`
    public var name: String { String(path.split(separator: "/").last ?? "") }
}

public struct RPCMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable, Hashable {
    /// `lianjie.v1.UserService`
    public let service: String
    /// `Login`
    public let method: String
    /// `/lianjie.v1.UserService/Login`, as carried in `CallMeta.method`.
    public let path: String

    public init(service: String, method: String) {
        self.service = service
        self.method = method
        self.path = "/\(service)/\(method)"
    }
}
