import LianjieRPC
import LianjieRPCServer

/// Lets the health service ask the server, created after the router, whether it drains.
final class ServerBox: @unchecked Sendable {
    // @unchecked: `server` is written once, by `Daemon.main`, before `RPCServer.start()`
    // starts the loop threads that read it (starting a thread orders the write before
    // every read on it), and never again: so every health check reads it without a lock.
    private nonisolated(unsafe) var stored: RPCServer?

    var server: RPCServer? { stored }

    /// Call once, before the server starts.
    func set(_ server: RPCServer) { stored = server }
}
