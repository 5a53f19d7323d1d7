/// A rule that turns business-expansion work orders into entries, configured and
/// versioned with the scheme (its thresholds, the tag it yields, whether its entries start
/// confirmed). The rules themselves run in the data-entry service; the scheme only holds
/// what they are set to, so every derived entry can name the scheme version it came from.
public struct WorkOrderRule: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A stage took longer than its time limit (plus `graceDays`).
        case stageOverdue
        /// A complaint was recorded on the order.
        case complaint
        /// A stage took far more or less time than the same stage of peer orders of the same
        /// type: robust z-score |0.6745 (x − median) / MAD| above `threshold`, with at least
        /// `minPeers` peer stages.
        case durationOutlier
        /// 三指定: a handler's orders go to one design, construction or supply firm far more
        /// often than their peers' orders do (one-sided binomial test, see `Tests`).
        case designatedFirm
        /// The order was suspended at least `minSuspensions` times.
        case repeatedSuspension
    }

    /// Unique in the scheme, e.g. `STAGE_OVERDUE`.
    public var code: String
    public var kind: Kind
    /// The tag its entries carry, as `LIBRARY/CODE`.
    public var tag: String
    /// Whether its entries start confirmed (a rule that is certain) or submitted (a person
    /// reviews each).
    public var confirmed: Bool
    public var enabled: Bool
    /// stageOverdue: days allowed past the limit.
    public var graceDays: Int
    /// durationOutlier: the robust z-score above which a stage is an outlier (hundredths).
    public var threshold: Int64
    /// durationOutlier: peer stages needed before anyone is compared.
    public var minPeers: Int
    /// designatedFirm: the handler's orders in the period needed before they are tested.
    public var minOrders: Int
    /// designatedFirm: orders to the one firm needed.
    public var minFirmOrders: Int
    /// designatedFirm: the smallest share of the handler's orders going to the firm (hundredths).
    public var minShare: Int64
    /// designatedFirm: how many times the peers' share the handler's must be at least (hundredths).
    public var minRatio: Int64
    /// designatedFirm: the binomial tail probability below which the pattern is not chance.
    public var significance: Exact
    /// repeatedSuspension: suspensions of one order that count as repeated.
    public var minSuspensions: Int

    public init(code: String, kind: Kind, tag: String, confirmed: Bool = false, enabled: Bool = true, graceDays: Int = 0,
                threshold: Int64 = 350, minPeers: Int = 10, minOrders: Int = 8, minFirmOrders: Int = 5, minShare: Int64 = 50,
                minRatio: Int64 = 300, significance: Exact = Exact("0.001")!, minSuspensions: Int = 3) {
        self.code = code
        self.kind = kind
        self.tag = tag
        self.confirmed = confirmed
        self.enabled = enabled
        self.graceDays = graceDays
        self.threshold = threshold
        self.minPeers = minPeers
        self.minOrders = minOrders
        self.minFirmOrders = minFirmOrders
        self.minShare = minShare
        self.minRatio = minRatio
        self.significance = significance
        self.minSuspensions = minSuspensions
    }

    /// The tag as a library and a code.
    public var tagParts: (library: String, code: String)? {
        let parts = tag.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// One line of the scheme's canonical text.
    var canonicalLine: String {
        "rule \(code) \(kind.rawValue) tag=\(tag) confirmed=\(confirmed) enabled=\(enabled) grace=\(graceDays) threshold=\(threshold) "
            + "minPeers=\(minPeers) minOrders=\(minOrders) minFirmOrders=\(minFirmOrders) minShare=\(minShare) minRatio=\(minRatio) "
            + "significance=\(significance) minSuspensions=\(minSuspensions)"
    }

    /// Every rule a rule breaks, with `path` as the prefix of each field.
    func problems(_ path: String, tags: [String: Tag]) -> [SchemeError] {
        var found: [SchemeError] = []
        func fail(_ field: String, _ reason: String) { found.append(SchemeError(field: "\(path).\(field)", reason: reason)) }
        if code.isEmpty { fail("code", "is required") }
        if let (library, tagCode) = tagParts {
            if tags["\(library)/\(tagCode)"] == nil { fail("tag", "no tag \(tag) in the scheme") }
        } else {
            fail("tag", "must be LIBRARY/CODE")
        }
        if !(0...365).contains(graceDays) { fail("graceDays", "must be between 0 and 365") }
        if !(100...10_000).contains(threshold) { fail("threshold", "must be between 1 and 100") }
        if !(3...100_000).contains(minPeers) { fail("minPeers", "must be between 3 and 100000") }
        if !(3...100_000).contains(minOrders) { fail("minOrders", "must be between 3 and 100000") }
        if !(2...100_000).contains(minFirmOrders) { fail("minFirmOrders", "must be between 2 and 100000") }
        if !(1...100).contains(minShare) { fail("minShare", "must be between 0.01 and 1") }
        if !(100...10_000).contains(minRatio) { fail("minRatio", "must be between 1 and 100") }
        if !(significance > Exact(0) && significance <= Exact("0.1")!) { fail("significance", "must be above 0 and at most 0.1") }
        if !(2...100).contains(minSuspensions) { fail("minSuspensions", "must be between 2 and 100") }
        return found
    }
}
