/// Text made safe for XML and HTML, and the CJK font stack both use.
public enum Markup {
    /// `text` escaped for element content and for attribute values in single or double
    /// quotes: `& < > " '` become entities, and the characters XML 1.0 forbids (C0 controls
    /// other than tab, newline and return; U+FFFE and U+FFFF) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                out.unicodeScalars.append("\u{FFFD}")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Fonts that resolve to the system's CJK sans-serif faces (Noto / Source Han on Debian,
    /// WenQuanYi elsewhere), written with single quotes so it fits a double-quoted attribute.
    public static let fontFamily =
        "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Source Han Sans CN', 'WenQuanYi Micro Hei', " +
        "'Microsoft YaHei', 'PingFang SC', sans-serif"
}
