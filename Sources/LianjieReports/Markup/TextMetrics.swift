/// A deliberately generous estimate of how wide text is drawn, for laying out SVG text
/// with no font at hand: wide (CJK) characters take one em, everything else most of one.
enum TextMetrics {
    /// The width of `text` at `fontSize`, in the same units.
    static func width(_ text: String, fontSize: Double) -> Double {
        text.reduce(0) { $0 + ems($1) } * fontSize
    }

    /// `text` cut to fit `maxWidth`, ending with "…" when anything was cut.
    static func fit(_ text: String, maxWidth: Double, fontSize: Double) -> (text: String, truncated: Bool) {
        if width(text, fontSize: fontSize) <= maxWidth { return (text, false) }
        let budget = maxWidth / fontSize - ems("…")
        var used = 0.0
        var kept = ""
        for c in text {
            let w = ems(c)
            if used + w > budget { break }
            used += w
            kept.append(c)
        }
        while kept.last?.isWhitespace == true { kept.removeLast() }
        return (kept + "…", true)
    }

    private static func ems(_ c: Character) -> Double {
        guard let scalar = c.unicodeScalars.first else { return 0 }
        let v = scalar.value
        if isWide(v) { return 1.0 }
        if c == " " { return 0.3 }
        if c == "…" { return 1.0 }
        if "ilI.,:;|!'()[]".contains(c) { return 0.34 }
        if c.isUppercase || c == "M" || c == "W" || c == "m" || c == "w" { return 0.7 }
        return 0.58
    }

    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
