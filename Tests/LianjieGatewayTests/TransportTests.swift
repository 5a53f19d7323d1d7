import Foundation
import LianjieGateway
import LianjieRPC
import LianjieTestSupport
import LianjieXCTestSupport
import XCTest

/// HTTPS through libmicrohttpd's GnuTLS build, and slow clients cut off.
final class TransportTests: XCTestCase {
    /// A self-signed certificate for 127.0.0.1 (P-256, valid until 2126), for tests only.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBkDCCATagAwIBAgIURKVo4ly/lC0givuTXojqHwsoYRswCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwMjA3NDEzN1oYDzIxMjYxMTA4
        MDc0MTM3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAAR+kPKZeUfp4uM66DrWaN0hv+FPOw3XHGKyh2Wk0IzstzoETwFez0ir
        STQXg1Tp+dbHGiUsvzjP6f8WIgzty5cLo2QwYjAdBgNVHQ4EFgQUf2BI5AviSDi+
        DXzfp2CJ/OVnKR8wHwYDVR0jBBgwFoAUf2BI5AviSDi+DXzfp2CJ/OVnKR8wDwYD
        VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
        IGET0ScgC2vAPbIQpTamma2/6o0MnB8tN4gFTXPMCZCAAiEApvqULLAM81rJ2Mb/
        Agl23MDJuIUh64vryG8w4JQko5Q=
        -----END CERTIFICATE-----
        """
    static let key = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcOAfVkOXXP+c+VXi
        s9iWSgXiaMjq5mwV7/IzdirRUAOhRANCAAR+kPKZeUfp4uM66DrWaN0hv+FPOw3X
        HGKyh2Wk0IzstzoETwFez0irSTQXg1Tp+dbHGiUsvzjP6f8WIgzty5cL
        -----END PRIVATE KEY-----
        """

    func testHTTPSServesTheSameAPIAndMarksTheCookieSecure() throws {
        let f = try GatewayFixture { c in
            c.http.tlsCertificatePEM = Self.certificate
            c.http.tlsKeyPEM = Self.key
        }
        XCTAssertTrue(f.gateway.tls)
        // Python's ssl module as the client (the certificate is our own, so unverified).
        let script = """
            import http.client, json, ssl, sys
            c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ssl._create_unverified_context(), timeout=10)
            c.request("GET", "/healthz"); r = c.getresponse(); health = (r.status, r.read().decode())
            c.request("GET", "/m/login"); r = c.getresponse(); r.read()
            cookie = r.getheader("Set-Cookie") or ""
            c.request("POST", "/v1/lianjie.v1.UserService/WhoAmI", body="{}", headers={"Content-Type": "application/json"})
            r = c.getresponse(); body = json.loads(r.read())
            print(json.dumps({"health": health, "cookie": cookie, "whoami": [r.status, body.get("title")], "version": c.sock.version()}))
            """
        let out = try runProcess("/usr/bin/env", ["python3", "-c", script, String(f.gateway.port)])
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        XCTAssertEqual(answer["health"] as? [AnyHashable], [200, "ok\n"])
        XCTAssertEqual(answer["whoami"] as? [AnyHashable], [401, "UNAUTHENTICATED"])
        let cookie = try XCTUnwrap(answer["cookie"] as? String)
        XCTAssertTrue(cookie.contains("; Secure"), cookie)
        XCTAssertTrue((answer["version"] as? String ?? "").hasPrefix("TLSv1."), "\(answer)")
        // Plain HTTP on the TLS port gets no answer.
        let plain = try HTTPConnection(port: f.gateway.port)
        XCTAssertThrowsError(try plain.send("GET", "/healthz"))
    }

    func testASlowClientIsCutOffAndTakesNoThreadForever() throws {
        let f = try GatewayFixture { $0.http.idleTimeoutSeconds = 1 }
        let slow = try HTTPConnection(port: f.gateway.port)
        try slow.write(Array("POST /v1/lianjie.v1.UserService/WhoAmI HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{".utf8))
        // Nothing more is sent: the gateway closes the connection after its idle timeout.
        let closed = Wait.blocking(seconds: 10) {
            var byte: UInt8 = 0
            return recv(slow.fd, &byte, 1, 0) == 0
        }
        XCTAssertTrue(closed)
        XCTAssertEqual(try f.connection().send("GET", "/healthz").status, 200, "others are still served")
    }
}

extension TransportTests {
    /// A connection has 16 KiB of libmicrohttpd's memory (cleared for every request, so it
    /// is kept small): a head of 12 KB is read, one of 20 KB is answered 431, and the
    /// gateway goes on serving.
    func testAHeadLargerThanAConnectionsMemoryIsAnswered431() throws {
        let f = try GatewayFixture()
        let manager = try f.login("manager")
        let fits = try f.call("lianjie.v1.UserService/WhoAmI", token: manager, headers: [("X-Padding", String(repeating: "a", count: 12_000))])
        XCTAssertEqual(fits.status, 200, fits.text)
        let tooLarge = try f.call("lianjie.v1.UserService/WhoAmI", token: manager, headers: [("X-Padding", String(repeating: "a", count: 20_000))])
        XCTAssertEqual(tooLarge.status, 431)
        XCTAssertEqual(try f.connection().send("GET", "/healthz").status, 200, "others are still served")
    }

    func testBehindATrustedProxyTheForwardedClientCountsAndOnlyThere() throws {
        let f = try GatewayFixture { $0.http.trustedProxies = ["127.0.0.1"] }
        let token = try f.login("inspector")
        let r = try f.call("lianjie.v1.UserService/ListSubjects", "{}", token: token,
                           headers: [("X-Forwarded-For", "203.0.113.9, 10.20.30.40"), ("X-Forwarded-Proto", "https")])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(try f.deployment.auditEntries(method: "/lianjie.v1.UserService/ListSubjects").last?.peer, "10.20.30.40:0",
                       "the address the proxy saw: the last one")
        let page = try f.connection().send("GET", "/m/login", headers: [("X-Forwarded-Proto", "https")])
        XCTAssertTrue(page.headers("set-cookie").contains { $0.contains("; Secure") }, "TLS at the proxy: the cookie is Secure")
        XCTAssertEqual(try f.call("lianjie.v1.UserService/ListSubjects", "{}", token: token, headers: [("X-Forwarded-For", "not an address")]).status, 200)

        // Without the proxy trusted, the headers mean nothing.
        let plain = try GatewayFixture()
        let t2 = try plain.login("inspector")
        let c = try plain.connection()
        _ = try plain.call("lianjie.v1.UserService/ListSubjects", "{}", token: t2, headers: [("X-Forwarded-For", "203.0.113.9")], on: c)
        XCTAssertEqual(try plain.deployment.auditEntries(method: "/lianjie.v1.UserService/ListSubjects").last?.peer, "127.0.0.1:\(Socket.localPort(c.fd))")
        let page2 = try plain.connection().send("GET", "/m/login", headers: [("X-Forwarded-Proto", "https")])
        XCTAssertFalse(page2.headers("set-cookie").contains { $0.contains("; Secure") })
    }
}
