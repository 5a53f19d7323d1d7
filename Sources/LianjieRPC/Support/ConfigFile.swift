import Foundation

/// The `key = value` config files of lianjied and lianjie-gateway: `#` starts a comment,
/// blank lines are skipped, every other line is one setting.
public enum ConfigFile {
    public struct Setting: Sendable {
        public var key: String
        public var value: String
        /// `FILE:LINE`, for error messages.
        public var source: String
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The settings of the file at `path`, in order.
    public static func read(_ path: String) throws(Problem) -> [Setting] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem("cannot read the config file \(path)")
        }
        var out: [Setting] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "=") else { throw Problem("\(path):\(n + 1): expected key = value") }
            out.append(Setting(key: trimmed[..<eq].trimmingCharacters(in: .whitespaces),
                               value: trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces),
                               source: "\(path):\(n + 1)"))
        }
        return out
    }

    /// What a command line asked for: `--help`/`-h` or `--version` (which end the parse at
    /// once), the `--config FILE`, the switches given, and the settings in order.
    public struct CommandLine: Sendable {
        public var action: String?
        public var config: String?
        public var switches: Set<String> = []
        /// `--data-dir DIR` or `--data-dir=DIR` as the setting `data_dir`.
        public var settings: [Setting] = []
    }

    /// Reads `--flag VALUE` and `--flag=VALUE` for each of `flags` (each also a setting of
    /// the config file), `--config FILE`, and the bare `switches`.
    public static func commandLine(_ args: [String], flags: Set<String>, switches: Set<String> = []) throws(Problem) -> CommandLine {
        var line = CommandLine()
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--help" || a == "-h" { line.action = "help"; return line }
            if a == "--version" { line.action = "version"; return line }
            var flag = a
            var value: String?
            if switches.contains(a) {
                line.switches.insert(a)
            } else {
                if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                    flag = String(a[..<eq])
                    value = String(a[a.index(after: eq)...])
                }
                guard flag == "--config" || flags.contains(flag) else { throw Problem("unknown option \(flag)") }
                if value == nil {
                    i += 1
                    guard i < args.count else { throw Problem("\(flag) needs a value") }
                    value = args[i]
                }
                if flag == "--config" {
                    line.config = value
                } else {
                    line.settings.append(Setting(key: String(flag.dropFirst(2)).replacingOccurrences(of: "-", with: "_"), value: value!, source: flag))
                }
            }
            i += 1
        }
        return line
    }

    /// `value` as a number within `range`, or an error naming the setting.
    public static func number(_ key: String, _ value: String, _ source: String, _ range: ClosedRange<Double>) throws(Problem) -> Double {
        guard let d = Double(value), range.contains(d) else {
            throw Problem("\(source): \(key) must be a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return d
    }

    /// `yes`/`true`/`1` or `no`/`false`/`0`.
    public static func flag(_ key: String, _ value: String, _ source: String) throws(Problem) -> Bool {
        switch value.lowercased() {
        case "yes", "true", "1": return true
        case "no", "false", "0": return false
        default: throw Problem("\(source): \(key) must be yes or no")
        }
    }
}
