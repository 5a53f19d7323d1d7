// lianjie-bench: throughput and latency of a Lianjie server, against the floor of a bare
// TCP echo measured in the same run. See `lianjie-bench --help`.
import Foundation
import LianjieDaemon
import LianjieGateway
import LianjieClient
import LianjieMessages
import LianjieRPC
import Synchronization
import LianjieScoring

let usage = """
    lianjie-bench — measures Lianjie's RPC layer on this machine

    Usage:
      lianjie-bench rpc [--connections C] [--inflight D] [--seconds S] [--call health|whoami]
                        [--server HOST:PORT [--server-pid PID]] [--json]
          Health/Check calls (or authenticated UserService/WhoAmI calls, which read the store),
          D in flight on each of C connections, for S seconds; prints calls/s, p50/p90/p99/max
          latency, server CPU per call, and the ratio to a bare TCP echo run first.
      lianjie-bench floor [--seconds S] [--json]
          the bare TCP echo alone (built-in server and client, one round trip in flight)
      lianjie-bench idle [--connections N] [--json]
          the server's resident memory with N idle connections
      lianjie-bench all [--seconds S] [--json]
          floor, rpc 1x1, 1x64, 4x64 and idle 1000, with the targets of issue 2
      lianjie-bench score [--subjects N] [--entries M] [--threads T] [--json]
          the scoring core over N subjects with M entries in all (default 100,000 and
          10,000,000), generated in memory: single-threaded, then on T threads (default: cores),
          each with and without breakdowns
      lianjie-bench entries [--connections C] [--inflight D] [--seconds S] [--json]
          acknowledged durable SubmitEntry calls/s (default 4x64) against a demo server, with
          latency percentiles, beside plain SQLite inserts of the same rows in one transaction
          on this disk; prints both and their ratio (--json: one object whose `ratio` is it)
      lianjie-bench workorders [--json]
          imports 100,000 work orders through ImportWorkOrders (batches of 5,000) into a demo
          server, imports them again unchanged, and times one full rule run over the year
      lianjie-bench evaluate [--subjects N] [--entries M] [--keep DIR] [--json]
          loads N subjects (default 100,000) and M confirmed entries (default 10,000,000) into a
          fresh demo store (timed apart), times one full evaluation run through the server
          (create, poll to done; split into reading, scoring and writing) with the server's
          peak RSS, then one SQLite SELECT subject_id, SUM(quantity) … GROUP BY subject_id over
          the same table; prints both and their ratio (--json: `ratio` is run / GROUP BY);
          --keep DIR loads into DIR once and reuses it on later runs (each run's results are
          deleted after it, so the next run writes into an empty table, as in a fresh store)
      lianjie-bench portrait [--connections C] [--inflight D] [--seconds S] [--json]
          GetPortrait calls/s (default 1x64) from the demo's published runs
      lianjie-bench gateway [--seconds S] [--json]
          authenticated UserService/WhoAmI calls straight to lianjied over LJRP and as JSON
          through lianjie-gateway (HTTP/1.1 keep-alive, requests pipelined), at 1x1 and 8x16,
          in the same run: calls/s, p50/p99, their ratio, the gateway's added p50 latency and
          its CPU per call (goal: < 50 µs added at 1x1); the gateway reaches lianjied over its
          gateway socket, as deployed, and over TCP (singleTCP, loadedTCP); at 1x1 also through
          a bare relay and the libmicrohttpd floor (serve-floor) each way, the seven ways
          interleaved in 5 rounds of S/5 s
      lianjie-bench gateway-instructions [--calls N] [--json]
          the gateway's own work in instructions per call, counted by valgrind's callgrind (the
          same whatever else the machine does): the gateway and the libmicrohttpd floor each
          under callgrind, over lianjied's gateway socket, answer N WhoAmI calls (default
          2,000) one at a time; prints both and
          their difference. Needs valgrind and objcopy (binutils); takes a minute or two
      lianjie-bench serve-gateway [lianjie-gateway options]
          run the gateway itself (what `gateway` starts in front of its server)
      lianjie-bench json [--subjects N] [--seconds S] [--json]
          what writing a JSON answer costs the gateway, per answer: protobuf decoded to the
          Swift message and its JSON tree, or written straight off the bytes (the gateway's
          way), for WhoAmIResponse and a ListSubjectsResponse of N subjects (default 100)
      lianjie-bench serve-floor LIANJIED_PORT [GATEWAY_SOCKET]
          run the floor `gateway` compares the gateway with: libmicrohttpd as the gateway
          runs it, one LJRP call to lianjied on 127.0.0.1:LIANJIED_PORT (or on its gateway
          socket) per request, no other work
      lianjie-bench serve [lianjied options]
          run the server itself (what the other modes start when --server is not given)

    Without --server, the bench starts its own server (the code of lianjied) in a child
    process on a free loopback port, so it can read that process's CPU time and memory.
    Build in release mode: swift run -c release lianjie-bench all
    """

