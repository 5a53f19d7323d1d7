import CGatewayFloor
import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieTestSupport

/// The gateway a benchmark measures: the very code of lianjie-gateway, run as
/// `lianjie-bench serve-gateway` in a child process in front of the bench's server, so its
/// CPU time can be read from /proc; or the floor it is measured against (`serve-floor`).
final class GatewayUnderTest {
    let port: Int
    let pid: Int32
    private let process: Process

    /// The gateway in front of `server`, over TCP, or with `unix` over its gateway socket;
    /// with `command` (a tool and its arguments, then a copy of this executable), run by it.
    convenience init(server: ServerUnderTest, unix: Bool = false, command: [String] = []) throws {
        // LIANJIE_BENCH_GATEWAY_LOG=FILE keeps the gateway's log, at debug (every call's
        // time); never under a tool, whose counts the logging would change.
        let log = command.isEmpty ? ProcessInfo.processInfo.environment["LIANJIE_BENCH_GATEWAY_LOG"] : nil
        try self.init(["serve-gateway", "--listen", "127.0.0.1:0", "--server", Self.upstream(server, unix: unix),
                       "--log-level", log == nil ? "notice" : "debug"],
                      portAfter: "\"address\":\"http://127.0.0.1:", log: log, what: "the bench gateway", command: command)
    }

    /// The libmicrohttpd floor (`serve-floor`) in front of `server`, in a process of its
    /// own as the gateway is; over TCP, or with `unix` over the server's gateway socket;
    /// with `command`, run by it.
    convenience init(floorFor server: ServerUnderTest, unix: Bool = false, command: [String] = []) throws {
        try self.init(["serve-floor", "\(server.port)"] + (unix ? [server.gatewaySocket!] : []), portAfter: Self.floorMarker, log: nil,
                      what: "the gateway floor", command: command)
    }

    /// The `--server` a gateway in front of `server` is given.
    static func upstream(_ server: ServerUnderTest, unix: Bool) -> String {
        unix ? Endpoint(unixPath: server.gatewaySocket!).description : "\(server.host):\(server.port)"
    }

    static let floorMarker = "gateway floor on 127.0.0.1:"

    private init(_ arguments: [String], portAfter marker: String, log: String?, what: String, command: [String] = []) throws {
        let (p, port) = try ServerUnderTest.launchSelf(arguments, portAfter: marker, log: log, what: what, command: command,
                                                       startSeconds: command.isEmpty ? 20 : 180)
        self.port = port
        pid = p.processIdentifier
        process = p
    }

    /// `serve-floor PORT [SOCKET]`: the floor in front of lianjied on 127.0.0.1:PORT (or on
    /// its gateway socket SOCKET) until SIGTERM.
    static func serveFloor(_ arguments: [String]) -> Never {
        guard let upstream = arguments.first.flatMap({ UInt16($0) }), arguments.count <= 2 else {
            FileHandle.standardError.write(Data("usage: lianjie-bench serve-floor LIANJIED_PORT [GATEWAY_SOCKET] (on 127.0.0.1)\n".utf8))
            exit(2)
        }
        guard let floor = lj_gateway_floor_start(upstream, arguments.count == 2 ? arguments[1] : nil) else {
            FileHandle.standardError.write(Data("serve-floor: cannot listen on 127.0.0.1\n".utf8))
            exit(1)
        }
        FileHandle.standardError.write(Data("\(floorMarker)\(lj_gateway_floor_port(floor))\n".utf8))
        while true { pause() }
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    func cpuSeconds() -> Double? { ProcessStats.cpuSeconds(pid: pid) }
}

/// Keeps `inflight` requests pipelined on one keep-alive HTTP/1.1 connection for a while,
/// replacing each answered one at once (the HTTP twin of `ConnectionDriver`).
final class HTTPDriver: LoadDriver, @unchecked Sendable {
    // @unchecked: each driver is used by its own thread; results are read after join.
    let fd: Int32
    let inflight: Int
    let request: [UInt8]
    var calls = 0
    var errors = 0
    var latencies: [UInt64] = []

    init(port: Int, inflight: Int, request: [UInt8]) throws {
        fd = try connectTCP(host: "127.0.0.1", port: port)
        self.inflight = inflight
        self.request = request
    }

    deinit { close(fd) }

