import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The gateway's outbound HTTP(S) (the messaging platform's user-info endpoint, the
/// notification webhook), through Foundation's URLSession: one request at a time per
/// caller, blocking the calling thread for at most `timeout` in all (a peer that trickles
/// bytes is cut off too), an answer body of at most `maxBody` bytes (a larger one is cut
/// off as it arrives, never held), no cookies, no cache, no redirects followed.
public final class OutboundHTTP: Sendable {
    public struct Answer: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static let defaultTimeout = 10
    /// The largest answer body taken.
    public static let maxBody = 256 * 1024
    let timeout: Double

    public init(timeoutSeconds: Int = OutboundHTTP.defaultTimeout) {
        timeout = Double(timeoutSeconds)
    }

    /// Sends a request and waits for its answer; throws on a connection failure, a
    /// timeout, or an answer body over `maxBody`.
    public func send(_ method: String, _ url: URL, headers: [(String, String)], body: [UInt8]) throws -> Answer {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = timeout
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if !body.isEmpty { request.httpBody = Data(body) }
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.httpCookieStorage = nil
        c.urlCache = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.httpShouldSetCookies = false
        let collector = Collector()
        let session = URLSession(configuration: c, delegate: collector, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        task.resume()
        if collector.done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            throw Failure(description: "timed out after \(Int(timeout)) s")
        }
        return try collector.result().get()
    }

    static func describe(_ error: any Error) -> String {
        let e = error as NSError
        switch e.code {
        case NSURLErrorTimedOut: return "timed out"
        case NSURLErrorCannotConnectToHost: return "connection refused"
        case NSURLErrorCannotFindHost: return "unknown host"
        case NSURLErrorNetworkConnectionLost: return "connection lost"
        case NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate:
            return "TLS failed"
        default: return "network error \(e.code)"
        }
    }

    /// One request's answer as it arrives, on the session's queue; `done` is signalled
    /// once, when it is complete, failed or cut off.
    private final class Collector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        // @unchecked: `state` is behind a mutex; the rest is immutable.
        let done = DispatchSemaphore(value: 0)
        private let state = Mutex<(status: Int, body: [UInt8], failure: String?, finished: Bool)>((0, [], nil, false))

        func result() -> Result<Answer, Failure> {
            state.withLock { s in
                if let f = s.failure { return .failure(Failure(description: f)) }
                return .success(Answer(status: s.status, body: s.body))
            }
        }

        private func finish(_ failure: String?) {
            let first = state.withLock { s -> Bool in
                guard !s.finished else { return false }
                s.finished = true
                if s.failure == nil { s.failure = failure }
                return true
            }
            if first { done.signal() }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            state.withLock { $0.status = (response as? HTTPURLResponse)?.statusCode ?? 0 }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let over = state.withLock { s -> Bool in
                guard s.body.count + data.count <= OutboundHTTP.maxBody else { return true }
                s.body.append(contentsOf: data)
                return false
            }
            if over {
                state.withLock { $0.failure = "the answer is larger than \(OutboundHTTP.maxBody) bytes" }
                dataTask.cancel()
                finish(nil)
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            finish(error.map { OutboundHTTP.describe($0) })
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}
