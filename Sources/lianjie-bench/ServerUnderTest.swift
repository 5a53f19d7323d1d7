import Foundation
import LianjieTestSupport

/// The server a benchmark measures: either one this bench starts (the very code of
/// lianjied, run as `lianjie-bench serve` in a child process, so its CPU and memory can
/// be read from /proc), or one already running at `--server`.
final class ServerUnderTest {
    let host: String
    let port: Int
    let pid: Int32?
    /// The server's gateway socket (`gateway_socket`), when it has one.
    private(set) var gatewaySocket: String?
    private var process: Process?
    private var dataDirectory: String?

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The administrator a bench-started server is bootstrapped with (for `--call whoami`).
    static let username = "bench"
    static let password = "Only-For-Measuring-2026"

    /// Starts a server child process on a free loopback port, in a temporary directory
    /// removed when it stops; with `gatewaySocket`, it listens on a gateway socket in that
    /// directory too.
    convenience init(extraConfig: [String] = [], arguments: [String] = [], gatewaySocket: Bool = false) throws {
        let dir = NSTemporaryDirectory() + "lianjie-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let socket = dir + "/gateway.sock"
        try self.init(directory: dir, keep: false, extraConfig: extraConfig + (gatewaySocket ? ["gateway_socket = \(socket)"] : []),
                      arguments: arguments)
        if gatewaySocket { self.gatewaySocket = socket }
    }

    /// Starts a server child process on a free loopback port whose data lives in
    /// `directory/data`; with `keep`, the directory outlives the server (to load data into
    /// it, or to start another server on it).
    init(directory dir: String, keep: Bool, extraConfig: [String] = [], arguments: [String] = []) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = dir + "/bench.conf"
        try (["idle_timeout_s = 0", "max_connections = 20000", "max_connections_per_peer = 20000"] + extraConfig).joined(separator: "\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["LIANJIE_BOOTSTRAP_ADMIN"] = "\(Self.username):\(Self.password)"
        let (p, port) = try Self.launchSelf(["serve", "--listen", "127.0.0.1:0", "--data-dir", dir + "/data", "--config", config, "--log-level", "notice"] + arguments,
                                            environment: environment, portAfter: "\"listen\":\"127.0.0.1:",
                                            log: ProcessInfo.processInfo.environment["LIANJIE_BENCH_SERVER_LOG"], what: "the bench server")
        host = "127.0.0.1"
        self.port = port
        pid = p.processIdentifier
        process = p
        dataDirectory = keep ? nil : dir
    }

    /// Starts this executable again with `arguments` and waits for the line of its log that
    /// names its port (the text after `portAfter`). Its standard error keeps being drained
    /// so it never blocks on a full pipe (into the file `log`, if any). With `command`, that
    /// program and its arguments run instead, `arguments` after them (a tool running a
    /// copy of this executable), and it may take up to `startSeconds` to name its port.
    static func launchSelf(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                           portAfter marker: String, log: String? = nil, what: String,
                           command: [String] = [], startSeconds: Double = 20) throws -> (Process, Int) {
        let p = Process()
        if let program = command.first {
            p.executableURL = URL(fileURLWithPath: program)
            p.arguments = Array(command.dropFirst()) + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            p.arguments = arguments
        }
        p.environment = environment
        let pipe = Pipe()
        p.standardError = pipe
        try p.run()
        var port: Int?
        var buffered = Data()
        let limit = Date().addingTimeInterval(startSeconds)
        while port == nil, Date() < limit {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffered.append(chunk)
            let text = String(decoding: buffered, as: UTF8.self)
            if let r = text.range(of: marker) { port = Int(text[r.upperBound...].prefix { $0.isNumber }) }
        }
        guard let port else { p.terminate(); throw Failure(description: "\(what) did not start") }
        let handle = pipe.fileHandleForReading
        let file = log.flatMap { path -> FileHandle? in
            _ = FileManager.default.createFile(atPath: path, contents: buffered)
            return FileHandle(forWritingAtPath: path).map { $0.seekToEndOfFile(); return $0 }
        }
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                file?.write(chunk)
            }
        }
        return (p, port)
    }

    /// A server someone else runs; CPU and memory are then read only if `pid` is given.
    init(host: String, port: Int, pid: Int32?) {
        self.host = host
        self.port = port
        self.pid = pid
    }

    deinit { stop() }

    func stop() {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
        }
        process = nil
        if let d = dataDirectory { try? FileManager.default.removeItem(atPath: d) }
        dataDirectory = nil
    }

    /// User plus system CPU seconds the server has used (nil without its pid).
    func cpuSeconds() -> Double? { pid.flatMap { ProcessStats.cpuSeconds(pid: $0) } }

    /// Resident memory of the server in bytes (nil without its pid).
    func residentBytes() -> Int? { pid.flatMap { ProcessStats.residentBytes(pid: $0) } }
}
