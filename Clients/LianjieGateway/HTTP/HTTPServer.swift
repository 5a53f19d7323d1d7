import CMicroHTTPD
import Foundation
import LianjieRPC
import Synchronization

/// What an HTTP server needs to know before it starts.
public struct HTTPServerConfiguration: Sendable {
    public var endpoint = Endpoint(host: "127.0.0.1", port: 8080)
    /// Connections open at once (each has a thread of its own while it is open).
    public var maxConnections = 512
    /// Connections open at once from one client address.
    public var maxConnectionsPerAddress = 64
    /// A connection that sends nothing for this long is closed: slow clients cannot hold
    /// a thread.
    public var idleTimeoutSeconds = 30
    /// PEM certificate chain and private key: HTTPS when both are set.
    public var tlsCertificatePEM: String?
    public var tlsKeyPEM: String?
    /// Numeric addresses of reverse proxies in front: from them, `X-Forwarded-For` (its
    /// last address) names the client and `X-Forwarded-Proto: https` means TLS.
    public var trustedProxies: Set<String> = []

    public init() {}
}

/// An HTTP/1.1 server on libmicrohttpd: a thread per connection (so a handler may block on
/// an RPC), keep-alive, request bodies handed over as they arrive.
///
/// The `router` sees each request's head first and says how to take its body (see
/// `HTTPExchange`); the exchange's answer is sent when the body is complete.
public final class HTTPServer: Sendable {
    private struct Daemon: @unchecked Sendable {
        // @unchecked: the pointer is only passed back to libmicrohttpd, which is thread-safe.
        let pointer: OpaquePointer
    }

    private let daemon: Daemon
    private let context: Unmanaged<Context>
    /// The port bound (the one asked for, or the one the kernel chose for port 0).
    public let port: Int
    public let tls: Bool

    final class Context: Sendable {
        let router: @Sendable (HTTPRequestHead) -> any HTTPExchange
        let logger: Logger
        let tls: Bool
        let trustedProxies: Set<String>
        init(router: @escaping @Sendable (HTTPRequestHead) -> any HTTPExchange, logger: Logger, tls: Bool, trustedProxies: Set<String>) {
            self.router = router
            self.logger = logger
            self.tls = tls
            self.trustedProxies = trustedProxies
        }
    }

