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
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let json = JSONValue.object([
            ("server", .string(s.server)), ("token", .string(s.token)),
            ("username", .string(s.username)), ("expiresAtUnix", .number(String(s.expiresAtUnix))),
        ]).serialized(pretty: true) + "\n"
        // Create with 0600 before writing, so the token is never readable by others.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError(message: "cannot write \(path): \(String(cString: strerror(errno)))", exitCode: CLIError.Code.failure) }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let bytes = Array(json.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CLIError(message: "cannot write \(path)", exitCode: CLIError.Code.failure)
        }
    }

    func remove() {
        unlink(path)
    }
}
