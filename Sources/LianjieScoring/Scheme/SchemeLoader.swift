import Foundation

/// Reads a scheme from its JSON form (see `Resources/default-scheme.json`).
///
/// Decimals are written as strings (`"1.20"`) so they stay exact. Any error names the
/// offending field by its path, e.g. `libraries[1].tags[3].points`.
public enum SchemeLoader {
    /// The default "1+3" scheme shipped with Lianjie.
    public static func defaultScheme() throws(SchemeError) -> Scheme {
        guard let url = Bundle.module.url(forResource: "default-scheme", withExtension: "json"),
              let data = try? Data(contentsOf: url) else {
            throw SchemeError(field: "", reason: "the default scheme file is missing from the build")
        }
        return try load(data)
    }

    /// Parses and validates a scheme.
    /// - Throws: the first problem found (see `check` for all of them).
    public static func load(_ data: Data) throws(SchemeError) -> Scheme {
        let scheme = try parse(data)
        try scheme.validate()
        return scheme
    }

    /// Parses a scheme and reports every problem: the first that stops reading (bad JSON,
    /// a missing or mistyped field, a field the format does not have), or else every rule
    /// the scheme breaks. The scheme is nil when it could not be read.
    public static func check(_ data: Data) -> (scheme: Scheme?, problems: [SchemeError]) {
        do {
            let scheme = try parse(data)
            return (scheme, scheme.problems())
        } catch {
            return (nil, [error])
        }
    }

    /// Reads the file's shape without checking the scheme's rules.
    static func parse(_ data: Data) throws(SchemeError) -> Scheme {
        if let unknown = unknownField(data) { throw SchemeError(field: unknown, reason: "is not a field of a scheme file") }
        let file: SchemeFile
        do {
            file = try JSONDecoder().decode(SchemeFile.self, from: data)
        } catch let error as DecodingError {
            throw describe(error)
        } catch let error as SchemeError {
            throw error
        } catch {
            throw SchemeError(field: "", reason: "is not valid JSON")
        }
        return try file.scheme()
    }

    /// The fields each object of a scheme file may have (a misspelt optional field would
    /// otherwise be ignored without a word).
    private static let fields: [String: Set<String>] = [
        "": ["version", "dimensions", "grades", "categoryCoefficients", "postCoefficients", "libraries", "workOrderRules", "alertRules",
             "dispositionRules", "opinionRules"],
        "disposition": ["form", "tag", "appraisalCap", "capMonths"],
        "opinion": ["code", "kind", "conclusion", "enabled", "minForm", "months"],
        "alert": ["code", "kind", "severity", "enabled", "threshold", "points", "count", "days"],
        "rule": ["code", "kind", "tag", "entryStatus", "enabled", "graceDays", "threshold", "minPeers", "minOrders", "minFirmOrders",
                 "minShare", "minRatio", "significance", "minSuspensions"],
        "dimension": ["base", "minimum", "maximum", "weight"],
        "grades": ["excellent", "good", "fair"],
        "library": ["code", "name", "version", "category", "tags"],
        "tag": ["code", "name", "dimension", "polarity", "points", "coefficient", "redLine", "windowMonths", "maxPerPeriod",
                "immediateAlert", "evidenceRequired", "retired"],
    ]

