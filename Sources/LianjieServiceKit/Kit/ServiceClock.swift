import Glibc
import Synchronization

/// Wall-clock time as the services see it: one injected source, so tests can set and
/// move it (`ManualClock`) instead of sleeping. Deadlines and timeouts of the transport use
/// the monotonic clock instead.
public protocol ServiceClock: Sendable {
    /// Unix nanoseconds.
    func nowNanos() -> Int64
}

extension ServiceClock {
    /// Unix seconds.
    public func now() -> Int64 { nowNanos() / 1_000_000_000 }
}

/// The system's real-time clock.
public struct SystemClock: ServiceClock {
    public init() {}

    public func nowNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// A clock that stands still until told to move; for tests. Thread-safe.
public final class ManualClock: ServiceClock {
    private let nanos: Atomic<Int64>

    public init(unixSeconds: Int64 = 1_796_000_000) { nanos = Atomic(unixSeconds * 1_000_000_000) }

    public func nowNanos() -> Int64 { nanos.load(ordering: .acquiring) }

    /// Moves the clock forward.
    public func advance(seconds: Int64) { nanos.wrappingAdd(seconds * 1_000_000_000, ordering: .acquiringAndReleasing) }
}
