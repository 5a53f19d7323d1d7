import Foundation
import LianjieServiceTestSupport
import LianjieStore
import LianjieTestSupport
import LianjieXCTestSupport
import XCTest

/// End to end in headless Chromium, as people use it on a phone (360×740) and on a PC
/// (1280×800): the manager records an entry with a photo → an inspector confirms it → the
/// employee sees it and appeals → a second inspector decides; every role's pages along the
/// way are captured, checked to be non-blank and not wider than the screen. The
/// screenshots stay in `.build/gateway-shots/` to be looked at.
final class BrowserTests: XCTestCase {
    static let photo = Data(base64Encoded: "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT0//wAARCAB4AKADASIAAhEBAxEB/8QAGQABAQADAQAAAAAAAAAAAAAAAAMCBAYF/8QAJhABAQAABAQHAQEAAAAAAAAAABEBAgMEFVST0QUGJXOCsbKBMf/EABoBAQADAQEBAAAAAAAAAAAAAAACAwUGBAH/xAAlEQEAAQMCBgMBAQAAAAAAAAAAEQECElFiAxMUI6HhBBVxIbH/2gAMAwEAAhEDEQA/APNhFIRly6aU4RSEJJThFIQklOEUhCSU4RSEJJThFIQklOEUhCSU4RSEJJThFIQklOEUhCSVIRnCKskZYQjOEMiWEIzhDIlhCM4QyJYQjOEMiWEIzhDIlhCM4QyJYQjOEMiWEIzhDIlhCM4QyJUhFIRVkhKcIpGj41h6VrfH9YJWUyupbqjffjbW7RtQjihodBu8e2f9jt8+nawjig6Dd49n2O3z6drCOKDoN3j2fY7fPp2sI4oOg3ePZ9jt8+nawjig6Dd49n2O3z6drCOKDoN3j2fY7fPp2sI87y5hdhqe7j9YPVjwcS3C+tuj38LiZ2Uu1ThFIRDJOVIRSEVZIynGh45h6Rr/AB/WD048/wAew9H1/j+sFvAr3bf2ivjV7d35VxwDo2CAAAAAAAAAA6by1hfD9T3cfrB68eV5Ywvh2p72P1g9mOe+VXvXNv41e1anCKQijJfKkIzhFUoSwjzvMGHou4+P6wepHm+YcPRNx8f1gt+PXu2/tP8AVfFr27vyriQHUMQAAAAAAAAAB1flXC+G6nvY/WV7UeP5Twvhmr72P5yvbjmvl179362fj17VrCEZwjzyulSEUhFMoynGOpo6erkx09XTy58mP+5c2Fwx/i0I+0ugaXDdjyW26WXscN2PJbbpZezdhEudfrVHG3RpcN2PJbbpZexw3Y8ltull7N2EOdfrUxt0aXDdjyW26WXscN2PJbbpZezdhDnX61MbdGlw3Y8ltull7HDdjyW26WXs3YQ51+tTG3RpcN2PJbbpZexw3Y8ltull7N2EOdfrUxt0aXDdjyW26WXscN2PJbbpZezdhDnX61MbdENHb6WhlxyaGlk08uONxwyZcMML/GcUhEa3Vr/apU/icIpCPkkqQikIqlGU4RSEJJThFIQklOEUhCSU4RSEJJThFIQklOEUhCSU4RSEJJThFIQklOEUhCSVIQFcokIBIQgEhCASEIBIQgEhCASEIBIQgEhCASP/2Q==")!

