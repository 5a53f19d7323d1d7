import Dispatch
import Foundation
import Synchronization

/// A thread of the store's own that runs what it is given, in order: the group commit's
/// committer and the background checkpointer. Not a dispatch queue, so its scheduling is
/// its own: a thread takes the niceness of the thread that makes it, the store is made
/// before the server's workers (which run `worker_nice` nicer), and a dispatch queue's
/// threads may be made by a worker. So the committer, which leads every batch of writes
/// nobody waits on, and the checkpointer, which keeps the WAL short, are never queued
/// behind a crowd of workers.
///
/// The thread ends when its `StoreThread` goes (with its store), after what it was given.
final class StoreThread: Sendable {
    /// What the thread holds: not the `StoreThread`, whose going ends it.
    private final class Core: Sendable {
        struct State {
            var work: [@Sendable () -> Void] = []
            var stopped = false
        }

        let state = Mutex(State())
        let wake = DispatchSemaphore(value: 0)

        func loop() {
            while true {
                wake.wait()
                let (work, stopped) = state.withLock { s in
                    defer { s.work.removeAll(keepingCapacity: true) }
                    return (s.work, s.stopped)
                }
                for w in work { w() }
                if stopped { return }
            }
        }
    }

    private let core = Core()

    init(name: String) {
        let t = Thread { [core] in core.loop() }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
    }

    deinit {
        core.state.withLock { $0.stopped = true }
        core.wake.signal()
    }

    /// Runs `work` on the thread, after whatever it was given before.
    func run(_ work: @escaping @Sendable () -> Void) {
        core.state.withLock { $0.work.append(work) }
        core.wake.signal()
    }

    /// Returns once everything given so far has run. Not from the thread itself.
    func waitUntilIdle() {
        let done = DispatchSemaphore(value: 0)
        run { done.signal() }
        done.wait()
    }
}
