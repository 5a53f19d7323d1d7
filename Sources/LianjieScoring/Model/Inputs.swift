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

    /// Per tag, for subjects of one category: points × tag × category coefficient (10⁻⁶),
    /// signed, or nil when the tag's library belongs to another category.
    struct CategoryTable: Sendable {
        let factors: [Int128?]
        /// The category coefficient of each tag's dimension, in hundredths.
        let coefficients: [Int64]
    }

    public let scheme: Scheme
    public let hash: String
    /// Every tag of every library version, numbered from 0.
    public let tags: [Entry]
    private let index: [TagRef: Int32]
    private let categoryTables: [String: CategoryTable]
    /// The per-tag facts the scoring loop reads, as plain arrays (no strings to retain).
    let dimensionSlot: [UInt8]
    let isDebit: [Bool]
    let isRedLine: [Bool]
    let maxPerPeriod: [Int32]
    let windowMonths: [Int]

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
        dimensionSlot = tags.map { UInt8(Dimension.allCases.firstIndex(of: $0.tag.dimension)!) }
        isDebit = tags.map { $0.tag.polarity == .debit }
        isRedLine = tags.map(\.tag.redLine)
        maxPerPeriod = tags.map { Int32($0.tag.maxPerPeriod) }
        windowMonths = tags.map(\.tag.windowMonths)
        var tables: [String: CategoryTable] = [:]
        for category in Set(scheme.categoryCoefficients.keys).union(scheme.libraries.compactMap(\.category)) {
            tables[category] = Self.table(tags, scheme, category)
        }
        categoryTables = tables
    }

    private static func table(_ tags: [Entry], _ scheme: Scheme, _ category: String) -> CategoryTable {
        let coefficients = tags.map { scheme.categoryCoefficient(category, $0.tag.dimension) }
        return CategoryTable(factors: tags.enumerated().map { i, t in
            guard t.category == nil || t.category == category else { return nil }
            let f = Int128(t.tag.points) * Int128(t.tag.coefficient) * Int128(coefficients[i])
            return t.tag.polarity == .debit ? -f : f
        }, coefficients: coefficients)
    }

    /// The factors for subjects of `category` (computed at once for a category the scheme does not name).
    func categoryTable(_ category: String) -> CategoryTable {
        categoryTables[category] ?? Self.table(tags, scheme, category)
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
