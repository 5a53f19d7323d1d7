import CLianjieSys
import Glibc
import LianjieRPC

extension Socket {
    /// A non-blocking TCP listening socket bound to `endpoint`, and the port it got.
    static func listen(_ endpoint: Endpoint, backlog: Int32 = 1024) throws(SocketError) -> (fd: Int32, port: Int) {
        guard !endpoint.isUnix else { throw SocketError(message: "cannot listen on \(endpoint): LJRP's listener is HOST:PORT (see gateway_socket)") }
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

/// A Unix-domain listening socket's file: which one it is (device and inode), so that only
/// that file is ever removed.
struct UnixSocketFile: Sendable {
    let path: String
    let device: UInt64
    let inode: UInt64

    /// Listens on a Unix-domain socket at `path`, mode 0660 (its owner and group may
    /// connect). A socket file left by a server that is gone (connecting to it is refused)
    /// is replaced; a file that is not a socket (a symbolic link included), a socket some
    /// process still accepts on, or one that cannot be probed, is an error.
    static func listen(_ path: String, backlog: Int32) throws(SocketError) -> (fd: Int32, file: UnixSocketFile) {
        let name = Endpoint.unixPrefix + path
        guard Endpoint.isValidSocketPath(path) else {
            throw SocketError(message: "cannot listen on \(name): a socket path must be absolute and shorter than 108 bytes")
        }
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SocketError(message: "cannot listen on \(name): the file exists and is not a socket")
            }
            switch probe(path) {
            case 0: throw SocketError(message: "cannot listen on \(name): another process is listening there")
            case ECONNREFUSED: guard unlink(path) == 0 || errno == ENOENT else { throw SocketError("cannot remove the old socket \(path)") }
            case let code: throw SocketError("cannot listen on \(name): the socket there cannot be probed", errno: code)
            }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        guard Socket.withUnixAddress(path, { bind(fd, $0, $1) }) == 0 else {
            let error = SocketError("cannot listen on \(name)")
            close(fd)
            throw error
        }
        // Nobody can connect before listen(): the mode is set first, whatever the umask made
        // it, on the file bind made (never through a link someone put in its place).
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK, fchmodat(AT_FDCWD, path, 0o660, AT_SYMLINK_NOFOLLOW) == 0,
              Glibc.listen(fd, backlog) == 0, lj_socket_prepare(fd) == 0 else {
            let error = SocketError("cannot listen on \(name)")
            close(fd)
            unlink(path)
            throw error
        }
        return (fd, UnixSocketFile(path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    /// 0 when a process accepts connections on the socket at `path` (or its backlog is
    /// full), ECONNREFUSED when none does, else the error connecting gave. Never blocks.
    static func probe(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        guard Socket.withUnixAddress(path, { connect(fd, $0, $1) }) != 0 else { return 0 }
        return errno == EAGAIN ? 0 : errno
    }

    /// Removes the file if it is still this one (another server may have replaced it).
    func remove() {
        var info = stat()
        guard lstat(path, &info) == 0, UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode else { return }
        unlink(path)
    }
}
