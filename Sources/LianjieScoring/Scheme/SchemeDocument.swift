/// A scheme as people and the server handle it over time: written back to its file form,
/// compared with another, and given library versions when it is published.
extension Scheme {
    /// The scheme in the JSON file format `SchemeLoader` reads, in a stable order (one tag
    /// a line), so that exporting, editing and drafting a file round-trips exactly.
    public var fileText: String {
        func q(_ s: String) -> String { SchemeText.quoted(s) }
        func dec(_ hundredths: Int64) -> String { q(Exact(hundredths: hundredths).description) }
        var out = "{\n  \"version\": \(q(version)),\n  \"dimensions\": {\n"
        out += Dimension.allCases.compactMap { d -> String? in
            guard let r = dimensions[d] else { return nil }
            return "    \(q(d.rawValue)): { \"base\": \(q(r.base.description)), \"minimum\": \(q(r.minimum.description)), "
                + "\"maximum\": \(q(r.maximum.description)), \"weight\": \(dec(r.weight)) }"
        }.joined(separator: ",\n")
        out += "\n  },\n  \"grades\": { \"excellent\": \(q(grades.excellent.description)), \"good\": \(q(grades.good.description)), "
            + "\"fair\": \(q(grades.fair.description)) },\n  \"categoryCoefficients\": {"
        out += categoryCoefficients.keys.sorted().map { c in
            let values = Dimension.allCases.compactMap { d in categoryCoefficients[c]?[d].map { "\(q(d.rawValue)): \(dec($0))" } }
            return "\n    \(q(c)): { \(values.joined(separator: ", ")) }"
        }.joined(separator: ",")
        out += categoryCoefficients.isEmpty ? "},\n" : "\n  },\n"
        out += "  \"postCoefficients\": {" + postCoefficients.keys.sorted().map { "\n    \(q($0)): \(dec(postCoefficients[$0]!))" }
            .joined(separator: ",") + (postCoefficients.isEmpty ? "},\n" : "\n  },\n")
        out += "  \"libraries\": ["
        out += libraries.map { l in
            var text = "\n    {\n      \"code\": \(q(l.code)), \"name\": \(q(l.name)), \"version\": \(l.version), "
                + "\"category\": \(l.category.map(q) ?? "null"),\n      \"tags\": ["
            text += l.tags.map { t in
                var fields = ["\"code\": \(q(t.code))", "\"name\": \(q(t.name))", "\"dimension\": \(q(t.dimension.rawValue))",
                              "\"polarity\": \(q(t.polarity.rawValue))", "\"points\": \(dec(t.points))"]
                if t.coefficient != 100 { fields.append("\"coefficient\": \(dec(t.coefficient))") }
                if t.redLine { fields.append("\"redLine\": true") }
                fields.append("\"windowMonths\": \(t.windowMonths)")
                if t.maxPerPeriod != 0 { fields.append("\"maxPerPeriod\": \(t.maxPerPeriod)") }
                if t.immediateAlert { fields.append("\"immediateAlert\": true") }
                if t.evidenceRequired { fields.append("\"evidenceRequired\": true") }
                if t.retired { fields.append("\"retired\": true") }
                return "\n        { " + fields.joined(separator: ", ") + " }"
            }.joined(separator: ",")
            return text + (l.tags.isEmpty ? "]\n    }" : "\n      ]\n    }")
        }.joined(separator: ",")
        out += libraries.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"workOrderRules\": [" + workOrderRules.map { r in
            var fields = ["\"code\": \(q(r.code))", "\"kind\": \(q(r.kind.rawValue))", "\"tag\": \(q(r.tag))",
                          "\"entryStatus\": \(q(r.confirmed ? "confirmed" : "submitted"))"]
            if !r.enabled { fields.append("\"enabled\": false") }
            switch r.kind {
            case .stageOverdue: fields.append("\"graceDays\": \(r.graceDays)")
            case .complaint: break
            case .durationOutlier: fields += ["\"threshold\": \(dec(r.threshold))", "\"minPeers\": \(r.minPeers)"]
            case .designatedFirm:
                fields += ["\"minOrders\": \(r.minOrders)", "\"minFirmOrders\": \(r.minFirmOrders)", "\"minShare\": \(dec(r.minShare))",
                           "\"minRatio\": \(dec(r.minRatio))", "\"significance\": \(q(r.significance.description))"]
            case .repeatedSuspension: fields.append("\"minSuspensions\": \(r.minSuspensions)")
            }
            return "\n    { " + fields.joined(separator: ", ") + " }"
        }.joined(separator: ",") + (workOrderRules.isEmpty ? "],\n" : "\n  ],\n")
        out += "  \"alertRules\": [" + alertRules.map { r in
            var fields = ["\"code\": \(q(r.code))", "\"kind\": \(q(r.kind.rawValue))", "\"severity\": \(q(r.severity.rawValue))"]
            if !r.enabled { fields.append("\"enabled\": false") }
            switch r.kind {
            case .scoreBelow: fields.append("\"threshold\": \(q(r.threshold.description))")
            case .scoreDrop: fields.append("\"points\": \(q(r.points.description))")
            case .debitBurst: fields += ["\"count\": \(r.count)", "\"days\": \(r.days)"]
            case .gradePoor, .immediateTag, .workOrderHit, .caseOverdue: break
            }
            return "\n    { " + fields.joined(separator: ", ") + " }"
        }.joined(separator: ",") + (alertRules.isEmpty ? "],\n" : "\n  ],\n")
        out += "  \"dispositionRules\": [" + dispositionRules.map { r in
            var fields = ["\"form\": \(r.form)"]
            if !r.tag.isEmpty { fields.append("\"tag\": \(q(r.tag))") }
            if let cap = r.appraisalCap { fields += ["\"appraisalCap\": \(q(cap.rawValue))", "\"capMonths\": \(r.capMonths)"] }
            return "\n    { " + fields.joined(separator: ", ") + " }"
        }.joined(separator: ",") + (dispositionRules.isEmpty ? "],\n" : "\n  ],\n")
        out += "  \"opinionRules\": [" + opinionRules.map { r in
            var fields = ["\"code\": \(q(r.code))", "\"kind\": \(q(r.kind.rawValue))", "\"conclusion\": \(q(r.conclusion.rawValue))"]
            if !r.enabled { fields.append("\"enabled\": false") }
            switch r.kind {
            case .openCase: break
            case .disposition: fields += ["\"minForm\": \(r.minForm)", "\"months\": \(r.months)"]
            case .redLineVeto, .gradePoor: fields.append("\"months\": \(r.months)")
            }
            return "\n    { " + fields.joined(separator: ", ") + " }"
        }.joined(separator: ",") + (opinionRules.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
        return out
    }

    /// What changed from `old` to this scheme, one line a change, for people: `+` added,
    /// `-` removed, `~` changed (`old → new`). Libraries and tags are matched by code,
    /// whatever their versions; an empty list means the two score alike and read alike.
    public func differences(from old: Scheme) -> [String] {
        let before = SchemeText.facts(old), after = SchemeText.facts(self)
        var lines: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            switch (before[key], after[key]) {
            case (nil, let new?): lines.append("+ \(key): \(new)")
            case (let gone?, nil): lines.append("- \(key): \(gone)")
            case (let a?, let b?) where a != b: lines.append("~ \(key): \(a) → \(b)")
            default: break
            }
        }
        return lines
    }

