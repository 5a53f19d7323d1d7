/// What the emitter needs to know about each named type, resolved across all files.
struct TypeInfo {
    enum Kind { case message, enumeration }
    var kind: Kind
    /// `lianjie.v1.Sample.Inner`
    var fullName: String
    /// `Sample.Inner`: how Swift code in the generated module names it.
    var swiftName: String
    /// `Lianjie__V1__Sample__Inner`
    var cType: String
    /// `lianjie__v1__sample__inner`
    var cFunction: String
}

struct GeneratorError: Error, CustomStringConvertible {
    var description: String
}

/// Every message and enum of every file, by full name with a leading dot (as
/// `FieldDescriptorProto.type_name` spells it).
struct TypeTable {
    private(set) var types: [String: TypeInfo] = [:]
    private var swiftNames: [String: String] = [:]
    /// Messages (full names with the leading dot) whose JSON can be written straight off
    /// their encoding in one pass (`writeJSON(wire:into:)`): their JSON members come in
    /// field-number order, the order protobuf-c encodes them in, and so do those of every
    /// message they hold.
    private(set) var wireJSON: Set<String> = []

    init(files: [FileDesc]) throws {
        var messages: [String: MessageDesc] = [:]
        for file in files {
            for m in file.messages { try addMessage(m, package: file.package, swiftPrefix: "", into: &messages) }
            for e in file.enums { try addEnum(e, package: file.package, swiftPrefix: "") }
        }
        wireJSON = Self.wireJSONMessages(messages)
    }

    /// The field numbers of `m` in the order its JSON lists them: the fields outside any
    /// oneof as declared, then each oneof's members, oneofs as declared.
    static func jsonOrder(_ m: MessageDesc) -> [Int] {
        m.fields.filter { $0.oneofIndex == nil }.map(\.number)
            + m.oneofs.indices.flatMap { o in m.fields.filter { $0.oneofIndex == o }.map(\.number) }
    }

    /// The messages whose JSON order is field-number order, less, again and again until
    /// none goes, any holding a message that is not among them (so a cycle of messages
    /// stays only when all of it can).
    private static func wireJSONMessages(_ messages: [String: MessageDesc]) -> Set<String> {
        var set = Set(messages.filter { _, m in
            let order = jsonOrder(m)
            return zip(order, order.dropFirst()).allSatisfy { $0 < $1 }
        }.keys)
        while true {
            let out = set.filter { name in messages[name]!.fields.contains { $0.type == 11 && !set.contains($0.typeName) } }
            if out.isEmpty { return set }
            set.subtract(out)
        }
    }

    subscript(name: String) -> TypeInfo {
        guard let t = types[name] else { fatalError("unresolved type \(name)") }
        return t
    }

    private mutating func add(_ info: TypeInfo) throws {
        if let other = swiftNames[info.swiftName] {
            throw GeneratorError(description: "\(info.fullName) and \(other) would both be Swift type \(info.swiftName)")
        }
        swiftNames[info.swiftName] = info.fullName
        types["." + info.fullName] = info
    }

    /// Proto types whose plain Swift name would shadow a Foundation type every client
    /// imports alongside the messages (`Date` next to Foundation's `Date`).
    static let swiftRenames: [String: String] = ["lianjie.v1.Date": "CalendarDate"]

    private mutating func addMessage(_ m: MessageDesc, package: String, swiftPrefix: String, into messages: inout [String: MessageDesc]) throws {
        let full = package + "." + m.name
        let swift = swiftPrefix + (Self.swiftRenames[full] ?? m.name)
        try add(TypeInfo(kind: .message, fullName: full, swiftName: swift,
                         cType: Naming.cType(full), cFunction: Naming.cFunction(full)))
        messages["." + full] = m
        for n in m.nested { try addMessage(n, package: full, swiftPrefix: swift + ".", into: &messages) }
        for e in m.enums { try addEnum(e, package: full, swiftPrefix: swift + ".") }
    }

    private mutating func addEnum(_ e: EnumDesc, package: String, swiftPrefix: String) throws {
        let full = package + "." + e.name
        try add(TypeInfo(kind: .enumeration, fullName: full, swiftName: swiftPrefix + e.name,
                         cType: Naming.cType(full), cFunction: Naming.cFunction(full)))
    }
}

/// A field with everything the emitter derives from it.
struct FieldPlan {
    enum Scalar {
        case int32, int64, uint32, uint64, float, double, bool, string, bytes
        case enumeration(TypeInfo)
        case message(TypeInfo)
    }

    var desc: FieldDesc
    var scalar: Scalar
    var repeated: Bool
    /// The Swift property (or oneof case) name.
    var swiftName: String
    /// The C struct member name.
    var cName: String
    var jsonName: String
    var comment: String?

    init(_ d: FieldDesc, types: TypeTable, comment: String?) throws {
        desc = d
        repeated = d.label == .repeated
        switch d.type {
        case 1: scalar = .double
        case 2: scalar = .float
        case 3, 16, 18: scalar = .int64
        case 4, 6: scalar = .uint64
        case 5, 15, 17: scalar = .int32
        case 7, 13: scalar = .uint32
        case 8: scalar = .bool
        case 9: scalar = .string
        case 12: scalar = .bytes
        case 11: scalar = .message(types[d.typeName])
        case 14: scalar = .enumeration(types[d.typeName])
        default: throw GeneratorError(description: "field \(d.name): unsupported type \(d.type)")
        }
        swiftName = Naming.swiftIdentifier(Naming.lowerCamel(d.name))
        cName = d.name.lowercased()
        jsonName = d.jsonName.isEmpty ? Naming.lowerCamel(d.name) : d.jsonName
        self.comment = comment
    }

    var swiftElementType: String {
        switch scalar {
        case .int32: return "Int32"
        case .int64: return "Int64"
        case .uint32: return "UInt32"
        case .uint64: return "UInt64"
        case .float: return "Float"
        case .double: return "Double"
        case .bool: return "Bool"
        case .string: return "String"
        case .bytes: return "[UInt8]"
        case .enumeration(let t), .message(let t): return t.swiftName
        }
    }

    var isMessage: Bool {
        if case .message = scalar { return true }
        return false
    }

    /// The type of the stored Swift property outside a oneof.
    var swiftPropertyType: String {
        if repeated { return "[\(swiftElementType)]" }
        return isMessage ? swiftElementType + "?" : swiftElementType
    }

    var swiftDefault: String {
        if repeated { return "[]" }
        switch scalar {
        case .int32, .int64, .uint32, .uint64, .float, .double: return "0"
        case .bool: return "false"
        case .string: return "\"\""
        case .bytes: return "[]"
        case .enumeration(let t): return "\(t.swiftName)(rawValue: 0)"
        case .message: return "nil"
        }
    }
}
