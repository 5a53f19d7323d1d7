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
        /// The tags entries name; an entry's `ref` is its tag's position here.
        var tags: [ConfirmedEntryTag]
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
            // Each tag's position by its number (numbers count up from 1).
            let tags = try r.confirmedEntryTags()
            var position = [Int32](repeating: -1, count: Int(tags.map(\.id).max() ?? 0) + 1)
            for (i, t) in tags.enumerated() where t.id >= 0 { position[Int(t.id)] = Int32(i) }
            let slices = min(rows.count, parts * 32)
            var done: [Slice] = []
            while case let k = nextSlice.take(), k < slices {
                let range = (k * rows.count / slices)..<((k + 1) * rows.count / slices)
                var slice = Slice(subjects: range, entries: [], counts: Array(repeating: 0, count: range.count))
                if window.from <= window.to {
                    try r.scanConfirmedEntries(subjectIDs: ids[range], days: window.from.ordinal...window.to.ordinal) { i, e in
                        guard e.tag >= 0, e.tag < position.count, case let ref = position[Int(e.tag)], ref >= 0 else {
                            throw StoreError(.failed, "an entry names a tag the store has not numbered", detail: "entry seq \(e.seq), tag \(e.tag)")
                        }
                        slice.entries.append(InputEntry(seq: e.seq, quantity: e.quantity, ref: ref, day: e.day))
                        slice.counts[i - range.lowerBound] += 1
                    }
                }
                done.append(slice)
            }
            return Part(subjects: part == 0 ? rows : [], slices: done, tags: part == 0 ? tags : [])
        }
        return layOut(read, scheme: scheme)
    }

    /// Hands out slice numbers, each once, to whichever part asks next.
    final class SliceCounter: Sendable {
        private let taken = Atomic<Int>(0)
        func take() -> Int { taken.add(1, ordering: .relaxed).oldValue }
    }

    /// The parts' slices in subject order, with the run's table of the tags they name.
    static func layOut(_ parts: [Part], scheme: CompiledScheme) -> (inputs: [SubjectInput], refs: RefTable) {
        let rows = parts[0].subjects
        // Every part read the same tags (one snapshot), each once, so the run's table numbers
        // them in the same order and entries keep their `ref`s; were a tag there twice, the
        // entries naming it would be renumbered.
        let refs = RefTable(scheme)
        let map = parts[0].tags.map { refs.index(library: $0.library, version: $0.version, code: $0.code) }
        var laidOut = parts.flatMap(\.slices).sorted { $0.subjects.lowerBound < $1.subjects.lowerBound }
        if map != Array(0..<Int32(map.count)) {
            for k in laidOut.indices { for i in laidOut[k].entries.indices { laidOut[k].entries[i].ref = map[Int(laidOut[k].entries[i].ref)] } }
        }
        let slices = laidOut
        guard !rows.isEmpty else { return ([], refs) }
        // Each slice's subjects in their own positions, on every core.
        let inputs = [SubjectInput](unsafeUninitializedCapacity: rows.count) { buffer, initialized in
            nonisolated(unsafe) let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: slices.count) { k in
                let slice = slices[k]
                var start = 0
                for (i, s) in slice.subjects.enumerated() {
                    let end = start + Int(slice.counts[i])
                    (base + s).initialize(to: SubjectInput(row: rows[s], scoring: ResultBuilder.scoringSubject(rows[s], scheme),
                                                           entries: slice.entries[start..<end]))
                    start = end
                }
            }
            initialized = rows.count
        }
        return (inputs, refs)
    }
}
