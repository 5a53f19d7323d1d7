import Foundation
import LianjieMessages
import LianjieWire
import Synchronization

/// The floor: a bare TCP echo over loopback with a payload the size of one Health/Check
/// CALL frame, one round trip in flight, blocking reads on both sides. No RPC server can
/// beat it on this machine; the RPC figures are read as a fraction of it.
struct FloorResult {
    var roundTripsPerSecond: Double
    var latency: LatencySummary
    var frameBytes: Int
    /// CPU the echo thread used per round trip: what the kernel's TCP path alone costs a server.
    var echoCPUMicrosPerRoundTrip: Double

    var json: JSONValue {
        .object([("roundTripsPerSecond", JSONValue(floating: roundTripsPerSecond.rounded())),
                 ("p50Us", JSONValue(floating: latency.p50)), ("p99Us", JSONValue(floating: latency.p99)),
                 ("frameBytes", .number("\(frameBytes)")),
                 ("echoCpuUsPerRoundTrip", JSONValue(floating: (echoCPUMicrosPerRoundTrip * 100).rounded() / 100))])
    }
}

func runFloor(seconds: Double) throws -> FloorResult {
    let frame = FrameEncoder.encode(kind: .call, meta: CallMeta(callId: 1_000_000, method: Health.check.path).serializedBytes())
    let (listener, port) = try listenOnLoopback(backlog: 4)
    let echoCPU = EchoCPU()
    let echo = Thread {
        let c = accept(listener, nil, nil)
        var one: Int32 = 1
        setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            if !writeAll(c, Array(buf[0..<n])) { break }
        }
        var cpu = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu)
        echoCPU.seconds.withLock { $0 = Double(cpu.tv_sec) + Double(cpu.tv_nsec) / 1e9 }
        close(c)
    }
    echo.start()
    let fd = try connectTCP(host: "127.0.0.1", port: port)
    defer { close(listener) }
    var buf = [UInt8](repeating: 0, count: 65536)
    var latencies: [UInt64] = []
    let start = monotonicNanos()
    let warmup = UInt64(min(1.0, seconds * 0.1) * 1e9)
    let until = start + warmup + UInt64(seconds * 1e9)
    var count = 0
    while true {
        let t0 = monotonicNanos()
        if t0 >= until { break }
        guard writeAll(fd, frame) else { throw BenchError("echo write failed") }
        var got = 0
        while got < frame.count {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw BenchError("echo read failed") }
            got += n
        }
        let t1 = monotonicNanos()
        if t0 >= start + warmup {
            count += 1
            latencies.append(t1 - t0)
        }
    }
    close(fd)
    var echoSeconds = 0.0
    for _ in 0..<200 {
        echoSeconds = echoCPU.seconds.withLock { $0 }
        if echoSeconds > 0 { break }
        usleep(5000)
    }
    let total = count + Int(Double(count) * Double(warmup) / (seconds * 1e9))
    return FloorResult(roundTripsPerSecond: Double(count) / seconds, latency: LatencySummary(nanos: latencies), frameBytes: frame.count,
                       echoCPUMicrosPerRoundTrip: echoSeconds / Double(max(1, total)) * 1e6)
}

final class EchoCPU: Sendable {
    let seconds = Mutex<Double>(0)
}
