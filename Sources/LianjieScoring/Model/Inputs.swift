/// A subject as the core needs it.
public struct ScoringSubject: Sendable, Hashable {
    public var id: String
    /// The business category's code, e.g. `HV_EXPANSION`.
    public var category: String
    /// The post's risk coefficient in hundredths (130 = 1.30); weighs debits only.
    public var postCoefficient: Int64
    /// E.g. `staff`, `team_leader` (for grouping peers; it does not change points).
    public var positionLevel: String

    public init(id: String, category: String, postCoefficient: Int64 = 100, positionLevel: String = "staff") {
        self.id = id
        self.category = category
        self.postCoefficient = postCoefficient
        self.positionLevel = positionLevel
    }
}

public enum EntryStatus: String, Sendable, Hashable {
    case submitted, confirmed, rejected, revoked
}

/// An integrity entry as the core needs it: which tag, when, how much, and whether it is
/// confirmed (only confirmed entries count).
public struct ScoringEntry: Sendable, Hashable {
    public var id: UInt64
    /// The tag's index in a `CompiledScheme` (see `CompiledScheme.tagID(_:)`).
    public var tag: Int32
    public var occurredOn: Day
    /// Units of the tag, in hundredths (100 = once); 0.01 to 100.
    public var quantity: Int64
    public var status: EntryStatus

    public init(id: UInt64, tag: Int32, occurredOn: Day, quantity: Int64 = 100, status: EntryStatus = .confirmed) {
        self.id = id
        self.tag = tag
        self.occurredOn = occurredOn
        self.quantity = quantity
        self.status = status
    }
}

/// A validated scheme with its tags numbered for fast scoring. Immutable; share it freely.
public final class CompiledScheme: Sendable {
    public struct Entry: Sendable {
        public let ref: TagRef
        public let category: String?
        public let tag: Tag
    }

    public let scheme: Scheme
    public let hash: String
    /// Every tag of every library version, numbered from 0.
    public let tags: [Entry]
    private let index: [TagRef: Int32]

    /// Validates `scheme` and numbers its tags.
    /// - Throws: `SchemeError` naming the first bad field.
    public init(_ scheme: Scheme) throws(SchemeError) {
        try scheme.validate()
        self.scheme = scheme
        hash = scheme.hash
        var tags: [Entry] = []
        var index: [TagRef: Int32] = [:]
        for l in scheme.libraries.sorted(by: { ($0.code, $0.version) < ($1.code, $1.version) }) {
            for t in l.tags.sorted(by: { $0.code < $1.code }) {
                let ref = TagRef(library: l.code, version: l.version, code: t.code)
                index[ref] = Int32(tags.count)
                tags.append(Entry(ref: ref, category: l.category, tag: t))
            }
        }
        self.tags = tags
        self.index = index
    }

    /// The number of a tag, or nil when the scheme has no such tag.
    public func tagID(_ ref: TagRef) -> Int32? { index[ref] }

    /// The same tag (library and code) in the newest version of its library that this
    /// scheme has: how a what-if scores existing entries under a proposed scheme.
    public func equivalentTagID(_ ref: TagRef) -> Int32? {
        let candidates = tags.enumerated().filter { $0.element.ref.library == ref.library && $0.element.ref.code == ref.code }
        return candidates.max { $0.element.ref.version < $1.element.ref.version }.map { Int32($0.offset) }
    }
}
