import LianjieScoring
import LianjieStore

/// The closed loop (问题处置闭环) of a block's cases over a period: what was opened, closed,
/// dismissed and disposed within it, what is overdue now, the share of the period's cases
/// settled, and how long closing took.
struct CaseFigures {
    var opened = 0
    var closed = 0
    var dismissed = 0
    var overdue = 0
    /// Of the cases opened in the period, the share now closed or dismissed, in percent
    /// (two decimals); nil with none opened.
    var closureRate: Exact?
    /// The median days from opening to closing of the cases closed in the period (one
    /// decimal); nil with none closed.
    var medianDaysToClose: Exact?
    /// Dispositions made in the period under the first to the fourth form.
    var dispositions = [0, 0, 0, 0]

    /// The period as Unix seconds: its first day's start (inclusive) to the day after its end.
    static func window(_ period: LianjieScoring.Period) -> (from: Int64, to: Int64) {
        (Int64(period.start.ordinal) * 86_400, Int64(period.end.ordinal + 1) * 86_400)
    }

    init(_ cases: [CaseFactRow], period: LianjieScoring.Period) {
        let (from, to) = Self.window(period)
        func within(_ t: Int64) -> Bool { t >= from && t < to }
        let closedState: Int32 = 6, dismissedState: Int32 = 7
        var settled = 0
        var days: [Exact] = []
        for c in cases {
            if within(c.openTime) {
                opened += 1
                if c.state == closedState || c.state == dismissedState { settled += 1 }
            }
            if c.closeTime != 0, within(c.closeTime) {
                if c.state == closedState {
                    closed += 1
                    // Hundredths of a day, rounded to tenths below.
                    days.append(Exact(hundredths: (c.closeTime - c.openTime) * 100 / 86_400))
                } else if c.state == dismissedState {
                    dismissed += 1
                }
            }
            if c.overdue { overdue += 1 }
            if c.disposeTime != 0, within(c.disposeTime), (1...4).contains(c.dispositionForm) { dispositions[Int(c.dispositionForm) - 1] += 1 }
        }
        if opened > 0 { closureRate = Exact(hundredths: Int64(settled) * 10_000 / Int64(opened)) }
        if !days.isEmpty {
            let median = Figures.median(days)
            medianDaysToClose = Exact(hundredths: ((median.hundredths ?? 0) + 5) / 10 * 10)
        }
    }
}