    /// Binds and starts serving; throws when the address cannot be bound or TLS material
    /// is unusable.
    public init(configuration c: HTTPServerConfiguration, logger: Logger,
                router: @escaping @Sendable (HTTPRequestHead) -> any HTTPExchange) throws {
        let tls = c.tlsCertificatePEM != nil && c.tlsKeyPEM != nil
        let context = Unmanaged.passRetained(Context(router: router, logger: logger, tls: tls, trustedProxies: c.trustedProxies))
        // poll(), not select(): select cannot watch a socket numbered 1024 or above.
        var flags = UInt32(MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_POLL.rawValue)
        if tls { flags |= UInt32(MHD_USE_TLS.rawValue) }
        let address: SocketAddress
        do { address = try SocketAddress(c.endpoint) } catch {
            context.release()
            throw error
        }
        if address.isIPv6 { flags |= UInt32(MHD_USE_IPv6.rawValue) }
        let cert = c.tlsCertificatePEM.map { strdup($0)! }
        let key = c.tlsKeyPEM.map { strdup($0)! }
        defer { free(cert); free(key) }
        let started: OpaquePointer? = address.withSockaddr { sa -> OpaquePointer? in
            let completed: MHD_RequestCompletedCallback = { _, _, slot, _ in
                guard let slot, let raw = slot.pointee else { return }
                Unmanaged<RequestState>.fromOpaque(raw).release()
                slot.pointee = nil
            }
            // The client's address, formatted once per connection rather than per request.
            let connectionEvent: MHD_NotifyConnectionCallback = { _, connection, slot, code in
                guard let slot else { return }
                if code == .CONNECTION_NOTIFY_STARTED {
                    var peer = "unknown"
                    if let connection, let info = lj_mhd_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS),
                       let address = info.pointee.client_addr {
                        peer = HTTPRequestHead.describe(address)
                    }
                    slot.pointee = Unmanaged.passRetained(Peer(peer)).toOpaque()
                } else if let raw = slot.pointee {
                    Unmanaged<Peer>.fromOpaque(raw).release()
                    slot.pointee = nil
                }
            }
            var options: [MHD_OptionItem] = [
                MHD_OptionItem(option: .CONNECTION_LIMIT, value: c.maxConnections, ptr_value: nil),
                MHD_OptionItem(option: .PER_IP_CONNECTION_LIMIT, value: c.maxConnectionsPerAddress, ptr_value: nil),
                MHD_OptionItem(option: .CONNECTION_TIMEOUT, value: c.idleTimeoutSeconds, ptr_value: nil),
                // libmicrohttpd clears a connection's memory for every request: 16 KiB holds
                // a head of about 15 KB (past it: 431); uploads come in smaller pieces.
                MHD_OptionItem(option: .CONNECTION_MEMORY_LIMIT, value: 16 * 1024, ptr_value: nil),
                MHD_OptionItem(option: .THREAD_STACK_SIZE, value: 512 * 1024, ptr_value: nil),
                MHD_OptionItem(option: .SOCK_ADDR, value: 0, ptr_value: UnsafeMutableRawPointer(mutating: sa)),
                MHD_OptionItem(option: .NOTIFY_COMPLETED, value: unsafeBitCast(completed, to: Int.self), ptr_value: nil),
                MHD_OptionItem(option: .NOTIFY_CONNECTION, value: unsafeBitCast(connectionEvent, to: Int.self), ptr_value: nil),
            ]
            if let cert, let key {
                options.append(MHD_OptionItem(option: .HTTPS_MEM_CERT, value: 0, ptr_value: UnsafeMutableRawPointer(cert)))
                options.append(MHD_OptionItem(option: .HTTPS_MEM_KEY, value: 0, ptr_value: UnsafeMutableRawPointer(key)))
            }
            options.append(MHD_OptionItem(option: .END, value: 0, ptr_value: nil))
            return options.withUnsafeMutableBufferPointer { items in
                lj_mhd_start(flags, UInt16(c.endpoint.port), HTTPServer.access, context.toOpaque(), items.baseAddress)
            }
        }
        guard let started else {
            context.release()
            throw HTTPServerError("cannot serve HTTP\(tls ? "S" : "") on \(c.endpoint) (in use, not an address of this host, or bad TLS material)")
        }
        daemon = Daemon(pointer: started)
        self.context = context
        self.tls = tls
        let info = lj_mhd_daemon_info(started, .DAEMON_INFO_BIND_PORT)
        port = info.map { Int($0.pointee.port) } ?? c.endpoint.port
    }

    /// Stops accepting, closes every connection (waiting for their threads) and frees the
    /// router. Call once.
    public func stop() {
        MHD_stop_daemon(daemon.pointer)
        context.release()
    }

    // MARK: - libmicrohttpd's callbacks

    /// A connection's client (`ip:port`), kept with the connection while it is open.
    final class Peer: Sendable {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// One request as it arrives: the exchange the router chose, an answer decided while
    /// its body was arriving, and whether an answer has been queued.
    final class RequestState {
        let exchange: any HTTPExchange
        var answered = false
        var refusal: HTTPResponse?
        var discarded = 0
        /// How much of the body may be read on and dropped after a refusal midway.
        let discardLimit: Int
        init(exchange: any HTTPExchange, declaredLength: Int?) {
            self.exchange = exchange
            discardLimit = declaredLength ?? HTTPServer.maxDiscardedBytes
        }
    }

    /// libmicrohttpd takes an answer only with the head or once the body is complete: a
    /// body refused midway is read on and dropped (nothing is kept), so the answer can be
    /// sent — all of a declared length (the exchange accepted that length with the head),
    /// of a chunked body up to this much, then the connection is cut.
    static let maxDiscardedBytes = 16 * 1024 * 1024

    private static let access: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadSize, slot in
        guard let cls, let connection, let slot, let uploadSize else { return .NO }
        let context = Unmanaged<Context>.fromOpaque(cls).takeUnretainedValue()
        guard let raw = slot.pointee else {
            // The head: let the router choose how the body is taken.
            var head = HTTPRequestHead(connection: connection, method: method.map { String(cString: $0) } ?? "",
                                       url: url.map { String(cString: $0) } ?? "/", tls: context.tls)
            if !context.trustedProxies.isEmpty { head.applyProxy(trusted: context.trustedProxies) }
            let state = RequestState(exchange: context.router(head), declaredLength: head.contentLength)
            slot.pointee = Unmanaged.passRetained(state).toOpaque()
            if let early = state.exchange.refusal {
                // Answered before the body is read (413, 404…): libmicrohttpd closes the
                // connection afterwards rather than read a body nobody wants.
                state.answered = true
                return queue(early, on: connection)
            }
            return .YES
        }
        let state = Unmanaged<RequestState>.fromOpaque(raw).takeUnretainedValue()
        if uploadSize.pointee > 0 {
            let count = uploadSize.pointee
            uploadSize.pointee = 0
            if state.answered { return .YES }
            if state.refusal != nil {
                state.discarded += count
                return state.discarded > state.discardLimit ? .NO : .YES
            }
            state.refusal = state.exchange.receive(UnsafeRawBufferPointer(start: uploadData, count: count))
            return .YES
        }
        if state.answered { return .YES }
        state.answered = true
        return queue(state.refusal ?? state.exchange.finish(), on: connection)
    }

    /// A streamed body as it is being sent: the piece at hand and where it starts.
    final class StreamState {
        let stream: HTTPBodyStream
        var piece: [UInt8] = []
        var pieceStart: Int64 = 0
        init(_ stream: HTTPBodyStream) { self.stream = stream }
    }

    private static let readStream: MHD_ContentReaderCallback = { cls, position, buffer, max in
        guard let cls, let buffer else { return -2 }
        let s = Unmanaged<StreamState>.fromOpaque(cls).takeUnretainedValue()
        let pos = Int64(position)
        guard pos < s.stream.length else { return -1 }  // end of stream
        if pos < s.pieceStart || pos >= s.pieceStart + Int64(s.piece.count) {
            guard let next = s.stream.read(pos), !next.isEmpty else { return -2 }  // cut the connection
            s.piece = next
            s.pieceStart = pos
        }
        let from = Int(pos - s.pieceStart)
        let n = min(max, s.piece.count - from, Int(s.stream.length - pos))
        s.piece.withUnsafeBytes { UnsafeMutableRawPointer(buffer).copyMemory(from: $0.baseAddress! + from, byteCount: n) }
        return n
    }

    private static let freeStream: MHD_ContentReaderFreeCallback = { cls in
        guard let cls else { return }
        Unmanaged<StreamState>.fromOpaque(cls).release()
    }

    private static func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let r: OpaquePointer?
        if let stream = response.stream {
            let state = Unmanaged.passRetained(StreamState(stream))
            r = MHD_create_response_from_callback(UInt64(stream.length), 64 * 1024, readStream, state.toOpaque(), freeStream)
            if r == nil { state.release() }
        } else {
            r = response.body.withUnsafeBytes { body in
                MHD_create_response_from_buffer(body.count, UnsafeMutableRawPointer(mutating: body.baseAddress), .RESPMEM_MUST_COPY)
            }
        }
        guard let r else { return .NO }
        defer { MHD_destroy_response(r) }
        // withCString: a native or literal string is passed as it is, not copied out.
        for (name, value) in response.headers
        where name.withCString({ n in value.withCString { v in MHD_add_response_header(r, n, v) } }) != .YES {
            // libmicrohttpd refuses a header value with a line break or other control
            // characters: answer 500 rather than send the response without it.
            return queue(Problem(status: 500, title: "INTERNAL", detail: "the answer had a malformed \(name) header").response, on: connection)
        }
        return MHD_queue_response(connection, UInt32(response.status), r)
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// How one request's body is taken and answered. The server calls `receive` with each
/// piece of the body as it arrives and `finish` once it is complete, all on the
/// connection's own thread. A non-nil `refusal` answers at once, the body unread; a
/// non-nil answer from `receive` is the answer, and the rest of the body is dropped.
public protocol HTTPExchange: AnyObject {
    /// An answer decided from the head alone (a body too large, a route that takes none).
    var refusal: HTTPResponse? { get }
    func receive(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse?
    func finish() -> HTTPResponse
}

extension HTTPExchange {
    public var refusal: HTTPResponse? { nil }
}

/// Buffers a body up to `limit` bytes (413 past it, before reading when the declared
/// length says so), then answers with `respond`.
public final class BufferedExchange: HTTPExchange {
    private let head: HTTPRequestHead
    private let limit: Int
    private let respond: (HTTPRequest) -> HTTPResponse
    private var body: [UInt8] = []
    public let refusal: HTTPResponse?

