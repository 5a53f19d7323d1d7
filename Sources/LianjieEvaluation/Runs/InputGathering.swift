import Dispatch
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import Synchronization

/// Reads a run's inputs: the subjects in scope and every confirmed entry of theirs in a
/// window of days, scanned in parts on every core from one snapshot (`Store.readTogether`),
/// each part taking ranges of entry seqs in turn. The parts' entries are then laid out subject by
/// subject, each subject's in the scoring core's order (day, then seq), in one array.
enum InputGathering {
    /// What one part read.
    struct Part: Sendable {
        var subjects: [EvaluationSubjectRow]
        /// Each entry's subject (an index into `subjects`) and the entry.
        var owners: [Int32]
        var entries: [InputEntry]
        var refs: [TagRef]
    }

    /// - Parameter subjects: reads the subjects in scope (run by every part, in the same
    ///   snapshot, so every part sees the same list).
    static func gather(_ store: any Store, window: (from: String, to: String), scheme: CompiledScheme,
                       subjects: @escaping @Sendable (any StoreReader) throws -> [EvaluationSubjectRow]) throws -> (inputs: [SubjectInput], refs: RefTable) {
        let parts = max(1, min(System.coreCount, 4))
        // The seqs in slices that the parts take in turn, each the next one left: a part
        // that falls behind (its core busy with other work, its pages not yet cached) takes
        // fewer, so the parts finish together.
        let slices = parts * 32
        let nextSlice = SliceCounter()
        let read = try store.readTogether(parts: parts) { part, r -> Part in
            let rows = try subjects(r)
            var index = ByteKeyTable()
            for (i, s) in rows.enumerated() {
                var id = s.subjectID
                id.withUTF8 { index.insert(UnsafeRawBufferPointer($0), Int32(i)) }
            }
            // The same slices in every part: they all see the same highest seq. Slice k holds
            // the seqs after k/slices of it up to (k+1)/slices; the last one everything after.
            let top = try r.maxEntrySeq()
            // Room for this part's share of the entries, up to a million (a small scope grows it).
            var collector = Collector(subjects: index, expected: Int(min(1_000_000, max(0, top / Int64(parts) + 1))))
            while case let k = nextSlice.take(), k < slices {
                let low = k == 0 ? Int64.min : top / Int64(slices) * Int64(k) + 1
                let high = k == slices - 1 ? Int64.max : top / Int64(slices) * Int64(k + 1)
                if low <= high {
                    try r.scanConfirmedEntries(from: window.from, to: window.to, seqs: low...high) { collector.add($0) }
                }
            }
            collector.flush()
            return Part(subjects: part == 0 ? rows : [], owners: collector.owners, entries: collector.entries, refs: collector.refs.refs)
        }
        return layOut(read, scheme: scheme)
    }

    /// Hands out slice numbers, each once, to whichever part asks next.
    final class SliceCounter: Sendable {
        private let taken = Atomic<Int>(0)
        func take() -> Int { taken.add(1, ordering: .relaxed).oldValue }
    }

    /// What one part keeps of the rows it scans: each row of a subject in scope, its tag
    /// numbered. Subjects are looked up a batch at a time, so the lookups' cache misses
    /// overlap; a value type, so the loop runs without dynamic exclusivity checks.
    struct Collector {
        let subjects: ByteKeyTable
        var refs = RefKeys()
        var owners: [Int32] = [], entries: [InputEntry] = []
        private static let batch = 256
        private var ids: [UInt8] = [], idEnds: [Int] = [], pending: [InputEntry] = []
        private var keys: [UnsafeRawBufferPointer]
        private var found: [Int32], hashes: [UInt64]

        init(subjects: ByteKeyTable, expected: Int) {
            self.subjects = subjects
            owners.reserveCapacity(expected)
            entries.reserveCapacity(expected)
            ids.reserveCapacity(Self.batch * 32)
            idEnds.reserveCapacity(Self.batch)
            pending.reserveCapacity(Self.batch)
            keys = Array(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: Self.batch)
            found = Array(repeating: -1, count: Self.batch)
            hashes = Array(repeating: 0, count: Self.batch)
        }

