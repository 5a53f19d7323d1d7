public import LianjieRPC
public import LianjieStore

/// Store failures as callers see them: one place, so nothing internal leaks.
public enum StoreErrors {
    public static func rpcError(_ error: StoreError, logger: Logger, method: String) -> RPCError {
        switch error.code {
        case .conflict: return RPCError(.alreadyExists, error.message)
        case .busy:
            logger.warning("store busy", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.unavailable, "the data store is busy; retry later")
        case .unavailable:
            logger.error("store unavailable", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.unavailable, "the data store is unavailable; retry later")
        case .tooNew, .failed:
            logger.error("store failed", ["method": .text(method), "detail": .text(error.detail)])
            return RPCError(.internal, "internal error; the server log has the details")
        }
    }

    /// Runs store work and maps its failures; RPC errors thrown inside pass through.
    @discardableResult
    public static func call<T>(logger: Logger, method: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError {
            throw rpcError(e, logger: logger, method: method)
        }
    }
}
