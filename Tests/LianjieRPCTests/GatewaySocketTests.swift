import Foundation
import Glibc
import LianjieClient
import LianjieMessages
import LianjieRPC
@testable import LianjieRPCServer
import LianjieTestSupport
import LianjieWire
import LianjieXCTestSupport
import XCTest

/// `gateway_socket`: lianjied's Unix-domain listener for a gateway on the same host.
extension InProcessServerTests {
    /// A fresh directory for socket files, removed after the test.
    func socketDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "lianjie-sock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func fileMode(_ path: String) -> (isSocket: Bool, permissions: mode_t)? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return (info.st_mode & S_IFMT == S_IFSOCK, info.st_mode & 0o777)
    }

    func testEndpointsParseTCPAndUnixForms() {
        XCTAssertEqual(Endpoint("127.0.0.1:7600"), Endpoint(host: "127.0.0.1", port: 7600))
        XCTAssertEqual(Endpoint("[::1]:7600")?.description, "[::1]:7600")
        let unix = Endpoint("unix:/run/lianjie/gateway.sock")
        XCTAssertEqual(unix?.path, "/run/lianjie/gateway.sock")
        XCTAssertEqual(unix?.isUnix, true)
        XCTAssertEqual(unix?.description, "unix:/run/lianjie/gateway.sock")
        XCTAssertFalse(Endpoint("127.0.0.1:7600")!.isUnix)
        XCTAssertNil(Endpoint("unix:relative.sock"), "a socket path must be absolute")
        XCTAssertNil(Endpoint("unix:"), "and not empty")
        XCTAssertNil(Endpoint("unix:/" + String(repeating: "a", count: 107)), "and fit a sockaddr_un")
        XCTAssertNotNil(Endpoint("unix:/" + String(repeating: "a", count: 106)))
        XCTAssertNil(Endpoint.numericPeer("unix:/tmp/x"), "a socket is never a client address a gateway may name")
        // An endpoint made in code is checked when used, never cut to a shorter path.
        XCTAssertThrowsError(try Socket.connect(Endpoint(unixPath: "/" + String(repeating: "a", count: 200)))) { error in
            XCTAssertTrue("\(error)".contains("File name too long"), "\(error)")
        }
        XCTAssertThrowsError(try makeServer { $0.endpoint = Endpoint(unixPath: "/tmp/x.sock") }) { error in
            XCTAssertTrue("\(error)".contains("LJRP's listener is HOST:PORT"), "\(error)")
        }
    }

    func testTheGatewaySocketServesCallsThatMayNameTheirClient() async throws {
        let path = try socketDirectory() + "/gateway.sock"
        // As under systemd's UMask=0077: the socket's mode is set, not left to the umask.
        let umaskBefore = umask(0o077)
        let fixture = try makeServer {
            $0.gatewaySocket = path
            $0.maxRefusedTokensPerConnection = 2
        }
        umask(umaskBefore)
        let mode = try XCTUnwrap(fileMode(path))
        XCTAssertTrue(mode.isSocket)
        XCTAssertEqual(mode.permissions, 0o660, "only the socket's owner and group may connect")

        // The client library connects to it like to any endpoint; such a caller is "local".
        let client = RPCClient(endpoint: Endpoint(unixPath: path), token: "good")
        defer { client.close() }
        let answer = try await client.call(Self.whoCalls, Sample())
        XCTAssertEqual(answer.fString, "local caller-1")

        // A connection on the socket is a gateway's: a call may name the client it carries…
        let raw = try RawConnection(endpoint: Endpoint(unixPath: path))
        try raw.send(raw.callFrame(Self.whoCalls.path, Sample(), token: "good", metadata: [("forwarded-for", "203.0.113.7:51234")]).1)
        XCTAssertEqual(try Sample(serializedBytes: raw.readReply().1).fString, "203.0.113.7:51234 caller-1")
        // …but only as a numeric address.
        try raw.send(raw.callFrame(Self.whoCalls.path, Sample(), token: "good", metadata: [("forwarded-for", "unix:/tmp/x")]).1)
        XCTAssertEqual(try Sample(serializedBytes: raw.readReply().1).fString, "local caller-1")

        // Its connection carries many users' calls: bad tokens do not close it.
        var forged: [UInt8] = []
        for _ in 0..<4 { forged += raw.callFrame(Self.whoCalls.path, Sample(), token: "forged").1 }
        try raw.send(forged)
        for _ in 0..<4 { XCTAssertEqual(try raw.readReply().0.status, Status.unauthenticated.rawValue) }
        try raw.sendCall(Self.echo.path, Sample())
        XCTAssertEqual(try raw.readReply().0.status, 0, "still open after more bad tokens than a connection may send")

        // Over TCP, with no trusted gateway address, the same metadata names nobody.
        let tcp = try RawConnection(port: fixture.port)
        try tcp.send(tcp.callFrame(Self.whoCalls.path, Sample(), token: "good", metadata: [("forwarded-for", "203.0.113.7:51234")]).1)
        XCTAssertTrue(try Sample(serializedBytes: tcp.readReply().1).fString.hasPrefix("127.0.0.1:"))

        XCTAssertTrue(fixture.server.drain(graceSeconds: 2))
        XCTAssertNil(fileMode(path), "a stopped server removes its socket file")
    }

    func testASocketPathInUseOrNotASocketIsRefusedAndAStaleOneReplaced() throws {
        let dir = try socketDirectory()

        // A regular file is never removed to make room.
        let file = dir + "/not-a-socket"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try makeServer { $0.gatewaySocket = file }) { error in
            XCTAssertTrue("\(error)".contains("is not a socket"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "keep me")
        // Nor a symbolic link, wherever it points.
        let link = dir + "/link.sock"
        XCTAssertEqual(symlink(file, link), 0)
        XCTAssertThrowsError(try makeServer { $0.gatewaySocket = link }) { error in
            XCTAssertTrue("\(error)".contains("is not a socket"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "keep me")

        // A socket a live server accepts on is left to it.
        let live = dir + "/live.sock"
        let first = try makeServer { $0.gatewaySocket = live }
        XCTAssertThrowsError(try makeServer { $0.gatewaySocket = live }) { error in
            XCTAssertTrue("\(error)".contains("another process is listening"), "\(error)")
        }
        let still = try RawConnection(endpoint: Endpoint(unixPath: live))
        try still.sendCall(Self.echo.path, Sample())
        XCTAssertEqual(try still.readReply().0.status, 0, "the first server still answers on its socket")
        XCTAssertTrue(first.server.drain(graceSeconds: 2))

        // The file a server that died left behind (bound, never unlinked) is taken over.
        let stale = dir + "/stale.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertEqual(Socket.withUnixAddress(stale, { bind(fd, $0, $1) }), 0)
        close(fd)
        XCTAssertEqual(fileMode(stale)?.isSocket, true)
        let taken = try makeServer { $0.gatewaySocket = stale }
        let raw = try RawConnection(endpoint: Endpoint(unixPath: stale))
        try raw.sendCall(Self.echo.path, Sample())
        XCTAssertEqual(try raw.readReply().0.status, 0)
        XCTAssertTrue(taken.server.drain(graceSeconds: 2))
    }

    func testAStoppingServerRemovesOnlyItsOwnSocketFile() throws {
        let path = try socketDirectory() + "/gateway.sock"
        let first = try makeServer { $0.gatewaySocket = path }
        // Someone put another socket in its place meanwhile (an operator, another server).
        XCTAssertEqual(unlink(path), 0)
        let other = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(other) }
        XCTAssertEqual(Socket.withUnixAddress(path, { bind(other, $0, $1) }), 0)
        XCTAssertEqual(listen(other, 4), 0)
        XCTAssertTrue(first.server.drain(graceSeconds: 2))
        XCTAssertEqual(fileMode(path)?.isSocket, true, "the other socket is left where it is")
        let fd = try Socket.connect(Endpoint(unixPath: path))
        close(fd)
    }
}
