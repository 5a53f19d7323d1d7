import LianjieSecurity
import XCTest

final class SecurityTests: XCTestCase {
    func testYescryptHashVerifiesOnlyTheRightPassword() throws {
        let hash = try PasswordHasher.hash("Correct-Horse-42")
        XCTAssertTrue(hash.hasPrefix("$y$"), "yescrypt, as the system stores passwords")
        XCTAssertTrue(PasswordHasher.verify("Correct-Horse-42", against: hash))
        XCTAssertFalse(PasswordHasher.verify("Correct-Horse-43", against: hash))
        XCTAssertFalse(PasswordHasher.verify("", against: hash))
        XCTAssertNotEqual(try PasswordHasher.hash("Correct-Horse-42"), hash, "salts differ")
        XCTAssertFalse(PasswordHasher.verify("x", against: "*0"), "a failure marker never verifies")
        XCTAssertFalse(PasswordHasher.verify("x", against: ""))
    }

    func testSHA256KnownAnswer() {
        XCTAssertEqual(Digest.hex(Digest.sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Digest.hex(Digest.sha256([UInt8]())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testHMACKnownAnswer() {
        // RFC 4231 test case 2.
        let mac = Digest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(Digest.hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testKeyedHMACMatchesTheOneShotForEveryKeyAndMessageLength() {
        // RFC 4231 test case 2, then keys shorter than, as long as and longer than a block
        // (a long key is hashed first) and messages of many lengths, the empty one included.
        let jefe = Digest.HMACKey(Array("Jefe".utf8))
        XCTAssertEqual(Digest.hex(jefe.mac("what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        for keyLength in [1, 32, 63, 64, 65, 131] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let keyed = Digest.HMACKey(key)
            for length in [0, 1, 55, 56, 63, 64, 65, 200] {
                let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13) }
                XCTAssertEqual(message.withUnsafeBytes { keyed.mac($0) }, Digest.hmacSHA256(key: key, message), "key \(keyLength), message \(length)")
            }
        }
        // RFC 4231 test case 6: a 131-byte key.
        let long = Digest.HMACKey([UInt8](repeating: 0xaa, count: 131))
        XCTAssertEqual(Digest.hex(long.mac("Test Using Larger Than Block-Size Key - Hash Key First")),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testTokensAre256RandomBits() {
        let a = Token.generate()
        let b = Token.generate()
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(Token.isWellFormed(a))
        XCTAssertEqual(a.count, 43)
        XCTAssertFalse(Token.isWellFormed(a + "x"))
        XCTAssertFalse(Token.isWellFormed(String(a.dropLast()) + "+"))
        XCTAssertEqual(Token.storageHash(a).count, 32)
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(Digest.constantTimeEqual([1, 2], [1, 2]))
        XCTAssertFalse(Digest.constantTimeEqual([1, 2], [1, 3]))
        XCTAssertFalse(Digest.constantTimeEqual([1], [1, 2]))
    }

    func testPasswordPolicy() {
        XCTAssertNotNil(PasswordPolicy.weakness(of: "short1", username: "x"))
        XCTAssertNotNil(PasswordPolicy.weakness(of: "password123", username: "x"), "common stem")
        XCTAssertNotNil(PasswordPolicy.weakness(of: "1234567890", username: "x"))
        XCTAssertNotNil(PasswordPolicy.weakness(of: "aaaaaaaaaaaa", username: "x"))
        XCTAssertNotNil(PasswordPolicy.weakness(of: "zhangwei-secret-9", username: "zhangwei"))
        XCTAssertNil(PasswordPolicy.weakness(of: "Correct-Horse-42", username: "admin"))
    }
}
