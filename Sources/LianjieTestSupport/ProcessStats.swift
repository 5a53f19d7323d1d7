import Foundation

/// What the kernel says about a process, from /proc: for tests and benchmarks that watch
/// a server they started.
public enum ProcessStats {
    /// User plus system CPU seconds used so far; nil when the process is gone.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory in bytes; nil when the process is gone.
    public static func residentBytes(pid: Int32) -> Int? { status(pid, "VmRSS:") }

    /// The most resident memory the process has had, in bytes; nil when it is gone.
    public static func peakResidentBytes(pid: Int32) -> Int? { status(pid, "VmHWM:") }

    private static func status(_ pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
