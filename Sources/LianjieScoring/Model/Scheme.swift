/// The three dimensions of integrity, under the red-line "core".
public enum Dimension: String, Sendable, Hashable, CaseIterable, Comparable {
    /// 廉洁行为: how the employee acts (on-time handling, praise, overdue stages…).
    case behaviour
    /// 廉洁意识: training, pledges, self-examination.
    case awareness
    /// 廉洁问题: gifts, banquets, soliciting favours, steering customers.
    case problems

    public static func < (a: Dimension, b: Dimension) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How a dimension is scored: where it starts, its range, its weight in the total.
public struct DimensionRule: Sendable, Hashable {
    /// The score with no entries (two decimals at most).
    public var base: Exact
    public var minimum: Exact
    public var maximum: Exact
    /// Share of the total, in hundredths (40 = 0.40); the three weights add up to 100.
    public var weight: Int64

    public init(base: Exact, minimum: Exact, maximum: Exact, weight: Int64) {
        self.base = base
        self.minimum = minimum
        self.maximum = maximum
        self.weight = weight
    }
}

public enum Polarity: String, Sendable, Hashable {
    /// Adds points.
    case credit
    /// Takes points away.
    case debit
}

/// One evaluation tag (评价标签).
public struct Tag: Sendable, Hashable {
    /// Unique within its library, e.g. `GIFT_ACCEPTED`.
    public var code: String
    public var name: String
    public var dimension: Dimension
    public var polarity: Polarity
    /// Points per unit of quantity, in hundredths (0.01 to 100.00).
    public var points: Int64
    /// The tag's own coefficient (系数), in hundredths (0.10 to 5.00).
    public var coefficient: Int64
    /// A red line (一票否决): a counted entry makes the grade poor whatever the points.
    public var redLine: Bool
    /// How long an entry counts (1 to 60 months): always in the period it happened in, and
    /// in every later period that ends less than this many months after it happened.
    public var windowMonths: Int
    /// How many entries of this tag count in one period at most; 0 for no limit.
    public var maxPerPeriod: Int
    /// Whether an entry of this tag should raise an alert at once.
    public var immediateAlert: Bool
    /// Whether an entry of this tag must carry evidence (a document, a photo).
    public var evidenceRequired: Bool
    /// A retired tag stays in the library, so entries made with it still count, but it
    /// takes no new entries.
    public var retired: Bool

    public init(code: String, name: String, dimension: Dimension, polarity: Polarity, points: Int64, coefficient: Int64 = 100,
                redLine: Bool = false, windowMonths: Int, maxPerPeriod: Int = 0, immediateAlert: Bool = false,
                evidenceRequired: Bool = false, retired: Bool = false) {
        self.evidenceRequired = evidenceRequired
        self.retired = retired
        self.code = code
        self.name = name
        self.dimension = dimension
        self.polarity = polarity
        self.points = points
        self.coefficient = coefficient
        self.redLine = redLine
        self.windowMonths = windowMonths
        self.maxPerPeriod = maxPerPeriod
        self.immediateAlert = immediateAlert
    }
}

/// A versioned tag library: the common one (no category), or one per business category.
public struct TagLibrary: Sendable, Hashable {
    /// `COMMON`, `HV_EXPANSION`, …
    public var code: String
    public var name: String
    /// Publishing an edit makes a new version; entries keep naming the version they used.
    public var version: Int
    /// The business category the library applies to; nil for the common library.
    public var category: String?
    public var tags: [Tag]

    public init(code: String, name: String, version: Int, category: String?, tags: [Tag]) {
        self.code = code
        self.name = name
        self.version = version
        self.category = category
        self.tags = tags
    }
}

/// A tag as an entry names it: library, library version, tag code.
public struct TagRef: Sendable, Hashable, CustomStringConvertible {
    public var library: String
    public var version: Int
    public var code: String

    public init(library: String, version: Int, code: String) {
        self.library = library
        self.version = version
        self.code = code
    }

    public var description: String { "\(library)@\(version)/\(code)" }
}

public enum Grade: String, Sendable, Hashable, CaseIterable, Comparable {
    /// 优秀
    case excellent
    /// 良好
    case good
    /// 一般
    case fair
    /// 较差
    case poor

    public static func < (a: Grade, b: Grade) -> Bool {
        allCases.firstIndex(of: a)! > allCases.firstIndex(of: b)!
    }
}

/// The lowest total of each grade; below `fair` is poor. A total exactly on a bound
/// earns the higher grade.
public struct GradeBands: Sendable, Hashable {
    public var excellent: Exact
    public var good: Exact
    public var fair: Exact

    public init(excellent: Exact, good: Exact, fair: Exact) {
        self.excellent = excellent
        self.good = good
        self.fair = fair
    }