func progress(_ s: String) {
    FileHandle.standardError.write(Data("\(s)\n".utf8))
}

struct Options {
    var connections = 1
    var inflight = 1
    var seconds = 5.0
    var json = false
    var server: (String, Int)?
    var serverPID: Int32?
    var idleConnections = 1000
    var noFloor = false
    var subjects = 100_000
    var entries = 10_000_000
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var call = "health"
    /// `evaluate --keep DIR`: load into DIR once and reuse it on later runs.
    var keep: String?
    /// `gateway-instructions --calls N`: the calls counted.
    var calls = 2_000
}

func parse(_ args: ArraySlice<String>) throws -> Options {
    var o = Options()
    var it = args.makeIterator()
    func value(_ name: String) throws -> String {
        guard let v = it.next() else { throw BenchError("\(name) needs a value") }
        return v
    }
    func number(_ name: String) throws -> Double {
        guard let d = Double(try value(name)), d > 0 else { throw BenchError("\(name) needs a positive number") }
        return d
    }
    while let a = it.next() {
        switch a {
        case "--connections": o.connections = Int(try number(a)); o.idleConnections = o.connections
        case "--inflight": o.inflight = Int(try number(a))
        case "--seconds": o.seconds = try number(a)
        case "--json": o.json = true
        case "--no-floor": o.noFloor = true
        case "--subjects": o.subjects = Int(try number(a))
        case "--calls": o.calls = Int(try number(a))
        case "--entries": o.entries = Int(try number(a))
        case "--threads": o.threads = Int(try number(a))
        case "--call":
            o.call = try value(a)
            guard ["health", "whoami"].contains(o.call) else { throw BenchError("--call takes health or whoami") }
        case "--server-pid": o.serverPID = Int32(try number(a))
        case "--keep": o.keep = try value(a)
        case "--server":
            let v = try value(a)
            guard let colon = v.lastIndex(of: ":"), let port = Int(v[v.index(after: colon)...]) else { throw BenchError("--server needs HOST:PORT") }
            o.server = (String(v[..<colon]), port)
        default: throw BenchError("unknown option \(a)")
        }
    }
    return o
}

func raiseFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// The server `--server` names, or one the bench starts (with `gatewaySocket`, listening on
/// a gateway socket too).
func makeServer(_ o: Options, gatewaySocket: Bool = false) throws -> ServerUnderTest {
    if let (host, port) = o.server { return ServerUnderTest(host: host, port: port, pid: o.serverPID) }
    return try ServerUnderTest(gatewaySocket: gatewaySocket)
}

/// Logs in (as the bench administrator unless told otherwise) from synchronous code.
func blockingLogin(_ client: RPCClient, username: String = ServerUnderTest.username, password: String = ServerUnderTest.password) throws -> String {
    let box = Mutex<Result<String, RPCError>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let r = try await client.userService.login(LoginRequest(username: username, password: password))
            box.withLock { $0 = .success(r.token) }
        } catch let error as RPCError {
            box.withLock { $0 = .failure(error) }
        } catch {
            box.withLock { $0 = .failure(RPCError(.unknown, "\(error)")) }
        }
        done.signal()
    }
    done.wait()
    return try box.withLock { $0! }.get()
}

func fmt(_ d: Double, _ places: Int = 1) -> String { String(format: "%.\(places)f", d) }

func printRPC(_ r: RPCResult, floor: FloorResult?) {
    print("rpc \(r.connections)x\(r.inflight): \(fmt(r.callsPerSecond, 0)) calls/s  p50 \(fmt(r.latency.p50)) µs  p90 \(fmt(r.latency.p90)) µs  p99 \(fmt(r.latency.p99)) µs  max \(fmt(r.latency.max)) µs  errors \(r.errors)"
          + (r.serverCPUMicrosPerCall.map { "  server CPU \(fmt($0, 2)) µs/call" } ?? "")
          + (floor.map { "  ratio to echo \(fmt(r.callsPerSecond / $0.roundTripsPerSecond, 2))" } ?? ""))
}

