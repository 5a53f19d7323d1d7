import CLianjieSys
import Glibc
import LianjieRPC

extension Socket {
    /// A non-blocking listening socket bound to `endpoint`, and the port it got.
    static func listen(_ endpoint: Endpoint, backlog: Int32 = 1024) throws(SocketError) -> (fd: Int32, port: Int) {
        var lastError = SocketError(message: "no address for \(endpoint)")
        for (family, address) in try resolve(endpoint, passive: true) {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = SocketError("socket"); continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = address.withUnsafeBytes { raw in
                bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            guard bound == 0 else { lastError = SocketError("cannot listen on \(endpoint)"); close(fd); continue }
            guard Glibc.listen(fd, backlog) == 0, lj_socket_prepare(fd) == 0 else {
                lastError = SocketError("cannot listen on \(endpoint)"); close(fd); continue
            }
            return (fd, localPort(fd))
        }
        throw lastError
    }
}
