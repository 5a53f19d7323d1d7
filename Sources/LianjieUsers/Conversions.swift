import Glibc
import LianjieMessages
import LianjieScoring
import LianjieServiceKit
import LianjieStore

/// Store records as the messages callers see, and back.
enum Convert {
    static func account(_ a: AccountRecord) -> Account {
        Account(id: a.id, username: a.username, displayName: a.displayName,
                grants: a.grants.map { RoleGrant(role: RoleNames.role($0.role), organizationId: $0.organizationID) },
                createTime: Time(seconds: a.createTime), disabled: a.disabled,
                kind: a.kind == "service" ? .service : .person, etag: String(a.version), disabledReason: a.disabledReason,
                platformUserId: a.platformUserID)
    }

    static func organization(_ o: OrganizationRecord) -> Organization {
        Organization(id: o.id, name: o.name, kind: OrganizationKind(rawValue: o.kind), parentId: o.parentID, active: o.active,
                     createTime: Time(seconds: o.createTime), updateTime: Time(seconds: o.updateTime), etag: String(o.version),
                     ancestorIds: o.ancestorIDs)
    }


    static func category(_ c: CategoryRecord) -> Category { Category(id: c.id, code: c.code, name: c.name) }

    static func post(_ p: PostRecord) -> Post {
        Post(id: p.id, code: p.code, name: p.name, categoryId: p.categoryID, riskCoefficient: p.riskCoefficient)
    }

    static func apiToken(_ t: ApiTokenRecord) -> ApiToken {
        ApiToken(id: t.id, accountId: t.accountID, description: t.description, createTime: Time(seconds: t.createTime),
                 expireTime: Time(seconds: t.expireTime), revokeTime: t.revokeTime == 0 ? nil : Time(seconds: t.revokeTime),
                 prefix: t.prefix)
    }


    static func audit(_ e: AuditRecord) -> AuditEntry {
        AuditEntry(sequence: e.sequence, time: Time(seconds: e.time / 1_000_000_000, nanos: Int32(e.time % 1_000_000_000)),
                   accountId: e.accountID, method: e.method, recordType: e.recordType, recordId: e.recordID,
                   organizationId: e.organizationID, peer: e.peer, outcome: e.outcome, hash: e.hash, reason: e.reason)
    }

    static func date(_ text: String) -> CalendarDate? { CalendarDays.date(text) }
    static func dateText(_ d: CalendarDate) -> String? { CalendarDays.text(d) }
    static func today(_ now: Int64) -> String { CalendarDays.today(now) }
}