func printFloor(_ f: FloorResult) {
    print("floor (TCP echo, \(f.frameBytes)-byte frames, 1 in flight): \(fmt(f.roundTripsPerSecond, 0)) round trips/s  p50 \(fmt(f.latency.p50)) µs  p99 \(fmt(f.latency.p99)) µs  echo server CPU \(fmt(f.echoCPUMicrosPerRoundTrip, 2)) µs/round trip")
}

let args = CommandLine.arguments
guard args.count >= 2 else { print(usage); exit(2) }
if args[1] == "serve" { Daemon.main(Array(args.dropFirst(2)), programName: "lianjie-bench serve") }
if args[1] == "serve-floor" { GatewayUnderTest.serveFloor(Array(args.dropFirst(2))) }
if args[1] == "serve-gateway" { GatewayMain.main(Array(args.dropFirst(2)), programName: "lianjie-bench serve-gateway") }
if args[1] == "--help" || args[1] == "-h" { print(usage); exit(0) }

do {
    raiseFileLimit()
    var o = try parse(args.dropFirst(2))
    switch args[1] {
    case "score":
        let scheme = try CompiledScheme(try SchemeLoader.defaultScheme())
        progress("generating \(o.subjects) subjects with \(o.entries) entries…")
        let data = ScoreDataSet(scheme: scheme, subjects: o.subjects, entries: o.entries)
        var results: [ScoreResult] = []
        for threads in Array(Set([1, o.threads])).sorted() {
            for breakdown in [false, true] {
                progress("scoring on \(threads) thread\(threads == 1 ? "" : "s")\(breakdown ? " with breakdowns" : "")…")
                results.append(runScore(subjects: o.subjects, entries: data.entries.count, threads: threads, breakdown: breakdown, data: data, scheme: scheme))
            }
        }
        if o.json { print(JSONValue.object([("score", .array(results.map(\.json)))]).serialized(pretty: true)) } else {
            for r in results { print(r.line) }
        }
    case "entries":
        if !args.contains("--connections") { o.connections = 4 }
        if !args.contains("--inflight") { o.inflight = 64 }
        let r = try runEntries(o)
        if o.json { print(JSONValue.object([("entries", r.json), ("ratio", JSONValue(floating: (r.ratio * 1000).rounded() / 1000))]).serialized(pretty: true)) }
        else { print(r.line) }
    case "evaluate":
        let r = try runEvaluate(o)
        if o.json { print(JSONValue.object([("evaluate", r.json), ("ratio", JSONValue(floating: (r.ratio * 1000).rounded() / 1000))]).serialized(pretty: true)) }
        else { print(r.line) }
    case "portrait":
        if !args.contains("--inflight") { o.inflight = 64 }
        let r = try runPortraits(o)
        if o.json { print(JSONValue.object([("portrait", r.json)]).serialized(pretty: true)) } else { printRPC(r, floor: nil) }
    case "gateway":
        let r = try runGateway(o)
        if o.json { print(JSONValue.object([("gateway", r.json)]).serialized(pretty: true)) } else { print(r.line) }
    case "gateway-instructions":
        let r = try runGatewayInstructions(o)
        if o.json { print(JSONValue.object([("gatewayInstructions", r.json)]).serialized(pretty: true)) } else { print(r.line) }
    case "json":
        let r = try runJSONAnswers(o)
        if o.json { print(JSONValue.object([("jsonAnswers", r.json)]).serialized(pretty: true)) } else { print(r.line) }
    case "workorders":
        let r = try runWorkOrders(o)
        if o.json { print(JSONValue.object([("workorders", r.json)]).serialized(pretty: true)) } else { print(r.line) }
    case "floor":
        let f = try runFloor(seconds: o.seconds)
        if o.json { print(JSONValue.object([("floor", f.json)]).serialized(pretty: true)) } else { printFloor(f) }
    case "rpc":
        let floor = o.noFloor ? nil : try runFloor(seconds: max(1, o.seconds / 2))
        let server = try makeServer(o)
        var shape = ConnectionDriver.CallShape.health
        if o.call == "whoami" {
            let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
            let token = try blockingLogin(client)
            client.close()
            shape = .whoAmI(token: token)
        }
        let r = try runRPC(server: server, connections: o.connections, inflight: o.inflight, seconds: o.seconds, shape: shape)
        server.stop()
        if o.json {
            var fields: [(String, JSONValue)] = [("rpc", r.json)]
            if let floor { fields += [("floor", floor.json), ("ratioToEcho", JSONValue(floating: (r.callsPerSecond / floor.roundTripsPerSecond * 100).rounded() / 100))] }
            print(JSONValue.object(fields).serialized(pretty: true))
        } else {
            if let floor { printFloor(floor) }
            printRPC(r, floor: floor)
        }
    case "idle":
        if args.dropFirst(2).firstIndex(of: "--connections") == nil { o.idleConnections = 1000 }
        let server = try makeServer(o)
        let r = try runIdle(server: server, count: o.idleConnections)
        server.stop()
        if o.json { print(JSONValue.object([("idle", r.json)]).serialized(pretty: true)) } else {
            print("idle: \(r.connections) connections, server RSS \(fmt(Double(r.rss) / 1_048_576)) MiB (\(fmt(Double(r.baselineRSS) / 1_048_576)) MiB before)")
        }
    case "all":
        progress("floor…")
        let floor = try runFloor(seconds: o.seconds)
        var results: [RPCResult] = []
        for (c, d) in [(1, 1), (1, 64), (4, 64)] {
            progress("rpc \(c)x\(d)…")
            let server = try makeServer(o)
            results.append(try runRPC(server: server, connections: c, inflight: d, seconds: o.seconds))
            server.stop()
        }
        progress("rpc 1x64 whoami (authenticated)…")
        let authServer = try makeServer(o)
        let authClient = RPCClient(endpoint: Endpoint(host: authServer.host, port: authServer.port))
        let token = try blockingLogin(authClient)
        authClient.close()
        let auth = try runRPC(server: authServer, connections: 1, inflight: 64, seconds: o.seconds, shape: .whoAmI(token: token))
        authServer.stop()
        let authRatio = auth.callsPerSecond / results[1].callsPerSecond
        progress("idle 1000…")
        let idleServer = try makeServer(o)
        let idle = try runIdle(server: idleServer, count: 1000)
        idleServer.stop()
        let ratio = results[0].callsPerSecond / floor.roundTripsPerSecond
        let checks: [(String, Bool)] = [
            ("1x1 >= 0.7 x echo (\(fmt(ratio, 2)))", ratio >= 0.7),
            ("1x64 >= 100k calls/s (\(fmt(results[1].callsPerSecond, 0)))", results[1].callsPerSecond >= 100_000),
            ("server CPU < 10 µs/call at 1x64 (\(fmt(results[1].serverCPUMicrosPerCall ?? .nan, 2)))", (results[1].serverCPUMicrosPerCall ?? 99) < 10),
            ("RSS < 64 MiB with 1000 idle connections (\(fmt(Double(idle.rss) / 1_048_576)))", idle.rss < 64 << 20),
            ("authenticated WhoAmI 1x64 >= 0.5 x Health/Check 1x64 (\(fmt(authRatio, 2)))", authRatio >= 0.5),
        ]
        if o.json {
            print(JSONValue.object([
                ("floor", floor.json), ("rpc", .array(results.map(\.json))), ("whoami", auth.json), ("idle", idle.json),
                ("ratio1x1ToEcho", JSONValue(floating: (ratio * 100).rounded() / 100)),
                ("authRatio", JSONValue(floating: (authRatio * 100).rounded() / 100)),
                ("targetsMet", .bool(checks.allSatisfy(\.1))),
            ]).serialized(pretty: true))
        } else {
            printFloor(floor)
            for r in results { printRPC(r, floor: floor) }
            print("authenticated WhoAmI:", terminator: " ")
            printRPC(auth, floor: nil)
            print("idle: 1000 connections, server RSS \(fmt(Double(idle.rss) / 1_048_576)) MiB")
            for (name, ok) in checks { print("  [\(ok ? "met" : "MISSED")] \(name)") }
        }
    default:
        print(usage)
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("lianjie-bench: \(error)\n".utf8))
    exit(1)
}
