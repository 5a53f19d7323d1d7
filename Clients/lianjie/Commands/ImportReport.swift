import LianjieMessages

/// What the CSV imports (`subject import`, `workorders import`) report about refused rows.
enum ImportReport {
    /// Each refusal once (a row checked both here and on the server may be refused twice),
    /// by line and field.
    static func distinct(_ rejections: [ImportRejection]) -> [ImportRejection] {
        var seen = Set<String>()
        return rejections.filter { seen.insert("\($0.line)|\($0.field)|\($0.reason)").inserted }
            .sorted { ($0.line, $0.field) < ($1.line, $1.field) }
    }

    /// The refused rows as a table, then how many and what became of the file.
    static func print(_ rejections: [ImportRejection], outcome: String) {
        var t = Table("LINE", "FIELD", "REASON")
        for r in rejections { t.add(String(r.line), r.field, r.reason) }
        t.print()
        Swift.print("\(rejections.count) problem(s) in \(Set(rejections.map(\.line)).count) row(s); \(outcome)")
    }

    /// The exit a refused import ends with (its report is printed already).
    static func failure(_ rejections: [ImportRejection], outcome: String) -> CLIError {
        var e = CLIError(message: "\(rejections.count) problem(s); \(outcome)", exitCode: CLIError.Code.invalidArgument)
        e.alreadyReported = true
        return e
    }
}
