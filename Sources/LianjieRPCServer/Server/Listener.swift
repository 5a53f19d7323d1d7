import CLianjieSys
import Glibc
import LianjieRPC

extension Socket {
    /// A non-blocking listening socket bound to `endpoint`, and the port it got (0 for a
    /// Unix-domain socket).
    static func listen(_ endpoint: Endpoint, backlog: Int32 = 1024) throws(SocketError) -> (fd: Int32, port: Int) {
        if let path = endpoint.path { return (try listenUnix(path, backlog: backlog), 0) }
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

    /// Listens on a Unix-domain socket at `path`, mode 0660 (its owner and group may
    /// connect). A socket file left by a server that is gone is replaced; a file that is not
    /// a socket, or a socket some process still accepts on, is an error.
    static func listenUnix(_ path: String, backlog: Int32) throws(SocketError) -> Int32 {
        let name = "unix:\(path)"
        guard Endpoint.isValidSocketPath(path) else {
            throw SocketError(message: "cannot listen on \(name): a socket path must be absolute and shorter than 108 bytes")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SocketError(message: "cannot listen on \(name): the file exists and is not a socket")
            }
            if let live = try? connect(Endpoint(unixPath: path)) {
                close(live)
                throw SocketError(message: "cannot listen on \(name): another process is listening there")
            }
            guard unlink(path) == 0 || errno == ENOENT else { throw SocketError("cannot remove the old socket \(path)") }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        // No connection can arrive before listen(): the mode is set while nobody can connect.
        guard withUnixAddress(path, { bind(fd, $0, $1) }) == 0 else {
            let error = SocketError("cannot listen on \(name)")
            close(fd)
            throw error
        }
        guard chmod(path, 0o660) == 0, Glibc.listen(fd, backlog) == 0, lj_socket_prepare(fd) == 0 else {
            let error = SocketError("cannot listen on \(name)")
            close(fd)
            unlink(path)
            throw error
        }
        return fd
    }
}
