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
    // @unchecked: filled by one thread while a run reads, then only read (by the scoring threads).
    private(set) var texts: [String] = []
    private(set) var refs: [TagRef] = []
    private(set) var tagIDs: [Int32] = []
    private var keys = ByteKeyTable()
    private var scratch: [UInt8] = []
    let scheme: CompiledScheme

    init(_ scheme: CompiledScheme) { self.scheme = scheme }

    /// The index of a tag given as the bytes a scan reads.
    func index(library: UnsafeRawBufferPointer, version: Int, code: UnsafeRawBufferPointer) -> Int32 {
        // The key: library, a NUL, the version's 8 bytes, code (no allocation once warm).
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: library)
        scratch.append(0)
        withUnsafeBytes(of: Int64(version).littleEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: code)
        return scratch.withUnsafeBytes { key in
            if let i = keys.value(key) { return i }
            let ref = TagRef(library: String(decoding: library, as: UTF8.self), version: version, code: String(decoding: code, as: UTF8.self))
            let i = Int32(texts.count)
            texts.append(ref.description)
            refs.append(ref)
            tagIDs.append(scheme.tagID(ref) ?? scheme.equivalentTagID(ref) ?? -1)
            keys.insert(key, i)
            return i
        }
    }

    func index(library: String, version: Int, code: String) -> Int32 {
        var l = library, c = code
        return l.withUTF8 { lb in c.withUTF8 { cb in index(library: UnsafeRawBufferPointer(lb), version: version, code: UnsafeRawBufferPointer(cb)) } }
    }

    /// Each tag's place in the sorted list of texts: what the inputs hash names tags by, so
    /// it does not depend on the order entries were read in.
    func ranks() -> [Int32] {
        var out = [Int32](repeating: 0, count: texts.count)
        for (rank, i) in texts.indices.sorted(by: { texts[$0] < texts[$1] }).enumerated() { out[i] = Int32(rank) }
        return out
    }

    func scoringEntries(_ entries: ArraySlice<InputEntry>) -> [ScoringEntry] {
        entries.map { e in
            ScoringEntry(id: UInt64(e.seq), tag: tagIDs[Int(e.ref)], occurredOn: Day(ordinal: e.day), quantity: e.quantity, status: .confirmed)
        }
    }
}

/// An open-addressing table from byte strings to Int32, looked up without making a String
/// (a run looks up a subject and a tag for each of millions of entries). Each slot holds
/// the key's hash, where its bytes are and its value, so a lookup touches the slot and,
/// only on a matching hash, the key's bytes.
struct ByteKeyTable {
    private struct Slot {
        var hash: UInt32
        var length: UInt32
        var offset: Int32
        /// -1 for an empty slot.
        var value: Int32
    }

    private var slots = [Slot](repeating: Slot(hash: 0, length: 0, offset: 0, value: -1), count: 64)
    private var arena: [UInt8] = []
    private(set) var count = 0

    /// A multiply-rotate hash over 8-byte words (keys are short ids and codes).
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
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

    func value(_ key: UnsafeRawBufferPointer) -> Int32? {
        let h = Self.hash(key)
        let tag = UInt32(truncatingIfNeeded: h >> 32)
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let s = slots[i]
                if s.value < 0 { return nil }
                if s.hash == tag, Int(s.length) == key.count, equal(Int(s.offset), key) { return s.value }
                i = (i + 1) & mask
            }
        }
    }

    private func equal(_ offset: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        key.count == 0 || arena.withUnsafeBytes { memcmp($0.baseAddress! + offset, key.baseAddress!, key.count) == 0 }
    }

    mutating func insert(_ key: UnsafeRawBufferPointer, _ value: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        let offset = Int32(arena.count)
        arena.append(contentsOf: key)
        place(Slot(hash: 0, length: UInt32(key.count), offset: offset, value: value), hash: Self.hash(key))
        count += 1
    }

    private mutating func place(_ slot: Slot, hash: UInt64) {
        var s = slot
        s.hash = UInt32(truncatingIfNeeded: hash >> 32)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i].value >= 0 { i = (i + 1) & mask }
        slots[i] = s
    }

    private mutating func grow() {
        let old = slots.filter { $0.value >= 0 }
        slots = [Slot](repeating: Slot(hash: 0, length: 0, offset: 0, value: -1), count: slots.count * 2)
        for s in old {
            let h = arena.withUnsafeBytes { Self.hash(UnsafeRawBufferPointer(rebasing: $0[Int(s.offset)..<(Int(s.offset) + Int(s.length))])) }
            place(s, hash: h)
        }
    }
}

/// `YYYY-MM-DD` bytes as a day's ordinal (0 for anything else, which no entry holds).
func dayOrdinal(_ b: UnsafeRawBufferPointer) -> Int32 {
    guard b.count == 10 else { return 0 }
    func digits(_ from: Int, _ count: Int) -> Int {
        var v = 0
        for i in from..<(from + count) { v = v * 10 + Int(b[i] &- 48) }
        return v
    }
    return Day(year: digits(0, 4), month: digits(5, 2), day: digits(8, 2))?.ordinal ?? 0
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
