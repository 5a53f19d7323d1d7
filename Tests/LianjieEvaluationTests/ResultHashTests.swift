@testable import LianjieEvaluation
import LianjieSecurity
import LianjieStore
import XCTest

/// A result's hash is what verification compares with, run after run: the text it hashes
/// must not change when the code that writes it does.
final class ResultHashTests: XCTestCase {
    /// The canonical text as first written (string interpolation), kept here as the reference.
    static func reference(_ x: EvaluationResultRecord) -> String {
        var text = "result subject=\(x.subjectID) organization=\(x.organizationID) category=\(x.categoryCode) post=\(x.postCode) "
            + "coefficient=\(x.postCoefficient) noData=\(x.noData)\n"
        text += "total=\(x.total) grade=\(x.grade) veto=\(x.vetoEntries.map(String.init).joined(separator: ",")) counted=\(x.countedEntries)\n"
        for d in x.dimensions { text += "dimension \(d.joined(separator: " "))\n" }
        text += "standing organization=\(x.organizationRank)/\(x.organizationPeers)/\(x.organizationPercentile) "
            + "category=\(x.categoryRank)/\(x.categoryPeers)/\(x.categoryPercentile)\n"
        text += "previous run=\(x.previousRunID) total=\(x.previousTotal) grade=\(x.previousGrade)\n"
        text += "inputs=\(x.inputs.count)\n"
        return Digest.hex(Digest.sha256(text))
    }

    func testTheHashIsOfTheSameTextAsEver() {
        var scored = EvaluationResultRecord()
        scored.runID = "run_1"
        scored.subjectID = "sub_张伟"
        scored.organizationID = "org_east"
        scored.categoryCode = "HV_EXPANSION"
        scored.postCode = "HV_ACCOUNT_MANAGER"
        scored.postCoefficient = 120
        scored.total = "87.125"
        scored.grade = 2
        scored.vetoEntries = [12, 40_000_000_001]
        scored.dimensions = [["100", "-4.5", "0", "95.5", "0.4", "38.2"], ["100", "0", "0", "100", "0.3", "30"], []]
        scored.countedEntries = 17
        (scored.organizationRank, scored.organizationPeers, scored.organizationPercentile) = (3, 41, 9_512)
        (scored.categoryRank, scored.categoryPeers, scored.categoryPercentile) = (-1, 0, -5)
        (scored.previousRunID, scored.previousTotal, scored.previousGrade) = ("run_0", "90", 1)
        scored.inputs = [5, 3, 9]
        var noData = EvaluationResultRecord()
        noData.subjectID = "sub_2"
        noData.noData = true
        for x in [scored, noData] {
            XCTAssertEqual(ResultBuilder.hash(x), Self.reference(x), x.subjectID)
        }
        XCTAssertNotEqual(ResultBuilder.hash(scored), ResultBuilder.hash(noData))
    }

    func testTheRunsHashOfItsResultsIsOfTheSameTextAsEver() {
        // Enough results to cross the 64 KiB the text is hashed in, given out of order.
        let results = (0..<3_000).reversed().map { i -> EvaluationResultRecord in
            var x = EvaluationResultRecord()
            x.subjectID = "sub_\(i)"
            x.resultSHA256 = Digest.hex(Digest.sha256("\(i)"))
            return x
        }
        let reference = results.sorted { $0.subjectID < $1.subjectID }.map { "\($0.subjectID) \($0.resultSHA256)\n" }.joined()
        XCTAssertEqual(ResultBuilder.resultsHash(results), Digest.hex(Digest.sha256(reference)))
        XCTAssertEqual(ResultBuilder.resultsHash([]), Digest.hex(Digest.sha256("")))
    }
}
