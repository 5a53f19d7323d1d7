import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport
import Synchronization
import XCTest

/// An acknowledged write survives `kill -9`: the server is killed under concurrent submit
/// load and restarted on the same data directory.
final class DurabilityTests: XCTestCase {
    /// What the clients sent and what the server acknowledged, by request id.
    final class Ledger: Sendable {
        struct State {
            var sent: [String: SubmitEntryRequest] = [:]
            var acknowledged: [String: String] = [:]
        }
        let state = Mutex(State())
    }

    static func request(_ id: String, subject: Int) -> SubmitEntryRequest {
        var t = time_t(Int(Date().timeIntervalSince1970) - 86_400)
        var parts = tm()
        gmtime_r(&t, &parts)
        return SubmitEntryRequest(requestId: id, subjectId: "HV" + String(format: "%04d", 2 + subject % 16), tag: "ON_TIME_HANDLING",
                                  occurredOn: CalendarDate(year: parts.tm_year + 1900, month: parts.tm_mon + 1, day: parts.tm_mday),
                                  description: "kill-9 \(id)", source: .api)
    }

    func testEveryAcknowledgedEntrySurvivesKill9AndEveryRetryReturnsItsFirstResult() async throws {
        let server = try ServerProcess(extraArguments: ["--demo"])
        let ledger = Ledger()
        let target = 300
        let password = UserManagementTests.passwords["inspector"]!
        // Four connections, each with sixteen submits in flight, until the server dies.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<4 {
                let client = try await login(server, username: "inspector", password: password).0
                for lane in 0..<16 {
                    group.addTask {
                        var n = 0
                        while true {
                            let id = "k9-\(c)-\(lane)-\(n)"
                            let r = Self.request(id, subject: n + lane)
                            ledger.state.withLock { $0.sent[id] = r }
                            do {
                                let entry = try await client.entryService.submitEntry(r, options: CallOptions(timeout: .seconds(10)))
                                ledger.state.withLock { $0.acknowledged[id] = entry.id }
                            } catch {
                                return  // the server is gone
                            }
                            n += 1
                        }
                    }
                }
            }
            try await waitUntil(seconds: 60) { ledger.state.withLock { $0.acknowledged.count } >= target }
            server.kill9()
            try await group.waitForAll()
        }
        let (sent, acknowledged) = ledger.state.withLock { ($0.sent, $0.acknowledged) }
        XCTAssertGreaterThanOrEqual(acknowledged.count, target)
        XCTAssertGreaterThan(sent.count, acknowledged.count, "some submits were in flight when the server died")

        let again = try ServerProcess(dataDirectory: server.dataDirectory)
        let entries = try await login(again, username: "inspector", password: password).0.entryService
        // Every acknowledged entry is there, whole.
        for (id, entryID) in acknowledged {
            let e = try await entries.getEntry(GetEntryRequest(id: entryID))
            XCTAssertEqual(e.description, "kill-9 \(id)")
            XCTAssertEqual(e.history.map(\.action), ["submitted"])
        }
        // Every request sent, retried with its request id, answers its first result (or, if it
        // never landed, records it now), and nothing is there twice.
        for (id, r) in sent {
            let e = try await entries.submitEntry(r)
            if let first = acknowledged[id] { XCTAssertEqual(e.id, first, "\(id) replays its first answer") }
        }
        var landed: [String: Int] = [:]
        var token = ""
        repeat {
            let page = try await entries.listEntries(ListEntriesRequest(source: .api, pageSize: 500, pageToken: token))
            for e in page.entries where e.description.hasPrefix("kill-9 ") { landed[e.description, default: 0] += 1 }
            token = page.nextPageToken
        } while !token.isEmpty
        XCTAssertEqual(landed.count, sent.count, "each request is recorded")
        XCTAssertEqual(landed.values.filter { $0 > 1 }.count, 0, "and none twice")
        _ = server
    }
}