    /// Tags of `published` missing from this scheme (a published tag is retired, never
    /// removed, so that entries made with it can still be scored), as `LIBRARY/CODE`.
    public func removedTags(since published: Scheme) -> [String] {
        let kept = Set(libraries.flatMap { l in l.tags.map { "\(l.code)/\($0.code)" } })
        return published.libraries.flatMap { l in l.tags.map { "\(l.code)/\($0.code)" } }.filter { !kept.contains($0) }.sorted()
    }

    /// The scheme as it is published after `published` (nil for the first): each library
    /// keeps its published version when its content is unchanged and takes the next
    /// version when anything in it changed; a new library starts at version 1.
    public func versioned(after published: Scheme?) -> Scheme {
        var next = self
        let previous = Dictionary((published?.libraries ?? []).map { ($0.code, $0) }, uniquingKeysWith: { $0.version > $1.version ? $0 : $1 })
        for i in next.libraries.indices {
            let l = next.libraries[i]
            guard let old = previous[l.code] else { next.libraries[i].version = 1; continue }
            var same = l
            same.version = old.version
            next.libraries[i].version = SchemeText.libraryText(same) == SchemeText.libraryText(old) ? old.version : old.version + 1
        }
        return next
    }

    /// Library codes that appear more than once (a server-kept scheme has one version of
    /// each library; older versions live in the older published schemes).
    public var repeatedLibraries: [String] {
        var seen: Set<String> = [], repeated: Set<String> = []
        for l in libraries where !seen.insert(l.code).inserted { repeated.insert(l.code) }
        return repeated.sorted()
    }
}