    public init(_ head: HTTPRequestHead, limit: Int, respond: @escaping (HTTPRequest) -> HTTPResponse) {
        self.head = head
        self.limit = limit
        self.respond = respond
        if let declared = head.contentLength, declared > limit {
            refusal = HTTPResponse.tooLarge(limit: limit)
        } else if head.header("transfer-encoding") != nil, head.contentLength == nil, limit == 0 {
            refusal = HTTPResponse.tooLarge(limit: limit)
        } else {
            refusal = nil
        }
    }

    public func receive(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? {
        guard body.count + bytes.count <= limit else {
            body = []
            return HTTPResponse.tooLarge(limit: limit)
        }
        body.append(contentsOf: bytes)
        return nil
    }

    public func finish() -> HTTPResponse {
        respond(HTTPRequest(head: head, body: body))
    }
}

/// An exchange answered from the head alone: at once when the request has a body (which
/// is then not read, and the connection closes), else once the request is complete, so
/// the connection stays open for the next one.
public final class FixedExchange: HTTPExchange {
    private let response: HTTPResponse
    public let refusal: HTTPResponse?

    public init(_ head: HTTPRequestHead, _ response: HTTPResponse) {
        self.response = response
        refusal = head.hasBody ? response : nil
    }

    public func receive(_ bytes: UnsafeRawBufferPointer) -> HTTPResponse? { response }
    public func finish() -> HTTPResponse { response }
}