    public func grade(_ total: Exact) -> Grade {
        if total >= excellent { return .excellent }
        if total >= good { return .good }
        if total >= fair { return .fair }
        return .poor
    }
}

/// Everything that decides a score: dimensions, libraries, coefficients, grade bands.
/// A value: two schemes with the same content have the same `hash`, on any machine.
public struct Scheme: Sendable, Hashable {
    /// A name for people, e.g. `2026.1`.
    public var version: String
    public var dimensions: [Dimension: DimensionRule]
    public var libraries: [TagLibrary]
    /// Per business category and dimension, in hundredths; a missing one is 1.00.
    public var categoryCoefficients: [String: [Dimension: Int64]]
    /// Per post code, the post's risk coefficient in hundredths, overriding the one the
    /// post was created with (so a change is versioned with the scheme); weighs debits only.
    public var postCoefficients: [String: Int64]
    public var grades: GradeBands
    /// The rules that derive entries from work orders, in the order they run.
    public var workOrderRules: [WorkOrderRule]
    /// The rules that raise alerts about subjects.
    public var alertRules: [AlertRule]
    /// What dispositions of the second form or heavier derive and cap, by form.
    public var dispositionRules: [DispositionRule]
    /// The rules that propose integrity opinions.
    public var opinionRules: [OpinionRule]

    public init(version: String, dimensions: [Dimension: DimensionRule], libraries: [TagLibrary],
                categoryCoefficients: [String: [Dimension: Int64]], postCoefficients: [String: Int64] = [:], grades: GradeBands,
                workOrderRules: [WorkOrderRule] = [], alertRules: [AlertRule] = [], dispositionRules: [DispositionRule] = [],
                opinionRules: [OpinionRule] = []) {
        self.version = version
        self.alertRules = alertRules
        self.dispositionRules = dispositionRules
        self.opinionRules = opinionRules
        self.workOrderRules = workOrderRules
        self.postCoefficients = postCoefficients
        self.dimensions = dimensions
        self.libraries = libraries
        self.categoryCoefficients = categoryCoefficients
        self.grades = grades
    }

    public func categoryCoefficient(_ category: String, _ dimension: Dimension) -> Int64 {
        categoryCoefficients[category]?[dimension] ?? 100
    }