    func run(measureFrom: UInt64, until: UInt64) {
        var sent: [UInt64] = []  // send times of the requests in flight, oldest first
        sent.reserveCapacity(inflight)
        var head = 0
        var batch: [UInt8] = []
        for _ in 0..<inflight { batch += request; sent.append(monotonicNanos()) }
        guard writeAll(fd, batch) else { errors += 1; return }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var open = inflight
        var stopping = false
        latencies.reserveCapacity(1 << 20)
        while open > 0 {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { if n < 0, errno == EINTR { continue }; errors += open; return }
            buffer.append(contentsOf: chunk[0..<n])
            let now = monotonicNanos()
            if now >= until { stopping = true }
            batch.removeAll(keepingCapacity: true)
            var consumed = 0
            while let (length, ok) = Self.reply(buffer, from: consumed) {
                consumed += length
                open -= 1
                if !ok { errors += 1 }
                let t = sent[head]
                head += 1
                if t >= measureFrom, now < until {
                    calls += 1
                    latencies.append(now - t)
                }
                if !stopping {
                    batch += request
                    sent.append(now)
                    open += 1
                }
            }
            if consumed > 0 { buffer.removeFirst(consumed) }
            if head > 4096 { sent.removeFirst(head); head = 0 }
            if !batch.isEmpty, !writeAll(fd, batch) { errors += open; return }
        }
    }

    /// The length of a whole answer starting at `start`, and whether it was a 200; nil
    /// while incomplete.
    static func reply(_ b: [UInt8], from start: Int) -> (Int, Bool)? {
        guard b.count - start >= 16 else { return nil }
        // Read on the bytes: this client shares the machine with what it measures.
        var i = start
        var headEnd = -1
        var length = 0
        var lineStart = start
        while i + 1 < b.count {
            guard b[i] == 13, b[i + 1] == 10 else { i += 1; continue }
            if i == lineStart { headEnd = i + 2; break }  // the empty line
            length = contentLength(b[lineStart..<i]) ?? length
            i += 2
            lineStart = i
        }
        guard headEnd > 0, b.count >= headEnd + length else { return nil }
        let ok = b[start + 9] == 0x32 && b[start + 10] == 0x30 && b[start + 11] == 0x30  // "HTTP/1.1 200"
        return (headEnd + length - start, ok)
    }

    private static let contentLengthName = Array("content-length:".utf8)

    /// The value of a `Content-Length` header line; nil for any other line.
    private static func contentLength(_ line: ArraySlice<UInt8>) -> Int? {
        guard line.count > contentLengthName.count,
              zip(line, contentLengthName).allSatisfy({ ($0 | 0x20) == $1 }) else { return nil }
        var n = 0
        for c in line.dropFirst(contentLengthName.count) where c >= 0x30 && c <= 0x39 { n = n * 10 + Int(c - 0x30) }
        return n
    }
}

struct GatewayBenchResult {
    struct Pair {
        /// How the gateway reached lianjied: "tcp", or "unix" for its gateway socket.
        var upstream: String
        var direct: RPCResult
        var gateway: RPCResult
        var gatewayCPUMicrosPerCall: Double?
        /// The same direct calls through a bare byte relay (`Relay`), when measured.
        var relayed: RPCResult?
        /// The same calls as HTTP through the libmicrohttpd floor (CGatewayFloor), when measured.
        var floor: RPCResult?
        /// The floor process's CPU per call.
        var floorCPUMicrosPerCall: Double?
        /// What libmicrohttpd, the hop and the upstream call add with no other work: the
        /// floor's p50 over the direct call's.
        var floorMicros: Double? { floor.map { $0.latency.p50 - direct.latency.p50 } }
        /// The gateway's added latency: its p50 over the direct call's.
        var addedMicros: Double { gateway.latency.p50 - direct.latency.p50 }
        /// What one more hop over loopback adds with no work done in it: the relay's p50
        /// over the direct call's.
        var hopMicros: Double? { relayed.map { $0.latency.p50 - direct.latency.p50 } }
        var ratio: Double { gateway.callsPerSecond / max(1, direct.callsPerSecond) }

        var json: JSONValue {
            var o: [(String, JSONValue)] = [("upstream", .string(upstream)), ("direct", direct.json), ("gateway", gateway.json),
                                            ("ratio", JSONValue(floating: (ratio * 1000).rounded() / 1000)),
                                            ("addedUsP50", JSONValue(floating: (addedMicros * 10).rounded() / 10))]
            if let c = gatewayCPUMicrosPerCall { o.append(("gatewayCpuUsPerCall", JSONValue(floating: (c * 100).rounded() / 100))) }
            if let relayed, let hop = hopMicros {
                o.append(("relay", relayed.json))
                o.append(("hopUsP50", JSONValue(floating: (hop * 10).rounded() / 10)))
                o.append(("addedBeyondHopUsP50", JSONValue(floating: ((addedMicros - hop) * 10).rounded() / 10)))
            }
            if let floor, let added = floorMicros {
                o.append(("microhttpdFloor", floor.json))
                if let c = floorCPUMicrosPerCall { o.append(("floorCpuUsPerCall", JSONValue(floating: (c * 100).rounded() / 100))) }
                o.append(("floorUsP50", JSONValue(floating: (added * 10).rounded() / 10)))
                o.append(("addedBeyondFloorUsP50", JSONValue(floating: ((addedMicros - added) * 10).rounded() / 10)))
            }
            return .object(o)
        }

