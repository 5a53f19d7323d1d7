import LianjieMessages
public import LianjieRPC
import LianjieTestSupport
public import LianjieWire
public import XCTest

extension XCTestCase {
    /// Asserts `body` fails with `status` and a message a person can read; returns the error.
    @discardableResult
    public func assertRPCError<T>(_ status: Status, file: StaticString = #filePath, line: UInt = #line,
                                  _ body: () async throws -> T) async -> RPCError? {
        do {
            _ = try await body()
            XCTFail("expected \(status.name), the call succeeded", file: file, line: line)
        } catch let e as RPCError {
            XCTAssertEqual(e.status, status, "message: \(e.message)", file: file, line: line)
            XCTAssertFalse(e.message.isEmpty, "every error carries a message", file: file, line: line)
            return e
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    /// Waits until `condition` holds (an event, not a time); fails the test if it never does.
    public func waitUntil(seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line,
                          _ condition: @Sendable () throws -> Bool) async throws {
        let held = try await Wait.until(seconds: seconds, condition)
        XCTAssertTrue(held, "the condition never held", file: file, line: line)
    }
}

extension Frame {
    /// The GOAWAY meta of a GOAWAY frame.
    public var goAway: GoAwayMeta? { kind == .goAway ? try? GoAwayMeta(serializedBytes: meta) : nil }
}
