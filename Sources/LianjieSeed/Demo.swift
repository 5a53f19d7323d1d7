import LianjieEntry
import LianjieEvaluation
import LianjieScoring
import LianjieMessages
public import LianjieRPC
import LianjieSecurity
public import LianjieServiceKit
public import LianjieStore

/// The demo deployment of the README: a city bureau with 11 district bureaus; in the
/// first, a high-voltage business-expansion team of 17 subjects; a smaller team in the
/// second (to show that scopes keep them apart); the default "1+3" categories and posts;
/// one account per role with a documented password (two inspectors in the first district,
/// so that four eyes can be shown; a discipline head in each of the first two districts);
/// the default scheme; and a year of history.
public enum Demo {
    /// Demo accounts and their passwords, as documented in the README.
    public static let accounts: [(username: String, password: String, role: String, organization: String, displayName: String)] = [
        ("inspector", "Jiancha-2026-Demo", "inspector", "district1", "王纪检 (inspector, 城东区)"),
        ("inspector-b", "JianchaB-2026-Demo", "inspector", "district1", "孙纪检 (second inspector, 城东区)"),
        ("inspector2", "Jiancha2-2026-Demo", "inspector", "district2", "赵纪检 (inspector, 城西区)"),
        ("head", "Fuzeren-2026-Demo", "discipline_head", "district1", "钱书记 (discipline head, 城东区)"),
        ("head2", "Fuzeren2-2026-Demo", "discipline_head", "district2", "冯书记 (discipline head, 城西区)"),
        ("manager", "Banzhang-2026-Demo", "manager", "team1", "李班长 (manager, 高压业扩班)"),
        ("hr", "Renshi-2026-Demo", "hr", "root", "陈人事 (HR)"),
        ("auditor", "Shenji-2026-Demo", "auditor", "", "周审计 (auditor)"),
        ("employee", "Yuangong-2026-Demo", "employee", "team1", "张伟 (employee)"),
    ]

    static let districts = ["城东区供电局", "城西区供电局", "城南区供电局", "城北区供电局", "高新区供电局", "开发区供电局",
                            "江北区供电局", "江南区供电局", "滨海区供电局", "临港区供电局", "山区供电局"]

    static let team1 = ["张伟", "王芳", "李娜", "刘洋", "陈杰", "杨敏", "赵磊", "黄静", "周涛", "吴霞", "徐强", "孙丽",
                        "马超", "朱婷", "胡斌", "郭琳", "何军"]
    static let team2 = ["林峰", "罗佳", "郑凯"]

    /// Published evaluation runs for the four quarters before the current one, in each of
    /// the two districts with subjects, by that district's inspector: portraits have a trend,
    /// statistics have figures and the score alerts are open.
    static func publishEvaluations(store: any Store, audit: AuditLog, clock: any ServiceClock) throws {
        let today = Day(CalendarDays.today(clock.now()))!
        var quarter = LianjieScoring.Period(.quarter, year: today.components.year, index: (today.components.month - 1) / 3 + 1)!
        var quarters: [LianjieScoring.Period] = []
        for _ in 0..<4 {
            quarter = quarter.previous!
            quarters.insert(quarter, at: 0)
        }
        let (district1, district2, inspector, inspector2) = try store.read { r in
            let orgs = try r.organizations(scope: .everything, includeInactive: false, page: Page(after: nil, limit: 1000))
            return (orgs.first { $0.name == Self.districts[0] }?.id ?? "", orgs.first { $0.name == Self.districts[1] }?.id ?? "",
                    try r.account(username: "inspector")?.id ?? "", try r.account(username: "inspector2")?.id ?? "")
        }
        for q in quarters {
            let period = LianjieMessages.Period(kind: .quarter, year: Int32(q.year), index: Int32(q.index))
            for (org, by) in [(district1, inspector), (district2, inspector2)] {
                _ = try EvaluationModule.evaluateAndPublish(store: store, audit: audit, period: period, organizationID: org, by: by,
                                                            note: "\(q) 季度廉洁评价（演示数据）", clock: clock)
            }
        }
    }

    /// The demo administrator unless `LIANJIE_BOOTSTRAP_ADMIN` names another.
    public static let defaultAdministrator = (username: "admin", password: "Demo-Lianjie-2026")

    public enum Outcome: Sendable, Equatable {
        case seeded(subjects: Int)
        /// The store is a demo store seeded before: nothing was changed.
        case skipped
    }

