import Foundation
import LianjieMessages
import LianjieWire

struct IdleResult {
    var connections: Int
    var baselineRSS: Int
    var rss: Int

    var json: JSONValue {
        .object([("connections", .number("\(connections)")), ("baselineRssMiB", JSONValue(floating: Double(baselineRSS) / 1_048_576)),
                 ("rssMiB", JSONValue(floating: (Double(rss) / 1_048_576 * 10).rounded() / 10))])
    }
}

/// Opens `count` connections, proves each is served (PING → PONG), and reads the
/// server's resident memory while they sit idle.
func runIdle(server: ServerUnderTest, count: Int) throws -> IdleResult {
    guard let baseline = server.residentBytes() else { throw BenchError("idle needs the server's pid (let the bench start it, or pass --server-pid)") }
    var fds: [Int32] = []
    defer { for fd in fds { close(fd) } }
    let ping = FrameEncoder.encode(kind: .ping, meta: PingMeta(nonce: 1).serializedBytes())
    var buf = [UInt8](repeating: 0, count: 256)
    for i in 0..<count {
        let fd = try connectTCP(host: server.host, port: server.port)
        fds.append(fd)
        guard writeAll(fd, ping) else { throw BenchError("ping failed on connection \(i)") }
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchError("no PONG on connection \(i)") }
        if count >= 10, i % (count / 10) == 0 { progress("idle: \(i)/\(count) connections") }
    }
    usleep(500_000)
    return IdleResult(connections: count, baselineRSS: baseline, rss: server.residentBytes() ?? 0)
}
