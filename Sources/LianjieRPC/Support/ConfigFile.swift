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
