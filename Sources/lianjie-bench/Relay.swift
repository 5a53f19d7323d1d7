import Foundation
import LianjieRPC

/// The floor under any gateway: a relay that does nothing but copy bytes between a TCP
/// client and lianjied (over TCP, or over its gateway socket), a blocked thread per direction per connection (the shape of the
/// gateway's own path: a thread woken by the request, one woken by the reply). A call
/// through it pays for one more hop over loopback and nothing else, so what it adds to a
/// direct call is what the hop alone costs on this machine; the gateway's share is what
/// it adds beyond that.
final class Relay: @unchecked Sendable {
    // @unchecked: `listener` and `upstream` never change; the threads only use their own fds.
    let port: Int
    private let listener: Int32
    private let upstream: Endpoint

    init(to upstream: Endpoint) throws {
        self.upstream = upstream
        (listener, port) = try listenOnLoopback(backlog: 64)
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stops taking connections (those open end when either side closes).
    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue }; return }
            guard let server = try? Socket.connect(upstream) else { close(client); continue }
            var one: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let pair = Pair(client: client, server: server)
            Thread { Relay.copy(from: client, to: server, pair) }.start()
            Thread { Relay.copy(from: server, to: client, pair) }.start()
        }
    }

    /// Both ends of one relayed connection, closed once both directions have ended.
    final class Pair: @unchecked Sendable {
        // @unchecked: `ended` is only touched under `lock`.
        let client: Int32, server: Int32
        private let lock = NSLock()
        private var ended = 0
        init(client: Int32, server: Int32) { self.client = client; self.server = server }
        func end() {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            let last = lock.withLock { ended += 1; return ended == 2 }
            if last { close(client); close(server) }
        }
    }

    private static func copy(from: Int32, to: Int32, _ pair: Pair) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            guard buffer.withUnsafeBytes({ writeAll(to, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else { break }
        }
        pair.end()
    }
}
