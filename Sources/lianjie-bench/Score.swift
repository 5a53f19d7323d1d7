import Foundation
import LianjieMessages
import LianjieScoring
import Synchronization

/// `lianjie-bench score`: the scoring core over a generated data set held in memory.
struct ScoreResult {
    var subjects: Int
    var entries: Int
    var threads: Int
    var breakdown: Bool
    var seconds: Double

    var json: JSONValue {
        .object([("subjects", .number("\(subjects)")), ("entries", .number("\(entries)")), ("threads", .number("\(threads)")),
                 ("breakdown", .bool(breakdown)), ("seconds", JSONValue(floating: (seconds * 1000).rounded() / 1000)),
                 ("subjectsPerSecond", JSONValue(floating: (Double(subjects) / seconds).rounded())),
                 ("entriesPerSecond", JSONValue(floating: (Double(entries) / seconds).rounded()))])
    }

    var line: String {
        "score: \(subjects) subjects, \(entries) entries, \(threads) thread\(threads == 1 ? "" : "s")\(breakdown ? ", with breakdowns" : ""): "
            + "\(String(format: "%.3f", seconds)) s — \(Int(Double(subjects) / seconds)) subjects/s, \(Int(Double(entries) / seconds)) entries/s"
    }
}

/// A data set like a whole grid company's quarter: subjects across the three categories,
/// about `entries / subjects` entries each over the last two years, mostly confirmed.
struct ScoreDataSet {
    var subjects: [ScoringSubject]
    var entries: [ScoringEntry]
    /// `entries[ranges[i]]` are subject i's, in date order.
    var ranges: [Range<Int>]

    init(scheme: CompiledScheme, subjects count: Int, entries total: Int) {
        var rng = SystemRandomNumberGenerator()
        let categories = ["HV_EXPANSION", "LV_EXPANSION", "METERING_INSPECTION"]
        var byCategory: [String: [Int32]] = [:]
        for c in categories {
            byCategory[c] = scheme.tags.indices.filter { scheme.tags[$0].category == nil || scheme.tags[$0].category == c }.map { Int32($0) }
        }
        let statuses: [LianjieScoring.EntryStatus] = Array(repeating: .confirmed, count: 17) + [.submitted, .rejected, .revoked]
        let first = Day("2024-04-01")!.ordinal
        subjects = []
        entries = []
        entries.reserveCapacity(total)
        ranges = []
        var nextID: UInt64 = 1
        for i in 0..<count {
            let category = categories[i % 3]
            subjects.append(ScoringSubject(id: "s\(i)", category: category, postCoefficient: [100, 110, 120, 130, 140][i % 5]))
            let n = total / count + (i < total % count ? 1 : 0)
            let start = entries.count
            var days = (0..<n).map { _ in first + Int32.random(in: 0..<730, using: &rng) }
            days.sort()
            let tags = byCategory[category]!
            for d in days {
                entries.append(ScoringEntry(id: nextID, tag: tags.randomElement(using: &rng)!, occurredOn: Day(ordinal: d),
                                            quantity: Int64.random(in: 1...3, using: &rng) * 100, status: statuses.randomElement(using: &rng)!))
                nextID += 1
            }
            ranges.append(start..<entries.count)
        }
    }
}

func runScore(subjects: Int, entries: Int, threads: Int, breakdown: Bool, data: ScoreDataSet, scheme: CompiledScheme) -> ScoreResult {
    let scorer = Scorer(scheme)
    let period = Period(.quarter, year: 2026, index: 1)!
    let checksum = Mutex<Int128>(0)
    let start = monotonicNanos()
    let chunks = max(1, threads) * 8
    let per = (subjects + chunks - 1) / chunks
    let work: @Sendable (Int) -> Void = { chunk in
        var sum: Int128 = 0
        let lower = chunk * per, upper = min(subjects, lower + per)
        guard lower < upper else { return }
        for i in lower..<upper {
            let r = scorer.score(data.subjects[i], entries: data.entries[data.ranges[i]], period: period, breakdown: breakdown)
            sum &+= r.total?.units ?? 0
        }
        checksum.withLock { $0 &+= sum }
    }
    if threads <= 1 {
        for c in 0..<chunks { work(c) }
    } else {
        DispatchQueue.concurrentPerform(iterations: chunks, execute: work)
    }
    let seconds = Double(monotonicNanos() - start) / 1e9
    // Use the checksum so the work cannot be optimized away.
    if checksum.withLock({ $0 }) == 42 { print("") }
    return ScoreResult(subjects: subjects, entries: entries, threads: threads, breakdown: breakdown, seconds: seconds)
}
