import Foundation
import LianjieMessages
import LianjieTestSupport
import LianjieWire
import XCTest

/// The document is the contract: a client written from it in another language works,
/// and its byte-by-byte examples are what the encoder produces.
final class InteropTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testPythonClientWrittenFromTheDocumentWorks() throws {
        let server = try ServerProcess()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.root.appendingPathComponent("Tests/Interop/ljrp_client.py").path,
                       "127.0.0.1", String(server.port), "admin", adminPassword]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("\"failed\": {}"), text)
    }

    func hexBlock(_ id: String) throws -> [UInt8] {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("Proto/PROTOCOL.md"), encoding: .utf8)
        let marker = "```hex id=\(id)\n"
        let start = try XCTUnwrap(doc.range(of: marker), "no block \(id)").upperBound
        let end = try XCTUnwrap(doc.range(of: "```", range: start..<doc.endIndex)).lowerBound
        return doc[start..<end].split(whereSeparator: { $0 == " " || $0 == "\n" }).map { UInt8($0, radix: 16)! }
    }

    func testByteByByteExamplesInTheDocumentMatchTheEncoder() throws {
        let call = FrameEncoder.encode(kind: .call, meta: CallMeta(callId: 1, method: "/lianjie.v1.Health/Check", timeoutMs: 1000).serializedBytes(),
                                       body: HealthCheckRequest().serializedBytes())
        XCTAssertEqual(try hexBlock("health-call"), call)
        let reply = FrameEncoder.encode(kind: .reply, meta: ReplyMeta(callId: 1).serializedBytes(),
                                        body: HealthCheckResponse(status: .serving).serializedBytes())
        XCTAssertEqual(try hexBlock("health-reply"), reply)
        let error = FrameEncoder.encode(kind: .reply, meta: ReplyMeta(callId: 2, status: 12, message: "unknown method /lianjie.v1.Nope/X").serializedBytes())
        XCTAssertEqual(try hexBlock("unimplemented-reply"), error)
    }

    func testTheServerSendsTheDocumentedReplies() throws {
        let server = try ServerProcess()
        let raw = try RawConnection(port: server.port)
        try raw.send(hexBlock("health-call"))
        XCTAssertEqual(try raw.readFrame().map { FrameEncoder.encode(kind: $0.kind, meta: $0.meta, body: $0.body) }, try hexBlock("health-reply"))
        try raw.send(raw.callFrame("/lianjie.v1.Nope/X", HealthCheckRequest(), callID: 2).1)
        XCTAssertEqual(try raw.readFrame().map { FrameEncoder.encode(kind: $0.kind, meta: $0.meta, body: $0.body) }, try hexBlock("unimplemented-reply"))
    }
}
