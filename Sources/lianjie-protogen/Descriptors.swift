/// The parts of `google/protobuf/descriptor.proto` that the generator reads.

struct FileDesc {
    var name = ""
    var package = ""
    var messages: [MessageDesc] = []
    var enums: [EnumDesc] = []
    var services: [ServiceDesc] = []
    /// Leading comments by source path (`[4, 0, 2, 1]` is message 0's field 1).
    var comments: [[Int]: String] = [:]
}

struct MessageDesc {
    var name = ""
    var fields: [FieldDesc] = []
    var nested: [MessageDesc] = []
    var enums: [EnumDesc] = []
    var oneofs: [String] = []
    var isMapEntry = false
}

struct FieldDesc {
    enum Label: Int { case optional = 1, required = 2, repeated = 3 }
    var name = ""
    var number = 0
    var label = Label.optional
    var type = 0
    var typeName = ""
    var jsonName = ""
    var oneofIndex: Int?
    var proto3Optional = false
}

struct EnumDesc {
    var name = ""
    var values: [(name: String, number: Int)] = []
}

struct ServiceDesc {
    var name = ""
    var methods: [MethodDesc] = []
}

struct MethodDesc {
    var name = ""
    var inputType = ""
    var outputType = ""
    var streaming = false
}

enum DescriptorParser {
    static func fileSet(_ bytes: [UInt8]) throws -> [FileDesc] {
        var reader = WireReader(bytes[...])
        var files: [FileDesc] = []
        while let (field, value) = try reader.next() {
            if field == 1 { files.append(try file(value.slice)) }
        }
        return files
    }

    static func file(_ bytes: ArraySlice<UInt8>) throws -> FileDesc {
        var f = FileDesc()
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: f.name = value.string
            case 2: f.package = value.string
            case 4: f.messages.append(try message(value.slice))
            case 5: f.enums.append(try enumeration(value.slice))
            case 6: f.services.append(try service(value.slice))
            case 9: f.comments = try sourceInfo(value.slice)
            default: break
            }
        }
        return f
    }

    static func message(_ bytes: ArraySlice<UInt8>) throws -> MessageDesc {
        var m = MessageDesc()
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: m.name = value.string
            case 2: m.fields.append(try self.field(value.slice))
            case 3: m.nested.append(try message(value.slice))
            case 4: m.enums.append(try enumeration(value.slice))
            case 7:
                var options = WireReader(value.slice)
                while let (f, v) = try options.next() { if f == 7 { m.isMapEntry = v.bool } }
            case 8:
                var oneof = WireReader(value.slice)
                var name = ""
                while let (f, v) = try oneof.next() { if f == 1 { name = v.string } }
                m.oneofs.append(name)
            default: break
            }
        }
        return m
    }

    static func field(_ bytes: ArraySlice<UInt8>) throws -> FieldDesc {
        var d = FieldDesc()
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: d.name = value.string
            case 3: d.number = value.int
            case 4: d.label = FieldDesc.Label(rawValue: value.int) ?? .optional
            case 5: d.type = value.int
            case 6: d.typeName = value.string
            case 9: d.oneofIndex = value.int
            case 10: d.jsonName = value.string
            case 17: d.proto3Optional = value.bool
            default: break
            }
        }
        return d
    }

    static func enumeration(_ bytes: ArraySlice<UInt8>) throws -> EnumDesc {
        var e = EnumDesc()
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: e.name = value.string
            case 2:
                var v = WireReader(value.slice)
                var name = ""
                var number = 0
                while let (f, x) = try v.next() {
                    if f == 1 { name = x.string }
                    if f == 2 { number = Int(Int32(truncatingIfNeeded: x.int)) }
                }
                e.values.append((name, number))
            default: break
            }
        }
        return e
    }

    static func service(_ bytes: ArraySlice<UInt8>) throws -> ServiceDesc {
        var s = ServiceDesc()
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            switch field {
            case 1: s.name = value.string
            case 2:
                var m = MethodDesc()
                var r = WireReader(value.slice)
                while let (f, x) = try r.next() {
                    switch f {
                    case 1: m.name = x.string
                    case 2: m.inputType = x.string
                    case 3: m.outputType = x.string
                    case 5, 6: m.streaming = m.streaming || x.bool
                    default: break
                    }
                }
                s.methods.append(m)
            default: break
            }
        }
        return s
    }

    static func sourceInfo(_ bytes: ArraySlice<UInt8>) throws -> [[Int]: String] {
        var comments: [[Int]: String] = [:]
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            guard field == 1 else { continue }
            var location = WireReader(value.slice)
            var path: [Int] = []
            var leading = ""
            while let (f, v) = try location.next() {
                if f == 1 { path += v.ints }
                if f == 3 { leading = v.string }
            }
            if !leading.isEmpty { comments[path] = leading }
        }
        return comments
    }
}
