import Foundation
import LianjieMessages
import Synchronization

/// Structured logs: one JSON object per line on standard error.
///
/// Libraries take a `Logger` and log at debug; executables choose the level. Never pass a
/// password, token or entry content as a field. Safe to use from any thread.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case trace, debug, info, notice, warning, error

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        public var name: String {
            switch self {
            case .trace: return "trace"
            case .debug: return "debug"
            case .info: return "info"
            case .notice: return "notice"
            case .warning: return "warning"
            case .error: return "error"
            }
        }

        public init?(name: String) {
            guard let l = Level.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
            self = l
        }
    }

    /// A field value: text or a number.
    public enum Value: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case text(String)
        case int(Int64)
        case double(Double)

        public init(stringLiteral s: String) { self = .text(s) }
        public init(integerLiteral i: Int64) { self = .int(i) }
    }

    public let level: Level
    private let sink: @Sendable (String) -> Void

    /// A logger writing lines at `level` and above to standard error.
    public init(level: Level) {
        self.level = level
        self.sink = { line in
            line.utf8CString.withUnsafeBufferPointer { p in
                _ = Foundation.write(2, p.baseAddress, p.count - 1)
            }
        }
    }

    /// A logger handing each line to `sink` (tests).
    public init(level: Level, sink: @escaping @Sendable (String) -> Void) {
        self.level = level
        self.sink = sink
    }

    /// A logger that writes nothing.
    public static let silent = Logger(level: .error, sink: { _ in })

    public func isEnabled(_ l: Level) -> Bool { l >= level }

    public func log(_ l: Level, _ event: String, _ fields: KeyValuePairs<String, Value> = [:]) {
        guard l >= level else { return }
        var line = "{\"time\":\""
        line += Logger.timestamp()
        line += "\",\"level\":\"\(l.name)\",\"event\":"
        Logger.quote(event, into: &line)
        for (key, value) in fields {
            line += ","
            Logger.quote(key, into: &line)
            line += ":"
            switch value {
            case .text(let s): Logger.quote(s, into: &line)
            case .int(let i): line += String(i)
            case .double(let d): line += d.isFinite ? String(d) : "null"
            }
        }
        line += "}\n"
        sink(line)
    }

    public func debug(_ event: String, _ fields: KeyValuePairs<String, Value> = [:]) { log(.debug, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, Value> = [:]) { log(.info, event, fields) }
    public func notice(_ event: String, _ fields: KeyValuePairs<String, Value> = [:]) { log(.notice, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, Value> = [:]) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, Value> = [:]) { log(.error, event, fields) }

    private static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }

    private static func quote(_ s: String, into out: inout String) {
        JSONValue.quote(s, into: &out)
    }
}
