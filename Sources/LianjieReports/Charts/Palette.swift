import LianjieScoring

/// The reports' colours: calm, readable in grey when printed, grades in green, blue,
/// amber and red.
enum Palette {
    static let ink = "#1f2933"
    static let muted = "#5f6b76"
    static let faint = "#8a96a3"
    static let rule = "#d5dbe1"
    static let grid = "#e4e8ec"
    static let paper = "#ffffff"
    /// The subject's own values (radar polygon, bars at the ends of a waterfall).
    static let subject = "#2f5d8a"
    /// Peers' values.
    static let peer = "#7b8794"
    /// Suppressed cells, "others" and adjustments.
    static let neutral = "#9aa5b1"
    static let neutralTint = "#eef1f4"
    static let credit = grade(.excellent)
    static let debit = grade(.poor)

    static func grade(_ g: Grade) -> String {
        switch g {
        case .excellent: return "#2e7d4f"
        case .good: return "#2f6db3"
        case .fair: return "#b7791f"
        case .poor: return "#b3403a"
        }
    }

    /// A light tint of the grade's colour, for bands and badges' backgrounds.
    static func gradeTint(_ g: Grade) -> String {
        switch g {
        case .excellent: return "#e9f4ed"
        case .good: return "#e8eff8"
        case .fair: return "#fbf2e0"
        case .poor: return "#f8e8e7"
        }
    }
}