    /// The path of the first field the format does not have, if any.
    static func unknownField(_ data: Data) -> String? {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        func extra(_ object: Any?, _ kind: String, _ path: String) -> String? {
            guard let o = object as? [String: Any] else { return nil }
            let key = o.keys.sorted().first { !fields[kind]!.contains($0) }
            return key.map { path.isEmpty ? $0 : "\(path).\($0)" }
        }
        if let e = extra(top, "", "") { return e }
        for (name, d) in (top["dimensions"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let e = extra(d, "dimension", "dimensions.\(name)") { return e }
        }
        if let e = extra(top["grades"], "grades", "grades") { return e }
        for (i, r) in (top["workOrderRules"] as? [Any] ?? []).enumerated() {
            if let e = extra(r, "rule", "workOrderRules[\(i)]") { return e }
        }
        for (i, r) in (top["alertRules"] as? [Any] ?? []).enumerated() {
            if let e = extra(r, "alert", "alertRules[\(i)]") { return e }
        }
        for (i, r) in (top["dispositionRules"] as? [Any] ?? []).enumerated() {
            if let e = extra(r, "disposition", "dispositionRules[\(i)]") { return e }
        }
        for (i, r) in (top["opinionRules"] as? [Any] ?? []).enumerated() {
            if let e = extra(r, "opinion", "opinionRules[\(i)]") { return e }
        }
        for (i, l) in (top["libraries"] as? [Any] ?? []).enumerated() {
            if let e = extra(l, "library", "libraries[\(i)]") { return e }
            for (j, t) in ((l as? [String: Any])?["tags"] as? [Any] ?? []).enumerated() {
                if let e = extra(t, "tag", "libraries[\(i)].tags[\(j)]") { return e }
            }
        }
        return nil
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }

    static func describe(_ error: DecodingError) -> SchemeError {
        switch error {
        case .keyNotFound(let key, let context):
            let p = path(context.codingPath + [key])
            return SchemeError(field: p, reason: "is required")
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "text (decimals are written as strings, e.g. \"1.20\")" : "\(type)"
            return SchemeError(field: path(context.codingPath), reason: "must be \(expected)")
        case .valueNotFound(_, let context):
            return SchemeError(field: path(context.codingPath), reason: "must not be null")
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? SchemeError { return underlying }
            return SchemeError(field: path(context.codingPath), reason: context.codingPath.isEmpty ? "is not valid JSON" : context.debugDescription)
        @unknown default:
            return SchemeError(field: "", reason: "cannot be read")
        }
    }
}

/// The JSON shape of a scheme file.
struct SchemeFile: Decodable {
    struct DimensionFile: Decodable { var base: String; var minimum: String; var maximum: String; var weight: String }
    struct GradesFile: Decodable { var excellent: String; var good: String; var fair: String }
    struct TagFile: Decodable {
        var code: String
        var name: String
        var dimension: String
        var polarity: String
        var points: String
        var coefficient: String?
        var redLine: Bool?
        var windowMonths: Int
        var maxPerPeriod: Int?
        var immediateAlert: Bool?
        var evidenceRequired: Bool?
        var retired: Bool?
    }
    struct LibraryFile: Decodable { var code: String; var name: String; var version: Int; var category: String?; var tags: [TagFile] }
    struct RuleFile: Decodable {
        var code: String
        var kind: String
        var tag: String
        var entryStatus: String?
        var enabled: Bool?
        var graceDays: Int?
        var threshold: String?
        var minPeers: Int?
        var minOrders: Int?
        var minFirmOrders: Int?
        var minShare: String?
        var minRatio: String?
        var significance: String?
        var minSuspensions: Int?
    }

    struct AlertFile: Decodable {
        var code: String
        var kind: String
        var severity: String?
        var enabled: Bool?
        var threshold: String?
        var points: String?
        var count: Int?
        var days: Int?
    }

    var version: String
    var dimensions: [String: DimensionFile]
    var grades: GradesFile
    var categoryCoefficients: [String: [String: String]]?
    var postCoefficients: [String: String]?
    var libraries: [LibraryFile]
    var workOrderRules: [RuleFile]?
    var alertRules: [AlertFile]?
    var dispositionRules: [DispositionFile]?
    var opinionRules: [OpinionFile]?

    struct DispositionFile: Decodable {
        var form: Int
        var tag: String?
        var appraisalCap: String?
        var capMonths: Int?
    }

    struct OpinionFile: Decodable {
        var code: String
        var kind: String
        var conclusion: String
        var enabled: Bool?
        var minForm: Int?
        var months: Int?
    }

