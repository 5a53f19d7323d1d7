public import LianjieStore
import Synchronization

/// Subjects with their organisation, by the key a request names them with (id or employee
/// number), kept in memory so that the calls that name a subject most (every submitted
/// entry) skip the store's lookup.
///
/// An entry is used only while the store's `subjectGeneration` is the one read before the
/// read that loaded it began — every committed change to a subject or an organisation bumps
/// it, so a move, a change of status or a new path takes effect at the very next call — and
/// for at most `maxAgeSeconds`. While the generation is odd (such a change is committing)
/// the cache is passed by: nothing is used or kept. Losing the cache loses nothing.
/// Thread-safe.
public final class SubjectCache: Sendable {
    private struct Entry {
        var subject: SubjectRecord
        var organization: OrganizationRecord
        var generation: UInt64
        var loadedAt: Int64
    }

    private let cache = Mutex<[String: Entry]>([:])
    /// Above this many entries the cache starts again from empty.
    static let maxEntries = 100_000
    static let maxAgeSeconds: Int64 = 60

    public init() {}

    /// The subject `key` names, with its organisation, or nil when there is none.
    /// - Parameters:
    ///   - generation: `Store.subjectGeneration` as read before the read `r` belongs to began.
    ///   - now: Unix seconds now.
    public func subjectWithOrganization(key: String, generation: UInt64, now: Int64,
                                        _ r: any StoreReader) throws -> (SubjectRecord, OrganizationRecord)? {
        guard generation & 1 == 0 else { return try r.subjectWithOrganization(key: key) }
        let hit = cache.withLock { c -> (SubjectRecord, OrganizationRecord)? in
            guard let e = c[key], e.generation == generation, now - e.loadedAt < Self.maxAgeSeconds, now >= e.loadedAt else { return nil }
            return (e.subject, e.organization)
        }
        if let hit { return hit }
        guard let (s, o) = try r.subjectWithOrganization(key: key) else { return nil }
        cache.withLock { c in
            if c.count >= Self.maxEntries { c.removeAll() }
            c[key] = Entry(subject: s, organization: o, generation: generation, loadedAt: now)
        }
        return (s, o)
    }
}
