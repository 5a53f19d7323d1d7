import Dispatch
import Synchronization

/// Group commit by leader election (as in LevelDB's writer queue): each caller queues its
/// body; whoever finds no batch under way becomes the leader, takes every body queued so
/// far and commits them in one transaction, then wakes exactly their callers. A batch is
/// whatever arrived while the previous one was committing, so its size follows the load:
/// one body when calls are sparse, hundreds under a burst, one fsync for all of them.
///
/// A body comes either with a caller blocked until it is committed (`perform`) or with a
/// completion and no caller waiting (`performLater`: a worker thread hands its write on
/// and is free at once). Batches whose first body nobody waits for are led by the
/// committer, a thread of the store's own (`StoreThread`), so no caller's thread is kept
/// leading for others (a blocked caller whose own body is done returns). After a batch,
/// the leader hands the lead to the next blocked caller in the queue, or to the committer.
/// Each blocked caller sleeps on its own semaphore and is woken once, to return or to
/// lead: no broadcast wakes every waiting thread for each batch.
final class GroupCommit: Sendable {
    /// One queued body and, once its batch is done, its outcome.
    final class Job: @unchecked Sendable {
        // @unchecked: `body`, `failure` and `done` are touched by the batch leader only,
        // while the job's caller is blocked on `wake` (or, for a job with a completion, has
        // moved on and never looks again); the leader writes them before signalling `wake`
        // or calling `completion`, so those order every later read. `leads` is written under
        // the queue's lock before the signal, likewise.
        /// The caller's body; dropped by the leader before the caller hears of it, so a
        /// caller's non-escaping closure never outlives its call.
        private var body: ((SQLiteAccess) throws -> Void)?
        /// Nil for a job nobody waits for.
        let wake: DispatchSemaphore?
        let completion: (@Sendable ((any Error)?) -> Void)?
        /// Whether the body may run again after its changes were undone: true for a body
        /// nobody waits for (`performLater` takes only `@Sendable` ones, which change
        /// nothing of their caller's), false for a caller's, which may change the caller's
        /// own variables.
        var rerunnable: Bool { completion != nil }
        var failure: (any Error)?
        var done = false
        var leads = false

        init(_ body: @escaping (SQLiteAccess) throws -> Void, completion: (@Sendable ((any Error)?) -> Void)? = nil) {
            self.body = body
            self.completion = completion
            wake = completion == nil ? DispatchSemaphore(value: 0) : nil
        }

        func run(_ access: SQLiteAccess) throws { try body?(access) }

        func fail(_ error: any Error) { failure = error }

        /// Marks the job done and tells its caller (unless that is the running thread).
        func finish(_ batchFailure: (any Error)?, isCurrent: Bool) {
            if let batchFailure { failure = batchFailure }
            body = nil
            done = true
            if let completion { completion(failure) } else if !isCurrent { wake!.signal() }
        }
    }

    private struct State {
        var queue: [Job] = []
        var leading = false
    }

    private let state = Mutex(State())
    /// Leads batches that start with bodies nobody waits for.
    private let committer = StoreThread(name: "lianjie-committer")

    /// Queues `body`, and returns its result once the transaction it ran in committed.
    /// - Parameter commitBatch: commits a batch; called by whichever caller leads it.
    func perform<T>(_ body: (any StoreWriter) throws -> T, commitBatch: @escaping @Sendable ([Job]) throws -> Void) throws -> T {
        try withoutActuallyEscaping(body) { escapable in
            var result: T?
            let job = Job { access in result = try escapable(access) }
            if !enqueue(job) { job.wake!.wait() }
            if !job.done { lead(commitBatch, current: job) }
            if let failure = job.failure { throw failure }
            guard let result else { preconditionFailure("a committed write job left no result") }
            return result
        }
    }

    /// Queues `body` and returns at once; `completion` runs (on the leader's thread) once
    /// the transaction it ran in committed or failed. Completions must not call back into
    /// the store synchronously: they run while their leader leads.
    func performLater(_ body: @escaping @Sendable (SQLiteAccess) throws -> Void, completion: @escaping @Sendable ((any Error)?) -> Void,
                      commitBatch: @escaping @Sendable ([Job]) throws -> Void) {
        let job = Job(body, completion: completion)
        if enqueue(job) { committer.run { self.lead(commitBatch, current: nil) } }
    }

    /// Adds a job; true when its caller is to lead now.
    private func enqueue(_ job: Job) -> Bool {
        state.withLock { s -> Bool in
            s.queue.append(job)
            guard !s.leading else { return false }
            s.leading = true
            job.leads = true
            return true
        }
    }

    /// Commits batches until the queue is empty, or hands the lead on: to a blocked caller
    /// at the head of the queue, or (from a caller's thread) to the committer when the
    /// head is a body nobody waits for. `current` is the calling thread's own job (nil on
    /// the committer).
    private func lead(_ commitBatch: @escaping @Sendable ([Job]) throws -> Void, current: Job?) {
        while true {
            let batch = state.withLock { s -> [Job] in
                let b = s.queue
                s.queue.removeAll(keepingCapacity: true)
                return b
            }
            var batchFailure: (any Error)?
            do { try commitBatch(batch) } catch { batchFailure = error }
            for j in batch { j.finish(batchFailure, isCurrent: current.map { j === $0 } ?? false) }
            let next = state.withLock { s -> (Job?, Bool) in
                guard let first = s.queue.first else {
                    s.leading = false
                    return (nil, false)
                }
                guard first.wake != nil else { return (nil, true) }  // nobody waits on it: the committer leads
                first.leads = true
                return (first, false)
            }
            if let handOff = next.0 { handOff.wake!.signal() }
            guard next.1 else { return }
            if current != nil {
                committer.run { self.lead(commitBatch, current: nil) }
                return
            }
        }
    }
}
