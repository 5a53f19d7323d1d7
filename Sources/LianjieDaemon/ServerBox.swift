import LianjieRPC
import LianjieRPCServer
import Synchronization

/// Lets the health service ask the server, created after the router, whether it drains.
final class ServerBox: Sendable {
    private let value = Mutex<RPCServer?>(nil)

    var server: RPCServer? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
