import LianjieRPC
import LianjieServiceKit
import Synchronization

/// Failed logins counted in memory, per username (known or not: an unknown one is slowed
/// down exactly like a known one, and never locked, since there is nothing to lock) and per
/// client address (too many from one address are refused without a password check).
/// Counts reset after `loginWindowSeconds` without a failure. Safe to lose: the store's
/// per-account count and lock are the durable part. Thread-safe.
final class LoginThrottle: Sendable {
    private struct Count {
        var failures: Int
        var last: Int64
    }

    private struct State {
        var usernames: [String: Count] = [:]
        var peers: [String: Count] = [:]
    }

    private let state = Mutex(State())
    private let window: Int64
    private let maxPerPeer: Int
    /// Above this many tracked keys, entries past the window are swept out.
    static let sweepAbove = 50_000

    init(settings: ServiceSettings) {
        window = settings.loginWindowSeconds
        maxPerPeer = settings.maxFailuresPerPeer
    }

    /// Whether `peer`'s address has failed too often lately.
    func peerIsBlocked(_ peer: String, now: Int64) -> Bool {
        let host = Endpoint.host(ofPeer: peer)
        return state.withLock { s in
            guard let c = s.peers[host], now - c.last < window else { return false }
            return c.failures >= maxPerPeer
        }
    }

    /// Counts a failure; returns the username's failures in a row within the window.
    func failed(username: String, peer: String, now: Int64) -> Int {
        let key = username.lowercased(), host = Endpoint.host(ofPeer: peer)
        return state.withLock { s in
            if s.usernames.count + s.peers.count > Self.sweepAbove {
                s.usernames = s.usernames.filter { now - $0.value.last < window }
                s.peers = s.peers.filter { now - $0.value.last < window }
            }
            func bump(_ c: Count?) -> Count {
                guard let c, now - c.last < window else { return Count(failures: 1, last: now) }
                return Count(failures: c.failures + 1, last: now)
            }
            s.peers[host] = bump(s.peers[host])
            let u = bump(s.usernames[key])
            s.usernames[key] = u
            return u.failures
        }
    }

    func succeeded(username: String) {
        _ = state.withLock { $0.usernames.removeValue(forKey: username.lowercased()) }
    }
}
