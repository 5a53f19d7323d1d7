import Glibc
import Dispatch
import LianjieScoring
import LianjieStore

/// A confirmed entry as a run keeps it (24 bytes: a run holds millions).
struct InputEntry: Sendable {
    var seq: Int64
    var quantity: Int64
    /// Index into the run's `RefTable`.
    var ref: Int32
    /// The day it happened (`Day.ordinal`).
    var day: Int32

    /// The order a subject's entries are kept and scored in: by day, then seq.
    var order: (Int32, Int64) { (day, seq) }

    /// Sorts a subject's entries by day, then seq (the scoring core's order, so it need
    /// not sort them again).
    static func ordered(_ entries: [InputEntry]) -> [InputEntry] {
        var list = entries
        if zip(list, list.dropFirst()).contains(where: { $0.order > $1.order }) { list.sort { $0.order < $1.order } }
        return list
    }
}

/// One subject's scoring inputs: who they were on the evaluation date and the confirmed
/// entries they are scored from, by seq.
struct SubjectInput: Sendable {
    var row: EvaluationSubjectRow
    var scoring: ScoringSubject
    /// A slice of one array holding every subject's entries (no copy per subject).
    var entries: ArraySlice<InputEntry>
}

/// The distinct tags (library, version, code as recorded) a run's entries name, each with
/// its tag in the run's scheme: the exact library version, or the same tag in the newest
/// version the scheme has, or -1 when it has none.
final class RefTable: @unchecked Sendable {
    // @unchecked: filled by one thread while a run's parts are laid out, then only read
    // (by the scoring threads).
    private(set) var texts: [String] = []
    private(set) var tagIDs: [Int32] = []
    private var keys = RefKeys()
    let scheme: CompiledScheme

    init(_ scheme: CompiledScheme) { self.scheme = scheme }

    var refs: [TagRef] { keys.refs }

    func index(library: String, version: Int, code: String) -> Int32 {
        var l = library, c = code
        let i = l.withUTF8 { lb in c.withUTF8 { cb in keys.index(library: UnsafeRawBufferPointer(lb), version: version, code: UnsafeRawBufferPointer(cb)) } }
        if Int(i) == texts.count {
            let ref = keys.refs[Int(i)]
            texts.append(ref.description)
            tagIDs.append(scheme.tagID(ref) ?? scheme.equivalentTagID(ref) ?? -1)
        }
        return i
    }

    func scoringEntries(_ entries: ArraySlice<InputEntry>) -> [ScoringEntry] {
        entries.map { e in
            ScoringEntry(id: UInt64(e.seq), tag: tagIDs[Int(e.ref)], occurredOn: Day(ordinal: e.day), quantity: e.quantity, status: .confirmed)
        }
    }
}

/// Tags as entries name them (library, version, code bytes) numbered in the order first
/// seen: a small open-addressed table, looked up without copying or allocating once a tag
/// is known (a verification looks one up for each entry it reads back). A value type, so a
/// loop uses it without dynamic exclusivity checks.
struct RefKeys {
    private(set) var refs: [TagRef] = []
    private var libraries: [[UInt8]] = [], codes: [[UInt8]] = []
    private var table = [(hash: UInt64, ref: Int32)](repeating: (0, -1), count: 256)

    private static func hash(library: UnsafeRawBufferPointer, version: Int, code: UnsafeRawBufferPointer) -> UInt64 {
        byteHash(code) &* 0x9E37_79B9_7F4A_7C15 ^ byteHash(library) ^ UInt64(bitPattern: Int64(version))
    }

    mutating func index(library: UnsafeRawBufferPointer, version: Int, code: UnsafeRawBufferPointer) -> Int32 {
        let h = Self.hash(library: library, version: version, code: code)
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while table[i].ref >= 0 {
            let r = Int(table[i].ref)
            if table[i].hash == h, refs[r].version == version, Self.same(libraries[r], library), Self.same(codes[r], code) { return Int32(r) }
            i = (i + 1) & mask
        }
        let index = Int32(refs.count)
        refs.append(TagRef(library: String(decoding: library, as: UTF8.self), version: version, code: String(decoding: code, as: UTF8.self)))
        libraries.append(Array(library))
        codes.append(Array(code))
        if refs.count * 2 > table.count { rehash() } else { table[i] = (h, index) }
        return index
    }

    private static func same(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && a.withUnsafeBytes { b.count == 0 || memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }
    }

    private mutating func rehash() {
        table = [(hash: UInt64, ref: Int32)](repeating: (0, -1), count: table.count * 2)
        let mask = table.count - 1
        for r in refs.indices {
            let h = libraries[r].withUnsafeBytes { l in codes[r].withUnsafeBytes { c in Self.hash(library: l, version: refs[r].version, code: c) } }
            var i = Int(truncatingIfNeeded: h) & mask
            while table[i].ref >= 0 { i = (i + 1) & mask }
            table[i] = (h, Int32(r))
        }
    }
}

/// A multiply-rotate hash over 8-byte words (tags' libraries and codes are short).
func byteHash(_ key: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
    var i = 0
    while i + 8 <= key.count {
        h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h << 31) | (h >> 33)
        i += 8
    }
    var tail: UInt64 = 0
    while i < key.count {
        tail = (tail << 8) | UInt64(key[i])
        i += 1
    }
    h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    return h ^ (h >> 29)
}

/// CPU work split across the cores.
enum Parallel {
    /// `transform` of every element, in order, computed in chunks on every core.
    static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let count = items.count
        guard count > 1 else { return items.map(transform) }
        let chunks = min(count, max(1, System.coreCount) * 4)
        let out = UnsafeMutableBufferPointer<R>.allocate(capacity: count)
        defer { out.deallocate() }
        // Each chunk initializes its own disjoint range of `out`.
        nonisolated(unsafe) let base = out
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in (c * count / chunks)..<((c + 1) * count / chunks) { (base.baseAddress! + i).initialize(to: transform(items[i])) }
        }
        let result = Array(out)
        _ = out.deinitialize()
        return result
    }
}