    func scheme() throws(SchemeError) -> Scheme {
        func exact(_ text: String, _ field: String) throws(SchemeError) -> Exact {
            guard let e = Exact(text), e.hundredths != nil else {
                throw SchemeError(field: field, reason: "must be a decimal with at most two decimals, got \"\(text)\"")
            }
            return e
        }
        func hundredths(_ text: String, _ field: String) throws(SchemeError) -> Int64 {
            try exact(text, field).hundredths!
        }
        func dimension(_ text: String, _ field: String) throws(SchemeError) -> Dimension {
            guard let d = Dimension(rawValue: text) else { throw SchemeError(field: field, reason: "must be behaviour, awareness or problems") }
            return d
        }
        var dims: [Dimension: DimensionRule] = [:]
        for (name, d) in dimensions {
            let key = try dimension(name, "dimensions.\(name)")
            dims[key] = DimensionRule(base: try exact(d.base, "dimensions.\(name).base"), minimum: try exact(d.minimum, "dimensions.\(name).minimum"),
                                      maximum: try exact(d.maximum, "dimensions.\(name).maximum"), weight: try hundredths(d.weight, "dimensions.\(name).weight"))
        }
        var coefficients: [String: [Dimension: Int64]] = [:]
        for (category, values) in categoryCoefficients ?? [:] {
            for (name, v) in values {
                let field = "categoryCoefficients.\(category).\(name)"
                coefficients[category, default: [:]][try dimension(name, field)] = try hundredths(v, field)
            }
        }
        var posts: [String: Int64] = [:]
        for (post, v) in postCoefficients ?? [:] { posts[post] = try hundredths(v, "postCoefficients.\(post)") }
        var rules: [WorkOrderRule] = []
        for (i, r) in (workOrderRules ?? []).enumerated() {
            let p = "workOrderRules[\(i)]"
            guard let kind = WorkOrderRule.Kind(rawValue: r.kind) else {
                throw SchemeError(field: "\(p).kind", reason: "must be one of \(WorkOrderRule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard r.entryStatus == nil || ["submitted", "confirmed"].contains(r.entryStatus!) else {
                throw SchemeError(field: "\(p).entryStatus", reason: "must be submitted or confirmed")
            }
            var rule = WorkOrderRule(code: r.code, kind: kind, tag: r.tag, confirmed: r.entryStatus == "confirmed", enabled: r.enabled ?? true)
            if let v = r.graceDays { rule.graceDays = v }
            if let v = r.threshold { rule.threshold = try hundredths(v, "\(p).threshold") }
            if let v = r.minPeers { rule.minPeers = v }
            if let v = r.minOrders { rule.minOrders = v }
            if let v = r.minFirmOrders { rule.minFirmOrders = v }
            if let v = r.minShare { rule.minShare = try hundredths(v, "\(p).minShare") }
            if let v = r.minRatio { rule.minRatio = try hundredths(v, "\(p).minRatio") }
            if let v = r.significance {
                guard let e = Exact(v) else { throw SchemeError(field: "\(p).significance", reason: "must be a decimal, got \"\(v)\"") }
                rule.significance = e
            }
            if let v = r.minSuspensions { rule.minSuspensions = v }
            rules.append(rule)
        }
        var alerts: [AlertRule] = []
        for (i, r) in (alertRules ?? []).enumerated() {
            let p = "alertRules[\(i)]"
            guard let kind = AlertRule.Kind(rawValue: r.kind) else {
                throw SchemeError(field: "\(p).kind", reason: "must be one of \(AlertRule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var rule = AlertRule(code: r.code, kind: kind, enabled: r.enabled ?? true)
            if let v = r.severity {
                guard let s = AlertRule.Severity(rawValue: v) else { throw SchemeError(field: "\(p).severity", reason: "must be low, medium or high") }
                rule.severity = s
            }
            if let v = r.threshold { rule.threshold = try exact(v, "\(p).threshold") }
            if let v = r.points { rule.points = try exact(v, "\(p).points") }
            if let v = r.count { rule.count = v }
            if let v = r.days { rule.days = v }
            alerts.append(rule)
        }
        var dispositions: [DispositionRule] = []
        for (i, r) in (dispositionRules ?? []).enumerated() {
            let p = "dispositionRules[\(i)]"
            var cap: Grade?
            if let v = r.appraisalCap {
                guard let g = Grade(rawValue: v) else { throw SchemeError(field: "\(p).appraisalCap", reason: "must be good, fair or poor") }
                cap = g
            }
            dispositions.append(DispositionRule(form: r.form, tag: r.tag ?? "", appraisalCap: cap, capMonths: r.capMonths ?? 12))
        }
        var opinions: [OpinionRule] = []
        for (i, r) in (opinionRules ?? []).enumerated() {
            let p = "opinionRules[\(i)]"
            guard let kind = OpinionRule.Kind(rawValue: r.kind) else {
                throw SchemeError(field: "\(p).kind", reason: "must be one of \(OpinionRule.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let conclusion = OpinionConclusion(rawValue: r.conclusion) else {
                throw SchemeError(field: "\(p).conclusion", reason: "must be defer or objection")
            }
            var rule = OpinionRule(code: r.code, kind: kind, conclusion: conclusion, enabled: r.enabled ?? true)
            if let v = r.minForm { rule.minForm = v }
            if let v = r.months { rule.months = v }
            opinions.append(rule)
        }
        var libraries: [TagLibrary] = []
        for (i, l) in self.libraries.enumerated() {
            var tags: [Tag] = []
            for (j, t) in l.tags.enumerated() {
                let p = "libraries[\(i)].tags[\(j)]"
                guard let polarity = Polarity(rawValue: t.polarity) else { throw SchemeError(field: "\(p).polarity", reason: "must be credit or debit") }
                tags.append(Tag(code: t.code, name: t.name, dimension: try dimension(t.dimension, "\(p).dimension"), polarity: polarity,
                                points: try hundredths(t.points, "\(p).points"),
                                coefficient: try t.coefficient.map { v throws(SchemeError) in try hundredths(v, "\(p).coefficient") } ?? 100,
                                redLine: t.redLine ?? false, windowMonths: t.windowMonths, maxPerPeriod: t.maxPerPeriod ?? 0,
                                immediateAlert: t.immediateAlert ?? false, evidenceRequired: t.evidenceRequired ?? false,
                                retired: t.retired ?? false))
            }
            libraries.append(TagLibrary(code: l.code, name: l.name, version: l.version, category: l.category, tags: tags))
        }
        return Scheme(version: version, dimensions: dims, libraries: libraries, categoryCoefficients: coefficients,
                      postCoefficients: posts,
                      grades: GradeBands(excellent: try exact(grades.excellent, "grades.excellent"), good: try exact(grades.good, "grades.good"),
                                         fair: try exact(grades.fair, "grades.fair")),
                      workOrderRules: rules, alertRules: alerts, dispositionRules: dispositions, opinionRules: opinions)
    }
}
