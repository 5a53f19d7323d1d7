import Foundation
import LianjieMessages
import LianjieRPC
import LianjieWire
import Synchronization

/// Latency statistics in microseconds.
struct LatencySummary {
    var p50 = 0.0, p90 = 0.0, p99 = 0.0, max = 0.0

    init(nanos: [UInt64]) {
        guard !nanos.isEmpty else { return }
        let sorted = nanos.sorted()
        func at(_ q: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000 }
        p50 = at(0.5)
        p90 = at(0.9)
        p99 = at(0.99)
        self.max = Double(sorted.last!) / 1000
    }
}

func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func connectTCP(host: String, port: Int) throws -> Int32 {
    do { return try Socket.connect(Endpoint(host: host, port: port)) } catch { throw BenchError(error.description) }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { writeAll(fd, $0) }
}

func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
    var off = 0
    while off < raw.count {
        let n = send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
        if n <= 0 { if errno == EINTR { continue }; return false }
        off += n
    }
    return true
}

/// A TCP socket listening on a free loopback port, and that port.
func listenOnLoopback(backlog: Int32) throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard fd >= 0, bound == 0, listen(fd, backlog) == 0 else {
        if fd >= 0 { close(fd) }
        throw BenchError("cannot listen on loopback")
    }
    var named = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &named) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return (fd, Int(UInt16(bigEndian: named.sin_port)))
}

/// Keeps `inflight` Health/Check calls open on one connection for `seconds`, replacing
/// each answered call at once; counts calls answered after `warmup`.
final class ConnectionDriver: @unchecked Sendable {
    // @unchecked: each driver is used by its own thread; results are read after join.
    let fd: Int32
    let inflight: Int
    var calls = 0
    var errors = 0
    var latencies: [UInt64] = []

    /// What each call is: its method, body and metadata.
    struct CallShape: Sendable {
        var method: String
        var body: [UInt8]
        var metadata: [Metadata]
        /// Makes each call's body from the connection's number and the call's (a request
        /// that must differ from call to call, such as one with a `request_id`).
        var makeBody: (@Sendable (_ connection: Int, _ call: UInt64) -> [UInt8])? = nil

        static let health = CallShape(method: Health.check.path, body: [], metadata: [])

        /// An authenticated call that reads the store: session, account and grants.
        static func whoAmI(token: String) -> CallShape {
            CallShape(method: UserService.whoAmI.path, body: [], metadata: [Metadata(key: "authorization", value: "Bearer \(token)")])
        }
    }

    let shape: CallShape

    let index: Int

    init(host: String, port: Int, inflight: Int, shape: CallShape, index: Int = 0) throws {
        fd = try connectTCP(host: host, port: port)
        self.index = index
        self.inflight = inflight
        self.shape = shape
    }

    deinit { close(fd) }

    func run(measureFrom: UInt64, until: UInt64) {
        var decoder = FrameDecoder()
        var nextID: UInt64 = 1
        var sentAt: [UInt64: UInt64] = [:]
        sentAt.reserveCapacity(inflight * 2)
        let shape = self.shape
        func frame(into out: inout [UInt8]) {
            let id = nextID
            nextID += 1
            sentAt[id] = monotonicNanos()
            FrameEncoder.append(kind: .call, meta: CallMeta(callId: id, method: shape.method, metadata: shape.metadata).serializedBytes(),
                                body: shape.makeBody?(index, id) ?? shape.body, to: &out)
        }
        var batch: [UInt8] = []
        for _ in 0..<inflight { frame(into: &batch) }
        guard writeAll(fd, batch) else { errors += 1; return }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var open = inflight
        var stopping = false
        latencies.reserveCapacity(1 << 20)
        while open > 0 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { if n < 0, errno == EINTR { continue }; errors += open; return }
            buffer.withUnsafeBytes { decoder.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            let now = monotonicNanos()
            if now >= until { stopping = true }
            batch.removeAll(keepingCapacity: true)
            while let event = decoder.next() {
                guard case .frame(let f) = event, f.kind == .reply, let meta = try? ReplyMeta(serializedBytes: f.meta) else { continue }
                open -= 1
                if meta.status != 0 { errors += 1 }
                if let t = sentAt.removeValue(forKey: meta.callId), t >= measureFrom, now < until {
                    calls += 1
                    latencies.append(now - t)
                }
                if !stopping {
                    frame(into: &batch)
                    open += 1
                }
            }
            if !batch.isEmpty, !writeAll(fd, batch) { errors += open; return }
        }
    }
}

