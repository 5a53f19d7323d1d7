import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The gateway's outbound HTTP(S) (the messaging platform's user-info endpoint, the
/// notification webhook), through Foundation's URLSession: one request at a time per
/// caller, blocking the calling thread, with a timeout, no cookies, no cache, and no
/// redirects followed.
public final class OutboundHTTP: Sendable {
    public struct Answer: Sendable {
        public var status: Int
        public var body: [UInt8]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private let session: URLSession
    /// The largest answer body read.
    static let maxBody = 256 * 1024

    public init(timeoutSeconds: Double = 10) {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeoutSeconds
        c.timeoutIntervalForResource = timeoutSeconds
        c.httpCookieStorage = nil
        c.urlCache = nil
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        c.httpShouldSetCookies = false
        session = URLSession(configuration: c, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// Sends a request and waits for its answer; throws on a connection failure or timeout.
    public func send(_ method: String, _ url: URL, headers: [(String, String)], body: [UInt8]) throws -> Answer {
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if !body.isEmpty { request.httpBody = Data(body) }
        let done = DispatchSemaphore(value: 0)
        let result = Box()
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                result.set(.failure(Failure(description: Self.describe(error))))
            } else if let http = response as? HTTPURLResponse {
                result.set(.success(Answer(status: http.statusCode, body: Array((data ?? Data()).prefix(Self.maxBody)))))
            } else {
                result.set(.failure(Failure(description: "no HTTP answer")))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return try result.get().get()
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

    private final class Box: @unchecked Sendable {
        // @unchecked: written once by the session's queue before the semaphore is signalled.
        private var value: Result<Answer, Failure> = .failure(Failure(description: "no answer"))
        func set(_ v: Result<Answer, Failure>) { value = v }
        func get() -> Result<Answer, Failure> { value }
    }

    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        // @unchecked: stateless.
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}
