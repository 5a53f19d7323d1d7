import LianjieMessages
public import LianjieRPCServer
public import LianjieServiceKit

/// Notifications, `lianjie.v1.NotificationService`: the delivery of the outbox every
/// module writes to (`Outbox.enqueue`), by the mobile gateway, with retries, dead letters
/// and an admin's retry.
public enum NotificationModule {
    public static let serviceNames: Set<String> = [NotificationService.name]

    public static var accessRules: [String: AccessRule] { NotificationAccess.rules }

    public static func register(on router: inout Router, _ kit: ServiceKit) {
        NotificationHandlers().register(on: &router, kit)
    }
}