struct RPCResult {
    var connections: Int
    var inflight: Int
    var seconds: Double
    var callsPerSecond: Double
    var latency: LatencySummary
    var errors: Int
    var serverCPUMicrosPerCall: Double?
    /// Every measured call's latency, for pooling the rounds of one comparison (`merged`).
    var nanos: [UInt64] = []

    /// Rounds of the same load run apart in time, as one: their calls, latencies pooled,
    /// CPU per call weighted by calls.
    static func merged(_ rounds: [RPCResult]) -> RPCResult {
        let seconds = rounds.reduce(0) { $0 + $1.seconds }
        let counts = rounds.map { $0.callsPerSecond * $0.seconds }
        let calls = counts.reduce(0, +)
        var cpu: Double?
        if rounds.allSatisfy({ $0.serverCPUMicrosPerCall != nil }), calls > 0 {
            cpu = zip(rounds, counts).reduce(0) { $0 + $1.0.serverCPUMicrosPerCall! * $1.1 } / calls
        }
        let nanos = rounds.flatMap(\.nanos)
        return RPCResult(connections: rounds.first?.connections ?? 0, inflight: rounds.first?.inflight ?? 0, seconds: seconds,
                         callsPerSecond: seconds > 0 ? calls / seconds : 0, latency: LatencySummary(nanos: nanos),
                         errors: rounds.reduce(0) { $0 + $1.errors }, serverCPUMicrosPerCall: cpu, nanos: nanos)
    }

    var json: JSONValue {
        var o: [(String, JSONValue)] = [
            ("connections", .number("\(connections)")), ("inflight", .number("\(inflight)")),
            ("seconds", JSONValue(floating: seconds)), ("callsPerSecond", JSONValue(floating: callsPerSecond.rounded())),
            ("p50Us", JSONValue(floating: latency.p50)), ("p90Us", JSONValue(floating: latency.p90)),
            ("p99Us", JSONValue(floating: latency.p99)), ("maxUs", JSONValue(floating: latency.max)),
            ("errors", .number("\(errors)")),
        ]
        if let c = serverCPUMicrosPerCall { o.append(("serverCpuUsPerCall", JSONValue(floating: (c * 100).rounded() / 100))) }
        return .object(o)
    }
}

/// What keeps calls going on one connection for a measured while (`ConnectionDriver` for
/// LJRP, `HTTPDriver` for the gateway's HTTP).
protocol LoadDriver: AnyObject, Sendable {
    var calls: Int { get }
    var errors: Int { get }
    var latencies: [UInt64] { get }
    func run(measureFrom: UInt64, until: UInt64)
}

extension ConnectionDriver: LoadDriver {}

/// Runs `drivers`, each on its own thread, for `seconds` after a short warm-up; `cpu`
/// reads the CPU seconds of the process measured (nil: not read).
func drive(_ drivers: [any LoadDriver], connections: Int, inflight: Int, seconds: Double, cpu: () -> Double?) -> RPCResult {
    let start = monotonicNanos()
    let warmup = UInt64(min(1.0, seconds * 0.1) * 1e9)
    let measureFrom = start + warmup
    let until = start + warmup + UInt64(seconds * 1e9)
    let done = DispatchGroup()
    for d in drivers {
        done.enter()
        let t = Thread { d.run(measureFrom: measureFrom, until: until); done.leave() }
        t.stackSize = 1 << 20
        t.start()
    }
    while monotonicNanos() < measureFrom { usleep(1000) }
    let cpuBefore = cpu()
    while monotonicNanos() < until { usleep(2000) }
    let cpuAfter = cpu()
    done.wait()
    let calls = drivers.reduce(0) { $0 + $1.calls }
    var cpuPerCall: Double?
    if let a = cpuBefore, let b = cpuAfter, calls > 0 { cpuPerCall = (b - a) / Double(calls) * 1e6 }
    let nanos = drivers.flatMap(\.latencies)
    return RPCResult(connections: connections, inflight: inflight, seconds: seconds,
                     callsPerSecond: Double(calls) / seconds, latency: LatencySummary(nanos: nanos),
                     errors: drivers.reduce(0) { $0 + $1.errors }, serverCPUMicrosPerCall: cpuPerCall, nanos: nanos)
}

/// Runs `connections` LJRP drivers, each on its own thread.
func runRPC(server: ServerUnderTest, connections: Int, inflight: Int, seconds: Double,
            shape: ConnectionDriver.CallShape = .health) throws -> RPCResult {
    let drivers = try (0..<connections).map { try ConnectionDriver(host: server.host, port: server.port, inflight: inflight, shape: shape, index: $0) }
    return drive(drivers, connections: connections, inflight: inflight, seconds: seconds) { server.cpuSeconds() }
}
