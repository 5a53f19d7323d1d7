import Foundation
import Synchronization

/// A real `lianjied` started for a test on a free loopback port with its own data
/// directory; its JSON log lines are collected. Stops it (SIGTERM) on `stop()` or deinit.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test's thread; `logLines` is a Mutex.
    public let port: Int
    public let dataDirectory: String
    private let process: Process
    private let logLines = Locked<[String]>([])

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The directory with the built executables (beside the running test bundle).
    public static var binDirectory: String {
        var url = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("lianjied").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug"
    }

    /// Starts lianjied. `config` lines go into a config file; `admin` bootstraps an account.
    /// `wrapper` runs the server through another command, e.g. `["prlimit", "--nofile=64:64"]`.
    public init(config: [String] = [], admin: String? = "admin:Correct-Horse-42", dataDirectory: String? = nil,
                extraArguments: [String] = [], wrapper: [String] = []) throws {
        let dir = dataDirectory ?? NSTemporaryDirectory() + "lianjied-test-\(UUID().uuidString)"
        self.dataDirectory = dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let configPath = dir + ".conf"
        try (config.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
        process = Process()
        let arguments = ["--listen", "127.0.0.1:0", "--data-dir", dir, "--config", configPath, "--log-level", "debug"] + extraArguments
        if wrapper.isEmpty {
            process.executableURL = URL(fileURLWithPath: Self.binDirectory + "/lianjied")
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = wrapper + [Self.binDirectory + "/lianjied"] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env["LIANJIE_BOOTSTRAP_ADMIN"] = admin
        process.environment = env
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let lines = logLines
        let ready = DispatchSemaphore(value: 0)
        let portBox = Locked<Int?>(nil)
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { ready.signal(); return }
                pending.append(chunk)
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    lines.withLock { $0.append(line) }
                    if line.contains("\"server started\""), let r = line.range(of: "\"listen\":\"127.0.0.1:") {
                        let digits = line[r.upperBound...].prefix { $0.isNumber }
                        portBox.withLock { $0 = Int(digits) }
                        ready.signal()
                    }
                }
            }
        }
        _ = ready.wait(timeout: .now() + 20)
        guard let p = portBox.withLock({ $0 }) else {
            process.terminate()
            throw Failure(description: "lianjied did not start: \(logLines.withLock { $0.joined(separator: "\n") })")
        }
        port = p
    }

    deinit {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: dataDirectory + ".conf")
    }

    public var pid: Int32 { process.processIdentifier }

    /// CPU seconds (user + system) the server has used so far.
    public var cpuSeconds: Double { ProcessStats.cpuSeconds(pid: pid) ?? 0 }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    public func stop(timeout: Double = 20) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let limit = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < limit { usleep(10_000) }
        if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public var isRunning: Bool { process.isRunning }

    /// Kills the server with SIGKILL (no drain, no chance to flush anything) and waits.
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Every log line so far.
    public var log: [String] { logLines.withLock { $0 } }
}

/// A value behind a mutex, as a class so closures can share it.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    public func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