        mutating func add(_ e: EntryScanRow) {
            ids.append(contentsOf: e.subjectID)
            idEnds.append(ids.count)
            pending.append(InputEntry(seq: e.seq, quantity: e.quantity, ref: refs.index(library: e.library, version: e.libraryVersion, code: e.code),
                                      day: dayOrdinal(e.occurredOn)))
            if pending.count == Self.batch { flush() }
        }

        mutating func flush() {
            guard !pending.isEmpty else { return }
            let n = pending.count
            ids.withUnsafeBytes { all in
                var start = 0
                for k in 0..<n {
                    keys[k] = UnsafeRawBufferPointer(rebasing: all[start..<idEnds[k]])
                    start = idEnds[k]
                }
                keys.withUnsafeBufferPointer { k in
                    found.withUnsafeMutableBufferPointer { f in
                        hashes.withUnsafeMutableBufferPointer { h in subjects.values(UnsafeBufferPointer(rebasing: k[0..<n]), into: f, hashes: h) }
                    }
                }
            }
            for k in 0..<n where found[k] >= 0 {
                owners.append(found[k])
                entries.append(pending[k])
            }
            ids.removeAll(keepingCapacity: true)
            idEnds.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// The parts' entries subject by subject, with one table of tags for all.
    static func layOut(_ parts: [Part], scheme: CompiledScheme) -> (inputs: [SubjectInput], refs: RefTable) {
        let rows = parts[0].subjects
        let refs = RefTable(scheme)
        let remap = parts.map { p in p.refs.map { refs.index(library: $0.library, version: $0.version, code: $0.code) } }
        // Where each subject's entries start, and where each part writes its first one.
        var counts = parts.map { p -> [Int] in
            var c = [Int](repeating: 0, count: rows.count)
            for o in p.owners { c[Int(o)] += 1 }
            return c
        }
        var starts = [Int](repeating: 0, count: rows.count + 1)
        for s in 0..<rows.count { starts[s + 1] = starts[s] + counts.reduce(0) { $0 + $1[s] } }
        for s in 0..<rows.count {
            var at = starts[s]
            for p in parts.indices {
                let c = counts[p][s]
                counts[p][s] = at
                at += c
            }
        }
        let total = starts[rows.count]
        let cursors = counts, bounds = starts
        // One array for every subject's entries: each part writes its own disjoint
        // positions, then each subject's range is put in order, all on every core.
        let all = [InputEntry](unsafeUninitializedCapacity: total) { buffer, initialized in
            nonisolated(unsafe) let base = buffer
            DispatchQueue.concurrentPerform(iterations: parts.count) { p in
                var cursor = cursors[p]
                let map = remap[p]
                for (o, e) in zip(parts[p].owners, parts[p].entries) {
                    var x = e
                    x.ref = map[Int(e.ref)]
                    (base.baseAddress! + cursor[Int(o)]).initialize(to: x)
                    cursor[Int(o)] += 1
                }
            }
            let chunks = min(rows.count, System.coreCount * 8)
            DispatchQueue.concurrentPerform(iterations: max(chunks, 1)) { c in
                for s in (c * rows.count / max(chunks, 1))..<((c + 1) * rows.count / max(chunks, 1)) {
                    var slice = UnsafeMutableBufferPointer(rebasing: base[bounds[s]..<bounds[s + 1]])
                    if zip(slice, slice.dropFirst()).contains(where: { $0.order > $1.order }) { slice.sort { $0.order < $1.order } }
                }
            }
            initialized = total
        }
        let inputs = rows.indices.map { i in
            SubjectInput(row: rows[i], scoring: ResultBuilder.scoringSubject(rows[i], scheme), entries: all[bounds[i]..<bounds[i + 1]])
        }
        return (inputs, refs)
    }
}