        var line: String {
            "\(gateway.connections)x\(gateway.inflight), upstream over \(upstream == "unix" ? "the gateway socket" : "TCP"): direct \(fmt(direct.callsPerSecond, 0)) calls/s p50 \(fmt(direct.latency.p50)) µs p99 \(fmt(direct.latency.p99)) µs;"
                + " gateway \(fmt(gateway.callsPerSecond, 0)) calls/s p50 \(fmt(gateway.latency.p50)) µs p99 \(fmt(gateway.latency.p99)) µs"
                + " (errors \(gateway.errors)); ratio \(fmt(ratio, 3)); added p50 \(fmt(addedMicros)) µs"
                + (gatewayCPUMicrosPerCall.map { "; gateway CPU \(fmt($0, 1)) µs/call" } ?? "")
                + (relayed.map { r in
                    "\n    the floor of one more hop: the same LJRP calls through a bare byte relay, p50 \(fmt(r.latency.p50)) µs p99 \(fmt(r.latency.p99)) µs,"
                        + " so the hop alone adds \(fmt(hopMicros ?? 0)) µs and the gateway \(fmt(addedMicros - (hopMicros ?? 0))) µs beyond it"
                } ?? "")
                + (floor.map { f in
                    "\n    the floor of a libmicrohttpd gateway: the same HTTP calls answered by libmicrohttpd with one LJRP call each and no other work, p50 \(fmt(f.latency.p50)) µs p99 \(fmt(f.latency.p99)) µs"
                        + " (errors \(f.errors)" + (floorCPUMicrosPerCall.map { "; CPU \(fmt($0, 1)) µs/call" } ?? "") + "),"
                        + " so that floor adds \(fmt(floorMicros ?? 0)) µs and the gateway's own work \(fmt(addedMicros - (floorMicros ?? 0))) µs beyond it"
                } ?? "")
        }
    }

    /// 1x1 and 8x16 as deployed beside lianjied (over its gateway socket when the bench
    /// started the server, else over TCP)…
    var single: Pair
    var loaded: Pair
    /// …and over TCP, from the same rounds, when the first is over the socket.
    var singleTCP: Pair?
    var loadedTCP: Pair?
    static let goalMicros = 50.0
    /// Rounds the 1x1 comparison is interleaved in.
    static let singleRounds = 5
    var met: Bool { single.addedMicros < Self.goalMicros }

    var json: JSONValue {
        var o: [(String, JSONValue)] = [("single", single.json), ("loaded", loaded.json)]
        if let singleTCP { o.append(("singleTCP", singleTCP.json)) }
        if let loadedTCP { o.append(("loadedTCP", loadedTCP.json)) }
        return .object(o + [("goalAddedUs", JSONValue(floating: Self.goalMicros)), ("targetMet", .bool(met))])
    }

