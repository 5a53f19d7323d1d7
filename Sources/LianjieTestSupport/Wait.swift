import Foundation

/// Waiting on an event — a condition becoming true — instead of sleeping a fixed time.
public enum Wait {
    /// Checks `condition` every 2 ms until it holds; false if it still does not after
    /// `seconds` (a generous bound that only ends a hung test; the event itself decides).
    public static func until(seconds: Double = 10, _ condition: @Sendable () throws -> Bool) async rethrows -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < limit else { return false }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return true
    }

    /// `until` for a test's own thread, outside any async context: checks every 2 ms,
    /// blocking the thread.
    public static func blocking(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < limit else { return false }
            usleep(2000)
        }
        return true
    }
}
