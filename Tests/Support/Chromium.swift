public import Foundation
import XCTest

/// Debian's headless `chromium`, run as a child process for rendering checks. Each call
/// waits for the process to exit (a watchdog ends it after two minutes).
public struct Chromium: Sendable {
    public let executable: String
    /// A fresh profile directory, so runs never share state with each other or a user.
    public let profile: String

    /// `chromium` on PATH; nil when there is none.
    public static func find(profile: String) -> Chromium? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/chromium"
            if FileManager.default.isExecutableFile(atPath: candidate) { return Chromium(executable: candidate, profile: profile) }
        }
        return nil
    }

    /// `chromium` on PATH, or else a skip; or, when `LIANJIE_REQUIRE_CHROMIUM=1` (as
    /// `Tests/run.sh` sets it), a failure, so CI cannot skip silently.
    public static func required(profile: String) throws -> Chromium {
        if let found = find(profile: profile) { return found }
        if ProcessInfo.processInfo.environment["LIANJIE_REQUIRE_CHROMIUM"] == "1" { throw ChromiumMissing() }
        throw XCTSkip("chromium is not on PATH (Deploy/install-deps.sh --tests installs it)")
    }

    public struct ChromiumMissing: Error, CustomStringConvertible {
        public var description: String {
            "chromium is not on PATH and LIANJIE_REQUIRE_CHROMIUM=1 (Deploy/install-deps.sh --tests installs it)"
        }
    }

    private var common: [String] {
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + profile]
    }

    /// Renders `page` in a window of `width`×`height` CSS pixels to a PNG at `output`.
    public func screenshot(_ page: URL, to output: String, width: Int = 794, height: Int = 1123) throws {
        _ = try run(common + ["--window-size=\(width),\(height)", "--screenshot=" + output, page.absoluteString])
    }

    /// Prints `page` to a PDF at `output` (A4 by the page's own `@page` rule).
    public func printToPDF(_ page: URL, to output: String) throws {
        _ = try run(common + ["--no-pdf-header-footer", "--print-to-pdf=" + output, page.absoluteString])
    }

    /// The DOM after `page` has loaded and its scripts have run.
    public func dumpDOM(_ page: URL, width: Int = 794, height: Int = 1123) throws -> String {
        let out = try run(common + ["--window-size=\(width),\(height)", "--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        return String(decoding: out, as: UTF8.self)
    }

    /// Runs chromium with `arguments`; its standard output. Throws if it does not exit 0.
    public func run(_ arguments: [String]) throws -> Data {
        try runProcess(executable, arguments)
    }
}

public struct ProcessFailed: Error, CustomStringConvertible {
    public var command: String
    public var status: Int32
    public var description: String { "\(command) exited with \(status)" }
}

/// Runs `executable` with `arguments`, reads its standard output to the end, and waits
/// for it to exit; standard error is discarded. A watchdog terminates it after `timeout`.
public func runProcess(_ executable: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    // Reading to the end first: a child that fills the pipe would otherwise never exit.
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        throw ProcessFailed(command: ([executable] + arguments.prefix(1)).joined(separator: " "), status: process.terminationStatus)
    }
    return output
}
