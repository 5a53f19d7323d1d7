import Dispatch
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import Synchronization

/// Reads a run's inputs: the subjects in scope and every confirmed entry of theirs in a
/// window of days, read in parts on every core from one snapshot (`Store.readTogether`),
/// each part taking slices of the subjects in turn. The store hands each subject's entries
/// over together in the scoring core's order (day, then seq), so a slice keeps them as they
/// come, in one array per slice.
enum InputGathering {
    /// A run of consecutive subjects (positions `subjects` in the list) and their entries.
    struct Slice: Sendable {
        var subjects: Range<Int>
        /// Every entry of these subjects, subject by subject.
        var entries: [InputEntry]
        /// How many of `entries` each subject has.
        var counts: [Int32]
    }

    /// What one part read.
    struct Part: Sendable {
        var subjects: [EvaluationSubjectRow]
        var slices: [Slice]
        /// The tags the part's entries name, numbered as its entries' `ref`s are.
        var refs: [TagRef]
    }

    /// - Parameter subjects: reads the subjects in scope (run by every part, in the same
    ///   snapshot, so every part sees the same list).
    static func gather(_ store: any Store, window: (from: Day, to: Day), scheme: CompiledScheme,
                       subjects: @escaping @Sendable (any StoreReader) throws -> [EvaluationSubjectRow]) throws -> (inputs: [SubjectInput], refs: RefTable) {
        let parts = max(1, min(System.coreCount, 4))
        // Slices that the parts take in turn, each the next one left: a part that falls
        // behind (its core busy with other work, its pages not yet cached) takes fewer, so
        // the parts finish together.
        let nextSlice = SliceCounter()
        let read = try store.readTogether(parts: parts) { part, r -> Part in
            let rows = try subjects(r)
            let ids = rows.map(\.subjectID)
            let slices = min(rows.count, parts * 32)
            var refs = RefKeys()
            var done: [Slice] = []
            while case let k = nextSlice.take(), k < slices {
                let range = (k * rows.count / slices)..<((k + 1) * rows.count / slices)
                var slice = Slice(subjects: range, entries: [], counts: Array(repeating: 0, count: range.count))
                if window.from <= window.to {
                    try r.scanConfirmedEntries(subjectIDs: ids[range], days: window.from.ordinal...window.to.ordinal) { i, e in
                        slice.entries.append(InputEntry(seq: e.seq, quantity: e.quantity,
                                                        ref: refs.index(library: e.library, version: e.libraryVersion, code: e.code), day: e.day))
                        slice.counts[i - range.lowerBound] += 1
                    }
                }
                done.append(slice)
            }
            return Part(subjects: part == 0 ? rows : [], slices: done, refs: refs.refs)
        }
        return layOut(read, scheme: scheme)
    }

    /// Hands out slice numbers, each once, to whichever part asks next.
    final class SliceCounter: Sendable {
        private let taken = Atomic<Int>(0)
        func take() -> Int { taken.add(1, ordering: .relaxed).oldValue }
    }

    /// The parts' slices in subject order, their entries' tags numbered in one table for all.
    static func layOut(_ parts: [Part], scheme: CompiledScheme) -> (inputs: [SubjectInput], refs: RefTable) {
        let rows = parts[0].subjects
        let refs = RefTable(scheme)
        let remap = parts.map { p in p.refs.map { refs.index(library: $0.library, version: $0.version, code: $0.code) } }
        var slices = parts.indices.flatMap { p in parts[p].slices.map { (part: p, slice: $0) } }
        slices.sort { $0.slice.subjects.lowerBound < $1.slice.subjects.lowerBound }
        // Each part's tag numbers as the run's, on every core, each slice in place.
        slices.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let all = buffer
            DispatchQueue.concurrentPerform(iterations: all.count) { k in
                let map = remap[all[k].part]
                all[k].slice.entries.withUnsafeMutableBufferPointer { entries in
                    for i in entries.indices { entries[i].ref = map[Int(entries[i].ref)] }
                }
            }
        }
        var inputs: [SubjectInput] = []
        inputs.reserveCapacity(rows.count)
        for (_, slice) in slices {
            var start = 0
            for (i, s) in slice.subjects.enumerated() {
                let end = start + Int(slice.counts[i])
                inputs.append(SubjectInput(row: rows[s], scoring: ResultBuilder.scoringSubject(rows[s], scheme), entries: slice.entries[start..<end]))
                start = end
            }
        }
        return (inputs, refs)
    }
}
