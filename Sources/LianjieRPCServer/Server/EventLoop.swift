import CLianjieSys
import Foundation
import Synchronization
import LianjieRPC

/// Something an event loop watches: a socket, or the listener.
protocol LoopChannel: AnyObject {
    /// Called on the loop thread when the fd is readable, writable, or hung up.
    func onEvent(readable: Bool, writable: Bool, hangup: Bool)
    /// Called on the loop thread about once a second, for idle timeouts.
    func tick(now: UInt64)
}

/// One thread running `epoll_wait` over the channels registered on it.
///
/// Concurrency: `channels`, `timers` and everything a channel owns are touched only on
/// this loop's thread (`assertOnLoop()`); other threads hand work in through
/// `execute(_:)`, which is guarded by a mutex and wakes the loop through an eventfd.
/// That confinement is why the class is `@unchecked Sendable`.
final class EventLoop: @unchecked Sendable {
    private let epfd: Int32
    private let wakeFD: Int32
    private var channels: [UInt64: LoopChannel] = [:]
    private var nextToken: UInt64 = 2
    private let pending = Mutex<[@Sendable () -> Void]>([])
    private var timers = TimerHeap()
    private let threadID = Mutex<pthread_t?>(nil)
    private let stopRequested = Atomic<Bool>(false)
    private let exited = Atomic<Bool>(false)
    private var lastTick: UInt64 = 0
    let name: String
    /// Scratch space for socket reads; every channel reads through it on this loop's thread.
    let readBuffer = LoopBuffer()

    private static let wakeToken: UInt64 = 1

    init(name: String) throws(RPCServerError) {
        self.name = name
        epfd = lj_epoll_create()
        wakeFD = lj_eventfd()
        guard epfd >= 0, wakeFD >= 0 else { throw RPCServerError("cannot create an event loop: \(String(cString: strerror(errno)))") }
        _ = lj_epoll_add(epfd, wakeFD, 1, 0, Self.wakeToken)
    }

    /// Starts the loop's thread.
    func start() {
        let t = Thread { [self] in self.run() }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
    }

    var isOnLoop: Bool {
        threadID.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
    }

    func assertOnLoop() {
        assert(isOnLoop, "must run on event loop \(name)")
    }

