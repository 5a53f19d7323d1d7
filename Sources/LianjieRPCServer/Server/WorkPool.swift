import CLianjieSys
import Foundation
import Synchronization

/// A fixed set of threads running blocking work (SQLite, password hashing) off the event
/// loops, with a bounded queue: when it is full, `submit` refuses at once so the caller
/// can answer UNAVAILABLE instead of queueing without bound. A slot is emptied the moment
/// its work is taken, so nothing it captured (a request body, a token) outlives the call.
/// Thread-safe.
final class WorkPool: Sendable {
    private struct State {
        var queue: [(@Sendable () -> Void)?] = []
        var head = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let condition = NSCondition()
    private let maxQueued: Int
    private let nice: Int32

    /// - Parameter nice: how much nicer than their creator the threads run (Linux keeps
    ///   niceness per thread; raising it needs no privilege).
    init(name: String, threads: Int, maxQueued: Int, nice: Int = 0) {
        self.maxQueued = maxQueued
        self.nice = Int32(clamping: min(max(nice, 0), 19))
        for i in 0..<max(1, threads) {
            let t = Thread { [self] in self.run() }
            t.name = "\(name)-\(i)"
            t.start()
        }
    }

    /// Work queued and not yet taken by a thread.
    var queuedCount: Int { state.withLock { $0.queue.count - $0.head } }

    /// Queues `work`; false when the queue is full or the pool stopped.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let accepted = state.withLock { s -> Bool in
            guard !s.stopped, s.queue.count - s.head < maxQueued else { return false }
            s.queue.append(work)
            return true
        }
        if accepted { condition.signal() }
        return accepted
    }

    /// Lets the threads finish what is queued and exit.
    func stop() {
        condition.lock()
        state.withLock { $0.stopped = true }
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        if nice > 0 { _ = lj_thread_renice(nice) }
        while true {
            condition.lock()
            var work: (@Sendable () -> Void)?
            while true {
                let (next, stopped) = state.withLock { s -> ((@Sendable () -> Void)?, Bool) in
                    guard s.head < s.queue.count else { return (nil, s.stopped) }
                    let w = s.queue[s.head]
                    s.queue[s.head] = nil
                    s.head += 1
                    if s.head == s.queue.count {
                        s.queue.removeAll(keepingCapacity: s.queue.capacity <= 4096)
                        s.head = 0
                    } else if s.head > 1024, s.head * 2 > s.queue.count {
                        s.queue.removeFirst(s.head)
                        s.head = 0
                    }
                    return (w, false)
                }
                if let next { work = next; break }
                if stopped { condition.unlock(); return }
                condition.wait()
            }
            condition.unlock()
            work?()
        }
    }
}
