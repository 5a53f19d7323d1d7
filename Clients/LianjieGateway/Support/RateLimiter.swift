import Foundation
import Synchronization

/// Token buckets per client address: `burst` at once, refilled at `perMinute`. Holds at
/// most `maxClients` addresses (the least recently seen are forgotten first), so a flood
/// of addresses cannot grow it without bound. The clock is injected.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var last: Double
    }

    private let perSecond: Double
    private let burst: Double
    private let maxClients: Int
    private let now: @Sendable () -> Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(perMinute: Int, burst: Int, maxClients: Int = 10_000,
                now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.perSecond = Double(max(1, perMinute)) / 60
        self.burst = Double(max(1, burst))
        self.maxClients = maxClients
        self.now = now
    }

    /// Takes a token for `client`; nil when allowed, else the seconds until the next one.
    public func take(_ client: String) -> Int? {
        let t = now()
        return buckets.withLock { b -> Int? in
            var bucket = b[client] ?? Bucket(tokens: burst, last: t)
            bucket.tokens = min(burst, bucket.tokens + max(0, t - bucket.last) * perSecond)
            bucket.last = t
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                b[client] = bucket
                if b.count > maxClients { Self.forgetOldest(&b, keeping: maxClients * 3 / 4) }
                return nil
            }
            b[client] = bucket
            return Int(((1 - bucket.tokens) / perSecond).rounded(.up))
        }
    }

    private static func forgetOldest(_ b: inout [String: Bucket], keeping n: Int) {
        let keep = b.sorted { $0.value.last > $1.value.last }.prefix(n)
        b = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
