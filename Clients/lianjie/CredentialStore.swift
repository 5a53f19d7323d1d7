import Foundation
import LianjieMessages

/// The saved session: `~/.config/lianjie/credentials.json` (or `$XDG_CONFIG_HOME`), mode 0600
/// in a 0700 directory. Holds the server, the token and its expiry — never a password.
struct CredentialStore {
    struct Saved: Equatable {
        var server: String
        var token: String
        var username: String
        var expiresAtUnix: Int64
    }

    let directory: String

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        directory = (base as NSString).appendingPathComponent("lianjie")
    }

    var path: String { (directory as NSString).appendingPathComponent("credentials.json") }

    func load() -> Saved? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let value = try? JSONValue(parsing: text),
              case .string(let server)? = value["server"], case .string(let token)? = value["token"] else { return nil }
        var username = ""
        if case .string(let u)? = value["username"] { username = u }
        var expires: Int64 = 0
        if case .number(let n)? = value["expiresAtUnix"] { expires = Int64(n) ?? 0 }
        return Saved(server: server, token: token, username: username, expiresAtUnix: expires)
    }

    func save(_ s: Saved) throws {
        func failure(_ what: String) -> CLIError {
            CLIError(message: "cannot write \(path): \(what)", exitCode: CLIError.Code.failure)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // The directory must be a real directory of ours, closed to others: an existing one
        // is tightened to 0700, a symlink is refused.
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw failure("\(directory) is not a directory") }
        guard info.st_uid == geteuid() else { throw failure("\(directory) belongs to another user") }
        if info.st_mode & 0o077 != 0, chmod(directory, 0o700) != 0 {
            throw failure("cannot make \(directory) private: \(String(cString: strerror(errno)))")
        }
        let json = JSONValue.object([
            ("server", .string(s.server)), ("token", .string(s.token)),
            ("username", .string(s.username)), ("expiresAtUnix", .number(String(s.expiresAtUnix))),
        ]).serialized(pretty: true) + "\n"
        // A fresh file, created 0600 before anything is written and never through a symlink,
        // then renamed over the old one: the token is never readable by others, and a link
        // planted at the path cannot redirect it.
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        let bytes = Array(json.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw failure(String(cString: strerror(errno)))
        }
    }

    func remove() {
        unlink(path)
    }
}
