import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieServiceKit
import LianjieStore
import LianjieTestSupport
import LianjieXCTestSupport
import LianjieServiceTestSupport
import XCTest

/// The in-process RPC fuzzer (issue 7, A.3): random but well-formed requests of every
/// method's type, to every method, as an administrator, an inspector, an employee and
/// nobody. Nothing may crash the server, and nothing may be answered INTERNAL: every bad
/// value is the caller's mistake and gets a clear refusal.
///
/// In a plain `swift test` it runs a fixed number of requests from a fixed seed;
/// `Tests/run.sh` instead runs it for LIANJIE_RPC_FUZZ_SECONDS from a fresh seed (printed,
/// to reproduce with LIANJIE_RPC_FUZZ_SEED), and skips it in the parallel run after.
final class RPCFuzzTests: XCTestCase {
    func testRandomRequestsToEveryMethodAreNeverInternalErrors() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = Double(environment["LIANJIE_RPC_FUZZ_SECONDS"] ?? "") ?? 0
        let seed = UInt64(environment["LIANJIE_RPC_FUZZ_SEED"] ?? "") ?? (seconds > 0 ? UInt64.random(in: 1...UInt64.max) : 20_261_201)
        let rounds = seconds > 0 ? Int.max : 1000
        let stop = Date().addingTimeInterval(seconds)
        print("rpc fuzz: seed \(seed), \(seconds > 0 ? "\(seconds) s" : "\(rounds) rounds")")

        // With the demo's history: entries, work orders, published runs and open alerts to reach.
        let d = try InProcessDeployment(history: true)
        var generator = RandomRequests(seed: seed, strings: try realIDs(d))
        let methods = ContractMethod.all
        XCTAssertGreaterThanOrEqual(methods.count, UserService.methodPaths.count + 1, "every service's methods are walked")
        let callers = ["admin", "inspector", "employee"]
        var clients: [String: RPCClient] = [:]
        for name in callers { clients[name] = try await d.client(name) }
        let nobody = d.anonymous()

        var failures: [String] = []
        var calls = 0
        var round = 0
        while round < rounds, seconds == 0 || Date() < stop, failures.count < 5 {
            round += 1
            let method = methods[generator.below(methods.count)]
            let body = generator.request(for: method)
            for name in callers + ["nobody"] {
                let client = name == "nobody" ? nobody : clients[name]!
                calls += 1
                if let error = await Self.failure(client, method.path, body) {
                    if error.status == .internal || error.status == .unknown {
                        failures.append("\(method.path) as \(name), round \(round) of seed \(seed): \(error.message); body \(Base64.encode(body))")
                    } else if error.status == .unauthenticated, name != "nobody" {
                        // The call ended its own session (Logout, a password reset): a new one.
                        clients[name]!.token = try mintSession(d, name)
                    }
                }
            }
        }
        let health = try await nobody.health.check()
        XCTAssertEqual(health.status, .serving, "the server is still there")
        XCTAssertEqual(failures, [], "\(failures.count) requests answered INTERNAL (seed \(seed)):\n" + failures.joined(separator: "\n"))
        print("rpc fuzz: \(calls) calls to \(methods.count) methods, \(failures.count) internal errors")
    }

    /// The error a call ended with, or nil when it succeeded.
    static func failure(_ client: RPCClient, _ path: String, _ body: [UInt8]) async -> RPCError? {
        do {
            _ = try await client.callRaw(path: path, body: body)
            return nil
        } catch {
            return error
        }
    }

    /// Ids of real records, so random requests reach past the "no such record" checks.
    func realIDs(_ d: InProcessDeployment) throws -> [String] {
        try d.store.read { r in
            var ids: [String] = []
            ids += try r.organizations(scope: .everything, includeInactive: true, page: Page(after: nil, limit: 50)).map(\.id)
            ids += try r.accounts(scope: .everything, includeDisabled: true, page: Page(after: nil, limit: 50)).map(\.id)
            ids += try r.subjects(SubjectFilter(scope: .everything), page: Page(after: nil, limit: 50)).flatMap { [$0.id, $0.employeeNumber] }
            ids += try r.categories().flatMap { [$0.id, $0.code] }
            ids += try r.posts(categoryID: nil).flatMap { [$0.id, $0.code] }
            ids += try r.entries(EntryFilter(scope: .everything), page: Page(after: nil, limit: 30)).map(\.id)
            ids += try r.evaluationRuns(EvaluationRunFilter(), page: Page(after: nil, limit: 20)).map(\.id)
            ids += try r.alerts(AlertFilter(), page: Page(after: nil, limit: 20)).map(\.id)
            return ids
        }
    }

    /// A new session for `username`, written straight into the store.
    func mintSession(_ d: InProcessDeployment, _ username: String) throws -> String {
        let token = Token.generate()
        let account = try d.account(username)
        let now = d.clock.now()
        try d.store.write { tx in
            try tx.createSession(SessionRecord(tokenHash: Token.storageHash(token), accountID: account.id, createTime: now,
                                               expireTime: now + 3600, peer: "fuzz"))
        }
        return token
    }
}
