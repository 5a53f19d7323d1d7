/// An incremental `multipart/form-data` reader (RFC 7578): bytes go in as they arrive, in
/// pieces of any size, and parts come out as events, their content in pieces too, so a
/// file is never held whole. Pure: no I/O.
public struct MultipartParser {
    public enum Event: Equatable {
        /// A part begins: its form field's name, and for a file its file name and type.
        case partStart(name: String, fileName: String?, contentType: String?)
        /// Some of the current part's content.
        case data([UInt8])
        case partEnd
    }

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    private enum State { case preamble, headers, body, done }

    private let delimiter: [UInt8]  // CRLF -- boundary
    private var state = State.preamble
    private var buffer: [UInt8] = []
    /// How far the search for the end of a part's headers got (it resumes there).
    private var headerScanned = 0
    /// The largest header block of one part.
    static let maxHeaderBytes = 8 * 1024

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` value; nil when
    /// there is none or it is not a valid boundary.
    public init?(contentType: String) {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        var boundary: String?
        for parameter in contentType.split(separator: ";").dropFirst() {
            let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0].lowercased() == "boundary" {
                boundary = kv[1].hasPrefix("\"") && kv[1].hasSuffix("\"") && kv[1].count >= 2 ? String(kv[1].dropFirst().dropLast()) : kv[1]
            }
        }
        guard let boundary, (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        delimiter = Array("\r\n--\(boundary)".utf8)
        // The first boundary has no CRLF before it: pretend the body began with one.
        buffer = [0x0D, 0x0A]
    }

    /// Whether the closing boundary has been read.
    public var isComplete: Bool { state == .done }

    /// Reads `bytes`; `handle` gets each event in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) throws -> Void) throws {
        guard state != .done else { return }  // the epilogue is ignored
        buffer.append(contentsOf: bytes)
        var progress = true
        while progress, state != .done {
            progress = false
            switch state {
            case .preamble:
                if let at = find(delimiter, from: 0) {
                    guard let after = try lineAfterDelimiter(at) else { return }
                    if after == -1 { state = .done; buffer = []; return }
                    buffer.removeFirst(after)
                    state = .headers
                    progress = true
                } else if buffer.count > delimiter.count {
                    buffer.removeFirst(buffer.count - delimiter.count)
                }
            case .headers:
                if let end = find([0x0D, 0x0A, 0x0D, 0x0A], from: headerScanned) {
                    guard end <= Self.maxHeaderBytes else {
                        throw Failure(description: "a part's headers are longer than \(Self.maxHeaderBytes) bytes")
                    }
                    let event = try Self.partHeaders(Array(buffer[0..<end]))
                    buffer.removeFirst(end + 4)
                    headerScanned = 0
                    try handle(event)
                    state = .body
                    progress = true
                } else if buffer.count > Self.maxHeaderBytes {
                    throw Failure(description: "a part's headers are longer than \(Self.maxHeaderBytes) bytes")
                } else {
                    headerScanned = max(0, buffer.count - 3)
                }
            case .body:
                if let at = find(delimiter, from: 0) {
                    guard let after = try lineAfterDelimiter(at) else {
                        // The delimiter is here but not what follows it: hand on what precedes it.
                        if at > 0 { try handle(.data(Array(buffer[0..<at]))); buffer.removeFirst(at) }
                        return
                    }
                    if at > 0 { try handle(.data(Array(buffer[0..<at]))) }
                    try handle(.partEnd)
                    if after == -1 { state = .done; buffer = []; return }
                    buffer.removeFirst(after)
                    state = .headers
                    progress = true
                } else if buffer.count > delimiter.count {
                    // Keep a delimiter's length back: it may be split across pieces.
                    let safe = buffer.count - delimiter.count
                    try handle(.data(Array(buffer[0..<safe])))
                    buffer.removeFirst(safe)
                }
            case .done:
                return
            }
        }
    }

    /// Where the next part's headers start after the delimiter at `at` (past its CRLF),
    /// -1 for the closing delimiter (`--`), nil when more bytes are needed.
    private func lineAfterDelimiter(_ at: Int) throws -> Int? {
        let next = at + delimiter.count
        guard buffer.count >= next + 2 else { return nil }
        if buffer[next] == 0x2D, buffer[next + 1] == 0x2D { return -1 }
        // Transport padding (spaces, tabs) may precede the CRLF.
        var i = next
        while i < buffer.count, buffer[i] == 0x20 || buffer[i] == 0x09 {
            i += 1
            guard i - next <= 64 else { throw Failure(description: "a boundary line is malformed") }
        }
        guard i + 1 < buffer.count else { return nil }
        guard buffer[i] == 0x0D, buffer[i + 1] == 0x0A else {
            throw Failure(description: "the boundary appears inside a part; the body is malformed")
        }
        return i + 2
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = buffer.count - needle.count
        while i <= last {
            if buffer[i] == first {
                var j = 1
                while j < needle.count, buffer[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// A part's `Content-Disposition` and `Content-Type`.
    static func partHeaders(_ bytes: [UInt8]) throws -> Event {
        var name: String?
        var fileName: String?
        var type: String?
        for line in String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "content-type" { type = value }
            guard key == "content-disposition" else { continue }
            for p in parameters(value) {
                if p.0 == "name" { name = p.1 }
                if p.0 == "filename" { fileName = p.1 }
            }
        }
        guard let name else { throw Failure(description: "a part has no name") }
        return .partStart(name: name, fileName: fileName, contentType: type)
    }

    /// `form-data; name="a"; filename="b.jpg"` → [("name", "a"), ("filename", "b.jpg")]:
    /// quoted values may hold `;` and backslash escapes.
    static func parameters(_ value: String) -> [(String, String)] {
        var out: [(String, String)] = []
        var chars = Array(value)[...]
        while let semicolon = chars.firstIndex(of: ";") {
            chars = chars[(semicolon + 1)...]
            while chars.first == " " { chars = chars.dropFirst() }
            guard let eq = chars.firstIndex(of: "=") else { break }
            let key = String(chars[..<eq]).trimmingCharacters(in: .whitespaces).lowercased()
            chars = chars[(eq + 1)...]
            var v = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if c == "\\", let n = chars.first { v.append(n); chars = chars.dropFirst(); continue }
                    if c == "\"" { break }
                    v.append(c)
                }
            } else {
                let end = chars.firstIndex(of: ";") ?? chars.endIndex
                v = String(chars[..<end]).trimmingCharacters(in: .whitespaces)
                chars = chars[end...]
            }
            out.append((key, v))
        }
        return out
    }
}