    /// Runs `task` on the loop thread soon. Thread-safe.
    func execute(_ task: @escaping @Sendable () -> Void) {
        let wasEmpty = pending.withLock { p -> Bool in
            p.append(task)
            return p.count == 1
        }
        if wasEmpty {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Watches `fd` for `channel`; loop thread only. Returns the channel's token.
    func register(fd: Int32, _ channel: LoopChannel) -> UInt64? {
        assertOnLoop()
        let token = nextToken
        nextToken += 1
        guard lj_epoll_add(epfd, fd, 1, 0, token) == 0 else { return nil }
        channels[token] = channel
        return token
    }

    func setInterest(fd: Int32, token: UInt64, readable: Bool, writable: Bool) {
        assertOnLoop()
        _ = lj_epoll_modify(epfd, fd, readable ? 1 : 0, writable ? 1 : 0, token)
    }

    /// Stops watching `fd`; the caller closes it afterwards.
    func deregister(fd: Int32, token: UInt64) {
        assertOnLoop()
        _ = lj_epoll_remove(epfd, fd)
        channels[token] = nil
    }

    /// Runs `action` on the loop thread at monotonic time `when`; loop thread only.
    /// Returns an id for `cancel`.
    @discardableResult
    func schedule(at when: UInt64, _ action: @escaping () -> Void) -> UInt64 {
        assertOnLoop()
        return timers.push(when, action)
    }

    /// Drops a timer that has not run yet, and what its action holds; loop thread only.
    func cancel(timer id: UInt64) {
        assertOnLoop()
        timers.cancel(id)
    }

    /// Timers waiting to run; loop thread only.
    var pendingTimerCount: Int { timers.count }

    /// Every channel now registered; loop thread only.
    var allChannels: [LoopChannel] { Array(channels.values) }

    /// Asks the loop to exit after its current iteration.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    var hasExited: Bool { exited.load(ordering: .acquiring) }

    private func run() {
        threadID.withLock { $0 = pthread_self() }
        var tokens = [UInt64](repeating: 0, count: 256)
        var flags = [UInt32](repeating: 0, count: 256)
        lastTick = MonotonicClock.now()
        while !stopRequested.load(ordering: .acquiring) {
            let now = MonotonicClock.now()
            var timeout = Int32(1000)
            if let next = timers.nextDeadline {
                timeout = next <= now ? 0 : Int32(min(1000, (next - now + 999_999) / 1_000_000))
            }
            let n = tokens.withUnsafeMutableBufferPointer { t in
                flags.withUnsafeMutableBufferPointer { f in
                    lj_epoll_wait(epfd, t.baseAddress, f.baseAddress, 256, timeout)
                }
            }
            if n > 0 {
                for i in 0..<Int(n) {
                    let token = tokens[i]
                    if token == Self.wakeToken {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                        continue
                    }
                    guard let channel = channels[token] else { continue }
                    let f = flags[i]
                    channel.onEvent(readable: f & 1 != 0, writable: f & 2 != 0, hangup: f & 4 != 0)
                }
            }
            runPending()
            let after = MonotonicClock.now()
            while let action = timers.popDue(after) { action() }
            if after - lastTick >= 1_000_000_000 {
                lastTick = after
                for channel in channels.values { channel.tick(now: after) }
            }
        }
        runPending()
        exited.store(true, ordering: .releasing)
    }

    private func runPending() {
        let tasks = pending.withLock { p -> [@Sendable () -> Void] in
            let t = p
            p.removeAll(keepingCapacity: true)
            return t
        }
        for task in tasks { task() }
    }
}

/// A 64 KiB scratch buffer owned by one event loop thread.
final class LoopBuffer: @unchecked Sendable {
    // @unchecked: each buffer belongs to one `EventLoop` and is used only on its thread.
    var bytes = [UInt8](repeating: 0, count: 64 * 1024)

    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        bytes.withUnsafeMutableBytes(body)
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes(body)
    }
}

/// Timed actions: a binary min-heap of (time, id) and the actions by id. A cancelled
/// timer's action is released at once (so whatever it captured is freed), and its heap
/// slot is dropped when it comes due or when cancelled slots outnumber live ones.
struct TimerHeap {
    private var items: [(when: UInt64, id: UInt64)] = []
    private var actions: [UInt64: () -> Void] = [:]
    private var nextID: UInt64 = 0

    /// Timers still to run.
    var count: Int { actions.count }

    var nextDeadline: UInt64? {
        mutating get {
            while let first = items.first, actions[first.id] == nil { removeFirst() }
            return items.first?.when
        }
    }

    @discardableResult
    mutating func push(_ when: UInt64, _ action: @escaping () -> Void) -> UInt64 {
        nextID += 1
        actions[nextID] = action
        items.append((when, nextID))
        siftUp(items.count - 1)
        return nextID
    }

    mutating func cancel(_ id: UInt64) {
        guard actions.removeValue(forKey: id) != nil else { return }
        if items.count > 64, items.count > 2 * actions.count {
            items.removeAll { actions[$0.id] == nil }
            for i in stride(from: items.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    mutating func popDue(_ now: UInt64) -> (() -> Void)? {
        while let first = items.first, first.when <= now {
            removeFirst()
            if let action = actions.removeValue(forKey: first.id) { return action }
        }
        return nil
    }

    private mutating func removeFirst() {
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, less(l, m) { m = l }
            if r < items.count, less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].when < items[b].when || (items[a].when == items[b].when && items[a].id < items[b].id)
    }
}
