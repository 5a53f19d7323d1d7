import Foundation
import Synchronization

/// Group commit by leader election (as in LevelDB's writer queue): each caller queues its
/// body; whoever finds no batch under way becomes the leader, takes every body queued so
/// far and commits them in one transaction, then wakes their callers. A caller whose body
/// went into someone else's batch just waits for that batch's outcome. Nothing here spawns
/// a thread, and a body runs on some writer's thread while its own caller is blocked.
final class GroupCommit: Sendable {
    /// One queued body and, once its batch is done, its outcome.
    final class Job: @unchecked Sendable {
        // @unchecked: `run` is only called by the batch leader while the job's own caller
        // is blocked in `perform` (it cannot return before `done` is set under `state`'s
        // lock), and `outcome` is written by the leader before `done` and read by the
        // caller after it: the lock orders both.
        let run: (SQLiteAccess) throws -> Void
        var failure: (any Error)?
        var done = false

        init(_ run: @escaping (SQLiteAccess) throws -> Void) { self.run = run }

        func fail(_ error: any Error) { failure = error }
    }

    private struct State {
        var queue: [Job] = []
        var leading = false
    }

    private let state = Mutex(State())
    private let condition = NSCondition()

    /// Queues `body`, and returns its result once the transaction it ran in committed.
    /// - Parameter commitBatch: commits a batch; called by whichever caller leads it.
    func perform<T>(_ body: (any StoreWriter) throws -> T,
                    commitBatch: ([Job]) throws -> Void) throws -> T {
        try withoutActuallyEscaping(body) { escapable in
            var result: T?
            let job = Job { access in result = try escapable(access) }
            condition.lock()
            state.withLock { $0.queue.append(job) }
            while true {
                if job.done { break }
                let lead = state.withLock { s -> [Job]? in
                    guard !s.leading else { return nil }
                    s.leading = true
                    let batch = s.queue
                    s.queue.removeAll(keepingCapacity: true)
                    return batch
                }
                guard let batch = lead else {
                    condition.wait()
                    continue
                }
                condition.unlock()
                var batchFailure: (any Error)?
                do { try commitBatch(batch) } catch { batchFailure = error }
                condition.lock()
                for j in batch {
                    if let batchFailure { j.failure = batchFailure }
                    j.done = true
                }
                state.withLock { $0.leading = false }
                condition.broadcast()
            }
            condition.unlock()
            if let failure = job.failure { throw failure }
            guard let result else { preconditionFailure("a committed write job left no result") }
            return result
        }
    }
}
