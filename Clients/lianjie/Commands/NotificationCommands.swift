import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC

/// `lianjie notifications …`: the outbox the gateway delivers, and its dead letters.
enum NotificationCommands {
    static let usage = """
        usage: lianjie notifications list [--state pending|delivered|dead] [--limit N]
               lianjie notifications retry ID      (a dead one: sent again, attempts from zero)
        """

    static func run(_ ctx: CLIContext, _ raw: [String]) async throws {
        guard let sub = raw.first else { throw CLIError.usage(usage) }
        let args = try Args(Array(raw.dropFirst()), flags: [])
        let n = try ctx.notifications()
        switch sub {
        case "list":
            try args.only(["--state", "--limit"], positionals: 0)
            let state: NotificationState
            switch args.value("--state") ?? "" {
            case "": state = .unspecified
            case "pending": state = .pending
            case "delivered": state = .delivered
            case "dead": state = .dead
            default: throw CLIError.usage("--state takes pending, delivered or dead")
            }
            guard let limit = Int(args.value("--limit") ?? "50"), limit > 0 else { throw CLIError.usage("--limit takes a positive number") }
            var all: [LianjieMessages.Notification] = []
            var token = ""
            var total: Int32 = 0
            repeat {
                let page = try await Commands.rpc {
                    try await n.listNotifications(ListNotificationsRequest(state: state, pageSize: Int32(min(500, limit - all.count)), pageToken: token),
                                                  options: ctx.options)
                }
                all += page.notifications
                total = page.totalSize
                token = page.nextPageToken
            } while !token.isEmpty && all.count < limit
            ctx.output(ListNotificationsResponse(notifications: all, totalSize: total)) {
                var t = Table("ID", "STATE", "TO", "KIND", "CREATED", "ATTEMPTS", "LAST ERROR")
                for x in all {
                    let kind = (try? JSONValue(parsing: x.payload))?["type"].flatMap { if case .string(let s) = $0 { return s } else { return nil } } ?? ""
                    t.add(x.id, Show.name(x.state, prefix: "NOTIFICATION_STATE_"), x.recipientUsername, kind, Show.time(x.createTime),
                          String(x.attempts), x.lastError)
                }
                t.print()
                if Int(total) > all.count { print("(\(all.count) of \(total); --limit for more)") }
            }
        case "retry":
            try args.only([], positionals: 1)
            let x = try await Commands.rpc { try await n.retryNotification(RetryNotificationRequest(id: try args.positional(0, "ID")), options: ctx.options) }
            ctx.output(x) { print("notification \(x.id) is pending again; the gateway sends it on its next poll") }
        default:
            throw CLIError.usage(usage)
        }
    }
}