    var line: String {
        "gateway (UserService/WhoAmI as JSON over HTTP/1.1 keep-alive vs LJRP)\n"
            + ([single, singleTCP, loaded, loadedTCP].compactMap { $0?.line }).joined(separator: "\n")
            + "\ngoal: the gateway adds < \(fmt(Self.goalMicros, 0)) µs per call at 1x1 (upstream over \(single.upstream == "unix" ? "the gateway socket" : "TCP"))"
            + " \(met ? "[MET]" : "[MISSED]")"
    }
}

/// The HTTP request every gateway measurement sends: WhoAmI as JSON, with a bearer token.
func whoAmIRequest(token: String) -> [UInt8] {
    Array("POST /v1/lianjie.v1.UserService/WhoAmI HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
}

/// WhoAmI straight to lianjied and as JSON through the gateway, at 1×1 and 8×16; at 1×1
/// also through the two floors — a bare relay (any hop) and the libmicrohttpd floor (any
/// gateway on libmicrohttpd) — all interleaved in rounds. When the bench starts the server,
/// it listens on a gateway socket too, and the gateway and both floors are measured over
/// that (as deployed beside lianjied) and over TCP.
func runGateway(_ o: Options) throws -> GatewayBenchResult {
    progress("starting a server and gateways…")
    let server = try makeServer(o, gatewaySocket: true)
    let overSocket = server.gatewaySocket != nil
    let client = RPCClient(endpoint: Endpoint(host: server.host, port: server.port))
    let token = try blockingLogin(client)
    client.close()
    defer { server.stop() }
    let gateway = try GatewayUnderTest(server: server)
    defer { gateway.stop() }
    let gatewayUnix = overSocket ? try GatewayUnderTest(server: server, unix: true) : nil
    defer { gatewayUnix?.stop() }
    let request = whoAmIRequest(token: token)
    let relay = try Relay(to: Endpoint(host: server.host, port: server.port))
    defer { relay.stop() }
    let relayUnix = overSocket ? try Relay(to: Endpoint(unixPath: server.gatewaySocket!)) : nil
    defer { relayUnix?.stop() }
    let floor = try GatewayUnderTest(floorFor: server)
    defer { floor.stop() }
    let floorUnix = overSocket ? try GatewayUnderTest(floorFor: server, unix: true) : nil
    defer { floorUnix?.stop() }
    /// The ways the same calls are made.
    enum Way: Int, CaseIterable {
        case direct, gateway, relay, floor, gatewayUnix, relayUnix, floorUnix
        var name: String {
            switch self {
            case .direct: "direct over LJRP"
            case .gateway: "through the gateway over TCP"
            case .relay: "over LJRP through a bare relay"
            case .floor: "through the libmicrohttpd floor over TCP"
            case .gatewayUnix: "through the gateway over its socket"
            case .relayUnix: "over LJRP through a bare relay to the socket"
            case .floorUnix: "through the libmicrohttpd floor over the socket"
            }
        }
        var isHTTP: Bool { self != .direct && self != .relay && self != .relayUnix }
        var isFloor: Bool { self == .relay || self == .floor || self == .relayUnix || self == .floorUnix }
        var isOverSocket: Bool { self == .gatewayUnix || self == .relayUnix || self == .floorUnix }
    }
    /// The calls made one way for `seconds` on fresh connections.
    func run(_ way: Way, _ connections: Int, _ inflight: Int, _ seconds: Double) throws -> RPCResult {
        switch way {
        case .direct:
            return try runRPC(server: server, connections: connections, inflight: inflight, seconds: seconds, shape: .whoAmI(token: token))
        case .relay, .relayUnix:
            let through = way == .relay ? relay.port : relayUnix?.port ?? 0
            let to = ServerUnderTest(host: "127.0.0.1", port: through, pid: server.pid)
            return try runRPC(server: to, connections: connections, inflight: inflight, seconds: seconds, shape: .whoAmI(token: token))
        case .gateway, .floor, .gatewayUnix, .floorUnix:
            let http = [.gateway: gateway, .floor: floor, .gatewayUnix: gatewayUnix, .floorUnix: floorUnix][way]!!
            let drivers = try (0..<connections).map { _ in try HTTPDriver(port: http.port, inflight: inflight, request: request) }
            return drive(drivers, connections: connections, inflight: inflight, seconds: seconds) { http.cpuSeconds() }
        }
    }
    /// The ways compared, in `rounds` interleaved rounds (each starting with the next way),
    /// so a machine that drifts during the run weighs on all of them alike; the pair over the
    /// socket (when there is one) and over TCP.
    func pairs(_ connections: Int, _ inflight: Int, rounds: Int, floors: Bool) throws -> (GatewayBenchResult.Pair, GatewayBenchResult.Pair?) {
        let ways = Way.allCases.filter { (floors || !$0.isFloor) && (overSocket || !$0.isOverSocket) }
        let slice = o.seconds / Double(rounds)
        var results: [Way: [RPCResult]] = [:]
        for r in 0..<rounds {
            for k in ways.indices {
                let way = ways[(k + r) % ways.count]
                progress("\(connections)x\(inflight): round \(r + 1) of \(rounds), \(way.name) for \(fmt(slice)) s…")
                results[way, default: []].append(try run(way, connections, inflight, slice))
            }
        }
        /// The rounds of `way` as one, and the measured process's CPU per call apart.
        func merged(_ way: Way) -> (RPCResult, Double?)? {
            guard var r = results[way].map(RPCResult.merged) else { return nil }
            let cpu = r.serverCPUMicrosPerCall
            if way.isHTTP { r.serverCPUMicrosPerCall = nil }
            return (r, cpu)
        }
        func pair(_ upstream: String, _ viaGateway: (RPCResult, Double?), relay: Way, floor: Way) -> GatewayBenchResult.Pair {
            let floorResult = merged(floor)
            return .init(upstream: upstream, direct: merged(.direct)!.0, gateway: viaGateway.0, gatewayCPUMicrosPerCall: viaGateway.1,
                         relayed: merged(relay)?.0, floor: floorResult?.0, floorCPUMicrosPerCall: floorResult?.1)
        }
        let tcp = pair("tcp", merged(.gateway)!, relay: .relay, floor: .floor)
        guard let viaSocket = merged(.gatewayUnix) else { return (tcp, nil) }
        return (pair("unix", viaSocket, relay: .relayUnix, floor: .floorUnix), tcp)
    }
    let single = try pairs(1, 1, rounds: GatewayBenchResult.singleRounds, floors: true)
    let loaded = try pairs(8, 16, rounds: 1, floors: false)
    return GatewayBenchResult(single: single.0, loaded: loaded.0, singleTCP: single.1, loadedTCP: loaded.1)
}