    static var driver: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Browser/cdp.py").path
    }

    static var shotsRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/gateway-shots").path
    }

    func testThePhone() async throws { try await flow(width: 360, height: 740) }
    func testThePC() async throws { try await flow(width: 1280, height: 800) }

    struct Shot: Decodable {
        var name: String
        var path: String
        var scrollWidth: Int
        var innerWidth: Int
        var textLength: Int
    }

    struct Outcome: Decodable {
        var ok: Bool
        var error: String?
        var shots: [Shot]
    }

    func flow(width: Int, height: Int) async throws {
        let scratch = NSTemporaryDirectory() + "lianjie-browser-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let chromium = try Chromium.required(profile: scratch + "/unused")
        // The real server with the demo's history, the gateway in front, and the messaging
        // platform's webhook the gateway posts notifications to.
        let webhook = try StandInWebhook()
        let d = try GatewayFixture.deployment(history: true)
        let token = try await d.serviceClient().token
        let f = try GatewayFixture(deployment: d) { c in
            c.serviceToken = token
            c.webhook = .init(url: webhook.url, secret: StandInWebhook.secret)
            c.notifyPollSeconds = 0.05
        }
        let shots = Self.shotsRoot + "/\(width)x\(height)"
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let photo = scratch + "/现场照片.jpg"
        try Self.photo.write(to: URL(fileURLWithPath: photo))
        let employeeSubject = try XCTUnwrap(try f.deployment.store.read { try $0.subject(employeeNumber: "HV0001") })
        var all: [Shot] = []

        func session(_ user: String, _ steps: [[String: String]]) throws {
            let password = InProcessDeployment.passwords[user]!
            let login: [[String: String]] = [
                ["go": "/m/login"], ["shot": "\(user)-login"],
                ["type": "input[name=username]", "text": user], ["type": "input[name=password]", "text": password],
                ["tap": "main form button[type=submit]"], ["see": "首页"], ["shot": "\(user)-home"],
            ]
            let script: [String: Any] = ["chromium": chromium.executable, "profile": scratch + "/profile-\(user)", "base": "http://127.0.0.1:\(f.gateway.port)",
                                         "width": width, "height": height, "shots": shots, "steps": login + steps]
            let file = scratch + "/\(user).json"
            try JSONSerialization.data(withJSONObject: script).write(to: URL(fileURLWithPath: file))
            let out = try runProcessAllowingFailure("/usr/bin/env", ["python3", Self.driver, file])
            let outcome = try JSONDecoder().decode(Outcome.self, from: out)
            XCTAssertTrue(outcome.ok, "\(user) at \(width)x\(height): \(outcome.error ?? "")")
            all += outcome.shots
            guard outcome.ok else { throw XCTSkip("the \(user) session failed; later sessions depend on it") }
        }

        let description = "在客户单位接受宴请，现场拍照取证"
        try session("manager", [
            ["go": "/m/team"], ["see": "张伟"], ["shot": "manager-team"],
            ["go": "/m/entries/new"],
            ["choose": "select[name=subject]", "value": employeeSubject.id],
            ["choose": "select[name=tag]", "value": "COMMON/BANQUET_ACCEPTED"],
            ["type": "textarea[name=description]", "text": description],
            ["file": "input[name=photo]", "path": photo],
            ["wait": "document.querySelector('input[name=sha256]').value.length === 64"],
            ["wait": "document.querySelector('img.preview').complete && document.querySelector('img.preview').naturalWidth > 0"],
            ["shot": "manager-entry-form"],
            ["tap": "main form button[type=submit]"], ["see": "已记录"], ["shot": "manager-recorded"],
            ["go": "/m/cases"], ["shot": "manager-cases"],
        ])
        let entry = try XCTUnwrap(try f.deployment.store.read {
            try $0.entries(EntryFilter(scope: .everything, subjectID: employeeSubject.id), page: Page(after: nil, limit: 500))
        }.first { $0.description == description })
        XCTAssertEqual(entry.evidenceIDs.count, 1, "the photo went with it")
        XCTAssertEqual(try f.deployment.store.read { try $0.evidence(id: entry.evidenceIDs[0]) }?.size, Int64(Self.photo.count))

        try session("inspector", [
            ["go": "/m/review"], ["see": description],
            ["wait": "(function(){var i=document.querySelector('#\(entry.id) img.thumb'); if(!i) return false; i.scrollIntoView(); return i.complete && i.naturalWidth === 160;})()"],
            ["shot": "inspector-review"],
            ["tap": "#\(entry.id) form[action$='/confirm'] button"], ["see": "已确认"], ["absent": description],
            // Accepting a banquet raises an alert at once: it is in the inbox.
            ["go": "/m/alerts"], ["see": "BANQUET_ACCEPTED"], ["shot": "inspector-alerts"],
            ["go": "/m/cases"], ["shot": "inspector-cases"],
            ["go": "/m/opinions"], ["shot": "inspector-opinions"],
        ])
        let statement = "当天是社区公益活动的工作餐，并非宴请"
        try session("employee", [
            ["go": "/m/me/entries"], ["see": description],
            ["open": "#\(entry.id) details"], ["type": "#\(entry.id) textarea[name=statement]", "text": statement],
            ["shot": "employee-appeal-form"],
            ["tap": "#\(entry.id) details form button"], ["see": "申辩已提交"], ["see": "申辩待处理"], ["shot": "employee-entries"],
            ["go": "/m/me"], ["see": "张伟"], ["shot": "employee-portrait"],
            ["go": "/m/me/talks"], ["shot": "employee-talks"],
            ["go": "/m/me/dossier"], ["see": "历次评价"], ["shot": "employee-dossier"],
        ])
        try session("inspector-b", [
            ["go": "/m/appeals"], ["see": statement], ["shot": "inspector-b-appeals"],
            ["choose": "#\(entry.id) select[name=decision]", "value": "dismissed"],
            ["type": "#\(entry.id) textarea[name=reason]", "text": "有照片和当事人确认，宴请属实"],
            ["tap": "#\(entry.id) form button"], ["see": "申辩不成立"], ["absent": statement],
        ])
        try session("head", [["go": "/m/opinions"], ["shot": "head-opinions"], ["go": "/m/cases"], ["shot": "head-cases"]])
        try session("hr", [["go": "/m/opinions"], ["shot": "hr-opinions"]])
        try session("employee", [["go": "/m/me/entries"], ["see": "申辩不成立"], ["see": "宴请属实"]])

        // The alert the confirmation raised reached the messaging platform's webhook, signed.
        XCTAssertTrue(Wait.blocking(seconds: 20) {
            webhook.posts.contains { p in
                let payload = p.json?["payload"] as? [String: Any]
                return payload?["type"] as? String == "alert" && (payload?["subjectName"] as? String) == "张伟" && p.status == 200
            }
        }, "the alert about 张伟 reached the webhook")
        XCTAssertTrue(webhook.posts.allSatisfy(\.signatureValid))

        // Every screen: drawn, and no wider than the screen (no sideways scrolling on a phone).
        // A blank screenshot compresses to a few KB; the pixels of the two richest screens
        // (the photo form, the portrait's charts) are counted too.
        XCTAssertGreaterThan(all.count, 25)
        for s in all {
            XCTAssertLessThanOrEqual(s.scrollWidth, s.innerWidth, "\(s.name) at \(width)px is \(s.scrollWidth)px wide")
            XCTAssertGreaterThan(s.textLength, 10, "\(s.name) shows text")
            let size = (try FileManager.default.attributesOfItem(atPath: s.path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 12_000, "\(s.name) is not blank")
        }
        for s in all where ["manager-entry-form", "employee-portrait"].contains(s.name) {
            let probe = try PNGProbe.probe(s.path, colours: ["#0b5cad"], scratch: scratch)
            XCTAssertEqual(probe.width, width, s.name)
            XCTAssertGreaterThan(probe.inkedShare, 0.05, "\(s.name) is not blank")
            XCTAssertGreaterThan(probe.distinctColours, 50, "\(s.name) has a picture or a chart")
        }
    }
}

/// Runs a process to its end and returns its standard output whatever its exit status
/// (the browser driver reports a failed step as JSON and exits 1).
func runProcessAllowingFailure(_ executable: String, _ arguments: [String]) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return data
}
