import Foundation
public import LianjieScoring
public import LianjieStore
import Synchronization

/// Published scheme versions, read and compiled once per process. Safe to keep: a
/// published version never changes (the store refuses), so an entry is never stale and
/// another process sees the same versions; losing the cache only costs a re-read.
public final class PublishedSchemes: Sendable {
    public struct Version: Sendable {
        public let record: SchemeVersionRecord
        public let compiled: CompiledScheme
    }

    private let cache = Mutex<[Int: Version]>([:])

    public init() {}

    /// The current (newest) published version; nil before any is published.
    public func current(_ r: any StoreReader) throws -> Version? {
        let latest = try r.latestSchemeVersion()
        return latest == 0 ? nil : try version(latest, r)
    }

    /// A published version; nil when there is none with that number.
    public func version(_ number: Int, _ r: any StoreReader) throws -> Version? {
        if let hit = cache.withLock({ $0[number] }) { return hit }
        guard let record = try r.publishedScheme(version: number) else { return nil }
        let compiled: CompiledScheme
        do {
            compiled = try CompiledScheme(try SchemeLoader.load(Data(record.document.utf8)))
        } catch {
            throw StoreError(.failed, "a published scheme cannot be read", detail: "scheme version \(number): \(error)")
        }
        let found = Version(record: record, compiled: compiled)
        cache.withLock { $0[number] = found }
        return found
    }
}

/// Category codes by id, read once per process. Safe to keep: a category is never changed
/// or removed once created (there is no RPC that would), so no process sees a stale code.
public final class CategoryCodes: Sendable {
    private let cache = Mutex<[String: String]>([:])

    public init() {}

    /// The code of category `id`; empty when there is none.
    public func code(_ id: String, _ r: any StoreReader) throws -> String {
        if let hit = cache.withLock({ $0[id] }) { return hit }
        guard let category = try r.category(id: id) else { return "" }
        cache.withLock { $0[id] = category.code }
        return category.code
    }
}
