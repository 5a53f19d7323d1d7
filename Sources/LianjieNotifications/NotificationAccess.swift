public import LianjieMessages
public import LianjieServiceKit

/// Who may call each `NotificationService` method: the gateway drains the outbox; an admin
/// of the whole deployment looks after its dead letters.
public enum NotificationAccess {
    public static let drainers: Set<Role> = [.gateway]
    public static let keepers: Set<Role> = [.admin]

    public static let rules: [String: AccessRule] = [
        NotificationService.claimNotifications.path: .roles(drainers),
        NotificationService.reportNotificationDelivery.path: .roles(drainers),
        NotificationService.listNotifications.path: .roles(keepers),
        NotificationService.retryNotification.path: .roles(keepers),
    ]
}