    /// A canonical text of the whole scheme: sorted, one fact a line.
    public var canonicalText: String {
        var lines = ["version=\(version)"]
        for d in Dimension.allCases {
            if let r = dimensions[d] {
                lines.append("dimension \(d.rawValue) base=\(r.base) min=\(r.minimum) max=\(r.maximum) weight=\(r.weight)")
            }
        }
        for l in libraries.sorted(by: { ($0.code, $0.version) < ($1.code, $1.version) }) {
            lines.append("library \(l.code)@\(l.version) category=\(l.category ?? "-") name=\(l.name)")
            for t in l.tags.sorted(by: { $0.code < $1.code }) {
                lines.append("tag \(l.code)@\(l.version)/\(t.code) \(t.dimension.rawValue) \(t.polarity.rawValue) points=\(t.points) "
                             + "coefficient=\(t.coefficient) redLine=\(t.redLine) window=\(t.windowMonths) max=\(t.maxPerPeriod) "
                             + "alert=\(t.immediateAlert) evidence=\(t.evidenceRequired) retired=\(t.retired) name=\(t.name)")
            }
        }
        for c in categoryCoefficients.keys.sorted() {
            for d in Dimension.allCases {
                if let v = categoryCoefficients[c]?[d] { lines.append("category \(c) \(d.rawValue)=\(v)") }
            }
        }
        for p in postCoefficients.keys.sorted() { lines.append("post \(p)=\(postCoefficients[p]!)") }
        for r in workOrderRules { lines.append(r.canonicalLine) }
        for r in alertRules { lines.append(r.canonicalLine) }
        for r in dispositionRules { lines.append(r.canonicalLine) }
        for r in opinionRules { lines.append(r.canonicalLine) }
        lines.append("grades excellent=\(grades.excellent) good=\(grades.good) fair=\(grades.fair)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 (hex) of `canonicalText`: recorded with every result, so any past result
    /// can be matched to the exact scheme that made it.
    public var hash: String { SHA256.hex(Array(canonicalText.utf8)) }
}

/// A scheme that does not hold together, naming the offending field by its path.
public struct SchemeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// e.g. `libraries[1].tags[3].points`
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

extension Scheme {
    /// The disposition rule of `form`, if the scheme has one.
    public func dispositionRule(form: Int) -> DispositionRule? { dispositionRules.first { $0.form == form } }

    /// Checks every rule of a well-formed scheme; throws the first problem found.
    public func validate() throws(SchemeError) {
        if let first = problems().first { throw first }
    }

    /// Every rule the scheme breaks, each naming its field, in the order of the file.
    public func problems() -> [SchemeError] {
        var found: [SchemeError] = []
        func fail(_ field: String, _ reason: String) { found.append(SchemeError(field: field, reason: reason)) }
        if version.isEmpty { fail("version", "is required") }
        var weights: Int64 = 0
        var allDimensions = true
        for d in Dimension.allCases {
            let path = "dimensions.\(d.rawValue)"
            guard let r = dimensions[d] else { fail(path, "is missing"); allDimensions = false; continue }
            for (name, v) in [("base", r.base), ("minimum", r.minimum), ("maximum", r.maximum)] where v.hundredths == nil {
                fail("\(path).\(name)", "may have at most two decimals")
            }
            if r.minimum > r.maximum { fail("\(path).minimum", "is above the maximum") }
            else if r.base < r.minimum || r.base > r.maximum { fail("\(path).base", "lies outside the range") }
            if r.weight < 0 || r.weight > 100 { fail("\(path).weight", "must be between 0 and 1") }
            weights += r.weight
        }
        if allDimensions, weights != 100 { fail("dimensions", "the weights add up to \(Exact(hundredths: weights)), not 1") }
        var seen: Set<String> = []
        for (i, l) in libraries.enumerated() {
            let path = "libraries[\(i)]"
            if l.code.isEmpty { fail("\(path).code", "is required") }
            if l.name.isEmpty { fail("\(path).name", "is required") }
            if l.version < 1 { fail("\(path).version", "must be 1 or more") }
            if !seen.insert("\(l.code)@\(l.version)").inserted { fail(path, "\(l.code) version \(l.version) appears twice") }
            if let c = l.category, c.isEmpty { fail("\(path).category", "must be a category code or null") }
            var codes: Set<String> = []
            for (j, t) in l.tags.enumerated() {
                let tp = "\(path).tags[\(j)]"
                if t.code.isEmpty { fail("\(tp).code", "is required") }
                else if !codes.insert(t.code).inserted { fail("\(tp).code", "\(t.code) appears twice in the library") }
                if t.name.isEmpty { fail("\(tp).name", "is required") }
                if !(1...10_000).contains(t.points) { fail("\(tp).points", "must be between 0.01 and 100") }
                if !(10...500).contains(t.coefficient) { fail("\(tp).coefficient", "must be between 0.10 and 5") }
                if !(1...60).contains(t.windowMonths) { fail("\(tp).windowMonths", "must be between 1 and 60") }
                if !(0...1000).contains(t.maxPerPeriod) { fail("\(tp).maxPerPeriod", "must be between 0 and 1000") }
                if t.redLine, t.polarity != .debit { fail("\(tp).redLine", "only a debit can be a red line") }
            }
        }
        for c in categoryCoefficients.keys.sorted() {
            for d in Dimension.allCases {
                if let v = categoryCoefficients[c]?[d], !(10...500).contains(v) {
                    fail("categoryCoefficients.\(c).\(d.rawValue)", "must be between 0.10 and 5")
                }
            }
        }
        for p in postCoefficients.keys.sorted() where !(50...300).contains(postCoefficients[p]!) {
            fail("postCoefficients.\(p)", "must be between 0.50 and 3")
        }
        if !(grades.fair <= grades.good && grades.good <= grades.excellent) {
            fail("grades", "the bands must rise: fair ≤ good ≤ excellent")
        }
        var tags: [String: Tag] = [:]
        for l in libraries { for t in l.tags { tags["\(l.code)/\(t.code)"] = t } }
        var ruleCodes: Set<String> = []
        for (i, r) in workOrderRules.enumerated() {
            found += r.problems("workOrderRules[\(i)]", tags: tags)
            if !r.code.isEmpty, !ruleCodes.insert(r.code).inserted { fail("workOrderRules[\(i)].code", "\(r.code) appears twice") }
        }
        var alertCodes: Set<String> = []
        for (i, r) in alertRules.enumerated() {
            found += r.problems("alertRules[\(i)]")
            if !r.code.isEmpty, !alertCodes.insert(r.code).inserted { fail("alertRules[\(i)].code", "\(r.code) appears twice") }
        }
        var forms: Set<Int> = []
        for (i, r) in dispositionRules.enumerated() {
            found += r.problems("dispositionRules[\(i)]", tags: tags)
            if !forms.insert(r.form).inserted { fail("dispositionRules[\(i)].form", "form \(r.form) has two rules") }
        }
        var opinionCodes: Set<String> = []
        for (i, r) in opinionRules.enumerated() {
            found += r.problems("opinionRules[\(i)]")
            if !r.code.isEmpty, !opinionCodes.insert(r.code).inserted { fail("opinionRules[\(i)].code", "\(r.code) appears twice") }
        }
        return found
    }
}