enum SchemeText {
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func libraryText(_ l: TagLibrary) -> String {
        Scheme(version: "-", dimensions: [:], libraries: [l], categoryCoefficients: [:],
               grades: GradeBands(excellent: Exact(0), good: Exact(0), fair: Exact(0))).canonicalText
    }

    /// Every fact of a scheme keyed by what it is about, libraries and tags by code.
    static func facts(_ s: Scheme) -> [String: String] {
        var f: [String: String] = ["label": s.version]
        for (d, r) in s.dimensions {
            f["dimensions.\(d.rawValue)"] = "base \(r.base), range \(r.minimum)–\(r.maximum), weight \(Exact(hundredths: r.weight))"
        }
        f["grades"] = "excellent ≥ \(s.grades.excellent), good ≥ \(s.grades.good), fair ≥ \(s.grades.fair)"
        for (c, values) in s.categoryCoefficients {
            for (d, v) in values { f["categoryCoefficients.\(c).\(d.rawValue)"] = Exact(hundredths: v).description }
        }
        for (p, v) in s.postCoefficients { f["postCoefficients.\(p)"] = Exact(hundredths: v).description }
        for r in s.workOrderRules {
            f["rule \(r.code)"] = r.canonicalLine.split(separator: " ").dropFirst(2).joined(separator: " ")
        }
        for r in s.alertRules {
            f["alert \(r.code)"] = r.canonicalLine.split(separator: " ").dropFirst(2).joined(separator: " ")
        }
        for r in s.dispositionRules {
            f["disposition form \(r.form)"] = r.canonicalLine.split(separator: " ").dropFirst(2).joined(separator: " ")
        }
        for r in s.opinionRules {
            f["opinion \(r.code)"] = r.canonicalLine.split(separator: " ").dropFirst(2).joined(separator: " ")
        }
        for l in s.libraries {
            f["library \(l.code)"] = "\(l.name) (category \(l.category ?? "none"))"
            for t in l.tags {
                var words = ["\(t.name):", t.dimension.rawValue, t.polarity.rawValue, "\(Exact(hundredths: t.points)) points"]
                if t.coefficient != 100 { words.append("×\(Exact(hundredths: t.coefficient))") }
                words.append("counts \(t.windowMonths) months")
                if t.maxPerPeriod > 0 { words.append("at most \(t.maxPerPeriod) a period") }
                if t.redLine { words.append("red line") }
                if t.immediateAlert { words.append("alerts at once") }
                if t.evidenceRequired { words.append("needs evidence") }
                if t.retired { words.append("retired") }
                f["tag \(l.code)/\(t.code)"] = words.joined(separator: " ")
            }
        }
        return f
    }
}
