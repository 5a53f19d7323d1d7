import Foundation
@testable import LianjieScoring

/// The default scheme, compiled once for all tests.
let defaultScheme: CompiledScheme = {
    do { return try CompiledScheme(try SchemeLoader.defaultScheme()) } catch { fatalError("default scheme: \(error)") }
}()

func day(_ text: String) -> Day { Day(text)! }

func tag(_ library: String, _ code: String, in scheme: CompiledScheme = defaultScheme) -> Int32 {
    guard let id = scheme.tagID(TagRef(library: library, version: 1, code: code)) else { fatalError("no tag \(library)/\(code)") }
    return id
}

let q1 = Period(.quarter, year: 2026, index: 1)!
let hvManager = ScoringSubject(id: "sub_hv", category: "HV_EXPANSION", postCoefficient: 130, positionLevel: "staff")

/// A small deterministic generator (SplitMix64) so property tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
