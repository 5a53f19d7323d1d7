public import LianjieMessages
public import LianjieRPC

/// Builds INVALID_ARGUMENT answers field by field.
public struct Violations {
    public private(set) var list: [FieldViolation] = []

    public init() {}

    public mutating func add(_ field: String, _ description: String) {
        list.append(FieldViolation(field: field, description: description))
    }

    /// Throws INVALID_ARGUMENT naming every field added so far, if any.
    public func check() throws {
        if let e = RPCError.invalidArguments(list) { throw e }
    }
}

/// Checks of what a request carries, before any arithmetic on it.
public enum Validate {
    /// The last second whose nanoseconds still fit an Int64 (2262-04-11).
    public static let maxUnixSeconds: Int64 = (Int64.max - 999_999_999) / 1_000_000_000

    /// A request's `Time` as Unix nanoseconds; INVALID_ARGUMENT naming the field when it
    /// is before 1970, past 2262, or has nanos outside 0-999,999,999.
    public static func unixNanos(_ t: Time?, field: String) throws(RPCError) -> Int64? {
        guard let t else { return nil }
        guard (0...maxUnixSeconds).contains(t.seconds) else {
            throw RPCError.invalidArgument(field: "\(field).seconds", "must be between 0 (1970) and \(maxUnixSeconds) (2262)")
        }
        guard (0..<1_000_000_000).contains(t.nanos) else {
            throw RPCError.invalidArgument(field: "\(field).nanos", "must be between 0 and 999999999")
        }
        return t.seconds * 1_000_000_000 + Int64(t.nanos)
    }

    /// 1-64 letters, digits, '.', '-' or '_'.
    public static func isUsername(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D || c == 0x5F
        }
    }

    /// A short code of 1-40 upper-case letters, digits or '_' (`HV_EXPANSION`,
    /// `GIFT_ACCEPTED`); a violation of `field` otherwise.
    public static func code(_ code: String, field: String, _ v: inout Violations) {
        let ok = (1...40).contains(code.utf8.count) && code.utf8.allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
        }
        if !ok { v.add(field, "must be 1-40 upper-case letters, digits or '_'") }
    }

    /// ABORTED when `etag` is set and is not the record's `version` (AIP-154).
    public static func etag(_ etag: String, _ version: Int64) throws {
        if !etag.isEmpty, etag != String(version) {
            throw RPCError(.aborted, "the record changed since you read it; read it again and retry")
        }
    }
}

/// Opaque keyset page tokens and page sizes (AIP-158).
public enum Paging {
    public static let defaultSize = 50
    public static let maxSize = 500

    public static func size(_ requested: Int32) throws -> Int {
        guard requested >= 0 else { throw RPCError.invalidArgument(field: "page_size", "must not be negative") }
        return requested == 0 ? defaultSize : min(Int(requested), maxSize)
    }

    /// The key a token carries; `kind` ties a token to the listing that made it.
    public static func after(_ token: String, kind: String) throws -> String? {
        guard !token.isEmpty else { return nil }
        guard let bytes = Base64.decode(token), let text = String(validating: bytes, as: UTF8.self),
              text.hasPrefix(kind + ":") else {
            throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing")
        }
        return String(text.dropFirst(kind.count + 1))
    }

    /// The `seq` a token of a listing paged by sequence number carries (in decimal).
    public static func afterSeq(_ token: String, kind: String) throws -> String? {
        let after = try after(token, kind: kind)
        if let after, Int64(after) == nil { throw RPCError.invalidArgument(field: "page_token", "is not a page token of this listing") }
        return after
    }

    public static func token(_ key: String, kind: String) -> String {
        Base64.encode(Array((kind + ":" + key).utf8), urlSafe: true, padding: false)
    }
}

extension String {
    /// Without leading and trailing white space.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