    /// The store holds a deployment that is not the demo: its documented passwords stay out.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Seeds the demo, its administrator included, into an empty store; on a store seeded
    /// by an earlier `--demo` run it changes nothing.
    /// - Throws: `Refusal` when the store already holds accounts or organisations of a real
    ///   deployment: documented passwords must never land beside a real administrator.
    /// - Parameter history: also seed a year of entries, evidence and work orders (`DemoHistory`).
    public static func seed(store: any Store, administrator: (username: String, password: String) = defaultAdministrator,
                            audit: AuditLog, clock: any ServiceClock = SystemClock(), history: Bool = true, logger: Logger) throws -> Outcome {
        let (seededBefore, accountCount, organizationCount) = try store.read { r in
            (try !r.auditEntries(AuditFilter(scope: .everything, method: "demo-seed"), afterSequence: 0, limit: 1).isEmpty,
             try r.accountCount(), try r.organizationCount(scope: .everything, includeInactive: true))
        }
        if seededBefore {
            logger.notice("demo data not seeded: this store holds the demo already")
            return .skipped
        }
        guard accountCount == 0, organizationCount == 0 else {
            throw Refusal(description: "--demo seeds accounts with documented passwords, so it runs only on an empty data "
                + "directory or one seeded by --demo; this one already holds \(accountCount) account(s) and "
                + "\(organizationCount) organisation(s). Start the demo with another --data-dir.")
        }
        let accounts: [(username: String, password: String, role: String, organization: String, displayName: String)] =
            [(administrator.username, administrator.password, "admin", "", "Administrator")] + Self.accounts
        // Hash outside the write transaction: each takes ~18 ms.
        let hashes = try accounts.map { try PasswordHasher.hash($0.1) }
        let now = clock.now()
        let log = audit
        let count = try store.write { tx -> Int in
            func audit(_ type: String, _ id: String, _ org: OrganizationRecord?) throws {
                try log.append(tx, time: clock.nowNanos(), accountID: "", method: "demo-seed",
                                    target: AuditLog.Target(type: type, id: id, organizationID: org?.id ?? "", organizationPath: org?.path ?? ""),
                                    peer: "local", outcome: "OK")
            }
            func organization(_ name: String, _ kind: OrganizationKind, under parent: OrganizationRecord?) throws -> OrganizationRecord {
                let id = Identifiers.new(prefix: "org")
                let o = OrganizationRecord(id: id, name: name, kind: kind.rawValue, parentID: parent?.id ?? "",
                                           path: (parent?.path ?? "/") + id + "/", createTime: now, updateTime: now)
                try tx.createOrganization(o)
                try audit("organization", id, o)
                return o
            }
            let root = try organization("市供电局", .bureau, under: nil)
            var districts: [OrganizationRecord] = []
            for name in Self.districts { districts.append(try organization(name, .districtBureau, under: root)) }
            let marketing1 = try organization("营销部", .department, under: districts[0])
            let team1 = try organization("高压业扩班", .team, under: marketing1)
            let marketing2 = try organization("营销部", .department, under: districts[1])
            let team2 = try organization("高压业扩班", .team, under: marketing2)

            let categories = [("HV_EXPANSION", "高压业扩报装"), ("LV_EXPANSION", "低压业扩报装"), ("METERING_INSPECTION", "计量与用电检查")]
                .map { CategoryRecord(id: Identifiers.new(prefix: "cat"), code: $0.0, name: $0.1) }
            for c in categories { try tx.createCategory(c); try audit("category", c.id, nil) }
            let posts = [
                ("HV_TEAM_LEADER", "高压业扩班长", 0, "1.40"), ("HV_ACCOUNT_MANAGER", "高压客户经理", 0, "1.30"),
                ("HV_SITE_SURVEYOR", "现场勘查员", 0, "1.20"), ("HV_DESIGN_REVIEWER", "设计审查员", 0, "1.20"),
                ("LV_ACCOUNT_MANAGER", "低压客户经理", 1, "1.10"), ("METER_INSTALLER", "装表接电员", 2, "1.10"),
                ("POWER_USE_INSPECTOR", "用电检查员", 2, "1.25"),
            ].map { PostRecord(id: Identifiers.new(prefix: "post"), code: $0.0, name: $0.1, categoryID: categories[$0.2].id, riskCoefficient: $0.3) }
            for p in posts { try tx.createPost(p); try audit("post", p.id, nil) }

            let organizations = ["root": root, "district1": districts[0], "district2": districts[1], "team1": team1]
            var accountIDs: [String: String] = [:]
            for (i, a) in accounts.enumerated() {
                let id = Identifiers.new(prefix: "acc")
                accountIDs[a.username] = id
                let record = AccountRecord(id: id, username: a.username, displayName: a.displayName, passwordHash: hashes[i],
                                           grants: [GrantRecord(role: a.role, organizationID: organizations[a.organization]?.id ?? "")],
                                           createTime: now)
                try tx.createAccount(record)
                try audit("account", id, organizations[a.organization])
            }

            var number = 0
            func subject(_ name: String, in team: OrganizationRecord, post: PostRecord, level: PositionLevel, account: String) throws {
                number += 1
                let entry = "20\(18 + number % 6)-0\(1 + number % 9)-1\(number % 9)"
                let s = SubjectRecord(id: Identifiers.new(prefix: "sub"), employeeNumber: "HV" + String(repeating: "0", count: 4 - String(number).count) + String(number), name: name,
                                      organizationID: team.id, categoryID: categories[0].id, postID: post.id,
                                      positionLevel: level.rawValue, status: SubjectStatus.active.rawValue, accountID: account,
                                      postEntryDate: entry, createTime: now, updateTime: now)
                try tx.createSubject(s, placement: PlacementRecord(subjectID: s.id, organizationID: team.id, fromDate: entry,
                                                                   reason: "created", changedBy: "demo-seed"))
                try audit("subject", s.id, team)
            }
            for (i, name) in Self.team1.enumerated() {
                let post = i == 1 ? posts[0] : posts[1 + i % 3]
                try subject(name, in: team1, post: post, level: i == 1 ? .teamLeader : .staff,
                            account: i == 0 ? accountIDs["employee"]! : "")
            }
            for (i, name) in Self.team2.enumerated() {
                try subject(name, in: team2, post: posts[1 + i % 3], level: .staff, account: "")
            }
            return number
        }
        try DefaultScheme.publishIfNone(store: store, audit: audit, clock: clock, logger: logger)
        if history {
            _ = try DemoHistory.seed(store: store, audit: audit, clock: clock, logger: logger)
            try EvaluationModule.raiseEntryAlerts(store: store, audit: audit, clock: clock)
            try publishEvaluations(store: store, audit: audit, clock: clock)
            try DemoCases.seed(store: store, audit: audit, clock: clock)
        }
        logger.notice("demo data seeded", ["organizations": .int(Int64(Self.districts.count + 5)), "subjects": .int(Int64(count)),
                                           "accounts": .int(Int64(Self.accounts.count + 1))])
        return .seeded(subjects: count)
    }
}
