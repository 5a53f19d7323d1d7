/// The bytes of a JSON answer while generated code writes them: memory of its own, grown by
/// doubling, appended to with one bounds check and a copy (an `Array`'s
/// `append(contentsOf:)` costs about a hundred instructions a call, and a JSON answer makes
/// dozens). Lives for one `ProtoMessage.writeJSON(serializedBytes:into:)` call: made and
/// freed by `JSONBuffer.writing`, and only ever passed `inout` (a copy would share its
/// memory).
public struct JSONBuffer: JSONSink {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    /// Runs `body` with a buffer sized for an answer of about `expected` bytes (at most
    /// `initialLimit` at first: a large answer grows into its room rather than taking a
    /// guess at it), then appends what it wrote to `out`.
    static func writing<E: Error>(into out: inout [UInt8], expected: Int, _ body: (inout JSONBuffer) throws(E) -> Void) throws(E) {
        var buffer = JSONBuffer(capacity: min(expected, initialLimit))
        defer { buffer.base.deallocate() }
        try body(&buffer)
        out.append(contentsOf: UnsafeBufferPointer(start: buffer.base, count: buffer.count))
    }

    static let initialLimit = 256 * 1024

    /// Drops everything after the first `mark` bytes.
    mutating func truncate(to mark: Int) { count = min(count, mark) }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let from = bytes.baseAddress else { return }
        if capacity - count < bytes.count { grow(bytes.count) }
        (base + count).update(from: from, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        append(bytes.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let larger = max(capacity * 2, count + needed)
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: base, count: count)
        base.deallocate()
        base = moved
        capacity = larger
    }
}

/// Where JSON text is appended: a JSON answer's `JSONBuffer`, or an array of bytes.
protocol JSONSink {
    mutating func append(_ byte: UInt8)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>)
    mutating func append(_ text: StaticString)
}

extension Array: JSONSink where Element == UInt8 {
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
    mutating func append(_ text: StaticString) { text.withUTF8Buffer { append(contentsOf: $0) } }
}
