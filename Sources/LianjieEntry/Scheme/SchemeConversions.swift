import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// The scoring core's scheme (what the server keeps and computes with) and the wire's.
/// Both modules name their types `Scheme`, `Tag`, `Dimension`…: the core's are aliased.
typealias CoreScheme = LianjieScoring.Scheme
typealias CoreTag = LianjieScoring.Tag
typealias CoreDimension = LianjieScoring.Dimension
typealias CorePolarity = LianjieScoring.Polarity

enum SchemeConvert {
    static func decimal(_ hundredths: Int64) -> String { Exact(hundredths: hundredths).description }

    /// A decimal with at most two places, in hundredths; nil for anything else.
    static func hundredths(_ text: String) -> Int64? {
        guard text.first?.isNumber == true else { return nil }
        return Exact(text)?.hundredths
    }





    static func tag(_ t: CoreTag) -> SchemeTag {
        SchemeTag(code: t.code, name: t.name, dimension: LianjieMessages.Dimension(t.dimension), polarity: LianjieMessages.Polarity(t.polarity),
                  points: decimal(t.points), coefficient: decimal(t.coefficient), redLine: t.redLine,
                  windowMonths: Int32(t.windowMonths), maxPerPeriod: Int32(t.maxPerPeriod), immediateAlert: t.immediateAlert,
                  evidenceRequired: t.evidenceRequired, retired: t.retired)
    }

    /// The wire form of a core scheme; the caller adds version, who and when.
    static func message(_ s: CoreScheme) -> LianjieMessages.Scheme {
        var m = LianjieMessages.Scheme()
        m.label = s.version
        m.dimensions = CoreDimension.allCases.compactMap { d in
            s.dimensions[d].map {
                DimensionRule(dimension: LianjieMessages.Dimension(d), baseScore: $0.base.description, minimum: $0.minimum.description,
                              maximum: $0.maximum.description, weight: decimal($0.weight))
            }
        }
        m.libraries = s.libraries.map {
            TagLibrary(code: $0.code, name: $0.name, version: Int32($0.version), categoryCode: $0.category ?? "", tags: $0.tags.map(tag))
        }
        m.categoryCoefficients = s.categoryCoefficients.keys.sorted().flatMap { c in
            CoreDimension.allCases.compactMap { d in
                s.categoryCoefficients[c]?[d].map { CategoryCoefficient(categoryCode: c, dimension: LianjieMessages.Dimension(d), coefficient: decimal($0)) }
            }
        }
        m.postCoefficients = s.postCoefficients.keys.sorted().map { PostCoefficient(postCode: $0, coefficient: decimal(s.postCoefficients[$0]!)) }
        m.grades = GradeBands(excellent: s.grades.excellent.description, good: s.grades.good.description, fair: s.grades.fair.description)
        m.hash = s.hash
        m.document = s.fileText
        return m
    }

    static func published(_ record: SchemeVersionRecord, _ s: CoreScheme) -> LianjieMessages.Scheme {
        var m = message(s)
        m.version = Int32(record.version)
        m.note = record.note
        m.changedBy = record.publishedBy
        m.changeTime = CalendarDays.time(record.publishTime)
        return m
    }

    /// The stored form of `s` published as `version`.
    static func versionRecord(_ s: CoreScheme, version: Int, note: String, by account: String, at time: Int64) -> SchemeVersionRecord {
        SchemeVersionRecord(version: version, label: s.version, document: s.fileText, hash: s.hash, note: note, publishedBy: account,
                            publishTime: time, tagCount: s.libraries.reduce(0) { $0 + $1.tags.count })
    }

    static func summary(_ r: SchemeVersionRecord) -> SchemeVersionSummary {
        SchemeVersionSummary(version: Int32(r.version), label: r.label, hash: r.hash, note: r.note, publishedBy: r.publishedBy,
                             publishTime: CalendarDays.time(r.publishTime), tagCount: Int32(r.tagCount))
    }

    /// The core's camelCase field names in a tag path as the wire's snake_case ones.
    static func wireField(_ core: String) -> String {
        var out = ""
        for c in core {
            if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
