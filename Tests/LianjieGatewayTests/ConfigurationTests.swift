import Foundation
import LianjieGateway
import LianjieRPC
import XCTest

/// The gateway's flags and config file.
final class ConfigurationTests: XCTestCase {
    func testFlagsWinOverTheFileAndPathsAreBesideIt() throws {
        let dir = NSTemporaryDirectory() + "gw-conf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "CERT".write(toFile: dir + "/cert.pem", atomically: true, encoding: .utf8)
        try "KEY".write(toFile: dir + "/key.pem", atomically: true, encoding: .utf8)
        try """
            # a comment
            listen = 0.0.0.0:8443
            server = 10.0.0.5:7600
            tls_cert_file = cert.pem
            tls_key_file = key.pem   # beside this file
            logins_per_minute = 20
            upstream_direct_connections = 3
            """.write(toFile: dir + "/gw.conf", atomically: true, encoding: .utf8)
        let (c, action) = try GatewayConfiguration.parse(["--config", dir + "/gw.conf", "--listen=127.0.0.1:9000"])
        XCTAssertNil(action)
        XCTAssertEqual(c.http.endpoint, Endpoint(host: "127.0.0.1", port: 9000))
        XCTAssertEqual(c.server, Endpoint(host: "10.0.0.5", port: 7600))
        XCTAssertEqual(c.http.tlsCertificatePEM, "CERT")
        XCTAssertEqual(c.http.tlsKeyPEM, "KEY")
        XCTAssertEqual(c.loginsPerMinute, 20)
        XCTAssertEqual(c.upstreamDirectConnections, 3)
        XCTAssertEqual(c.upstreamConnections, 4, "the default")
        XCTAssertNoThrow(try c.validate())
    }

    func testBadSettingsAreNamed() throws {
        let dir = NSTemporaryDirectory() + "gw-conf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func error(_ text: String) -> String {
            try? text.write(toFile: dir + "/gw.conf", atomically: true, encoding: .utf8)
            do { _ = try GatewayConfiguration.parse(["--config", dir + "/gw.conf"]); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(error("colour = blue").contains("gw.conf:1: unknown setting colour"))
        XCTAssertTrue(error("\nupstream_connections = 0").contains("gw.conf:2: upstream_connections must be a number in 1.0...64.0"))
        XCTAssertTrue(error("upstream_direct_connections = 5000").contains("upstream_direct_connections must be a number in 0.0...1024.0"))
        XCTAssertTrue(error("server = nowhere").contains("server must be HOST:PORT or unix:/PATH"))
        XCTAssertTrue(error("server = unix:relative.sock").contains("server must be HOST:PORT or unix:/PATH"))
        XCTAssertTrue(error("listen = unix:/run/gw.sock").contains("listen must be HOST:PORT, got"), "the phones' side is TCP")
        XCTAssertEqual(try? GatewayConfiguration.parse(["--server", "unix:/run/lianjie/gateway.sock"]).0.server, Endpoint(unixPath: "/run/lianjie/gateway.sock"))
        XCTAssertTrue(error("tls_cert_file = missing.pem").contains("cannot read tls_cert_file"))
        XCTAssertTrue(error("just words").contains("expected key = value"))
        XCTAssertThrowsError(try GatewayConfiguration.parse(["--bogus"]))
        XCTAssertEqual(try GatewayConfiguration.parse(["--help"]).action, "help")

        var half = GatewayConfiguration()
        half.http.tlsCertificatePEM = "CERT"
        XCTAssertThrowsError(try half.validate())
    }
}
