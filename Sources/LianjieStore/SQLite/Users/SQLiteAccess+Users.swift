/// User management: accounts, credentials, organisations, categories, posts, subjects.
extension SQLiteAccess {
    // MARK: Accounts

    private static let accountColumns = """
        SELECT a.id, a.username, a.display_name, a.password_hash, a.create_time, a.disabled, a.failed_logins,
               a.locked_until, a.kind, a.disabled_reason, a.version, a.platform_user_id FROM accounts a
        """

    private func accountRows(_ whereClause: String, _ args: [SQLValue]) throws -> [AccountRecord] {
        let rows = try db.query("\(Self.accountColumns) \(whereClause)", args)
        guard !rows.isEmpty else { return [] }
        // Every listed account's grants in one query, not one query per account.
        let placeholders = Array(repeating: "?", count: rows.count).joined(separator: ", ")
        var grants: [String: [GrantRecord]] = [:]
        for g in try db.query("""
            SELECT account_id, role, organization_id FROM account_grants WHERE account_id IN (\(placeholders))
            ORDER BY account_id, role, organization_id
            """, rows.map { $0[0] }) {
            grants[g[0].text, default: []].append(GrantRecord(role: g[1].text, organizationID: g[2].text))
        }
        return rows.map { r in
            AccountRecord(id: r[0].text, username: r[1].text, displayName: r[2].text, passwordHash: r[3].text,
                          grants: grants[r[0].text] ?? [], createTime: r[4].int, disabled: r[5].int != 0, failedLogins: Int(r[6].int),
                          lockedUntil: r[7].int, kind: r[8].text, disabledReason: r[9].text, version: r[10].int,
                          platformUserID: r[11].text)
        }
    }

    func accountCount() throws -> Int { try count("SELECT COUNT(*) FROM accounts", []) }

    func account(id: String) throws -> AccountRecord? {
        try accountRows("WHERE a.id = ?", [.text(id)]).first
    }

    func account(username: String) throws -> AccountRecord? {
        try accountRows("WHERE a.username_key = ?", [.text(username.lowercased())]).first
    }

    func account(platformUserID: String) throws -> AccountRecord? {
        guard !platformUserID.isEmpty else { return nil }
        return try accountRows("WHERE a.platform_user_id = ?", [.text(platformUserID)]).first
    }

    private func accountScope(_ filter: ScopeFilter, includeDisabled: Bool) -> (String, [SQLValue]) {
        let (cond, args) = scope(filter, column: "o.path")
        var clause = filter == .everything ? "1" : """
            EXISTS (SELECT 1 FROM account_grants g JOIN organizations o ON o.id = g.organization_id
                    WHERE g.account_id = a.id AND \(cond))
            """
        if !includeDisabled { clause += " AND a.disabled = 0" }
        return (clause, filter == .everything ? [] : args)
    }

    func accounts(scope filter: ScopeFilter, includeDisabled: Bool, page: Page) throws -> [AccountRecord] {
        let (clause, args) = accountScope(filter, includeDisabled: includeDisabled)
        return try accountRows("WHERE \(clause) AND a.username_key > ? ORDER BY a.username_key LIMIT ?",
                               args + [.text(page.after ?? ""), .int(Int64(page.limit))])
    }

    func accountCount(scope filter: ScopeFilter, includeDisabled: Bool) throws -> Int {
        let (clause, args) = accountScope(filter, includeDisabled: includeDisabled)
        return try count("SELECT COUNT(*) FROM accounts a WHERE \(clause)", args)
    }

    func createAccount(_ a: AccountRecord) throws {
        try conflict("the username \(a.username) is taken") { () throws(StoreError) in
            try db.query("""
                INSERT INTO accounts (id, username, username_key, display_name, password_hash, disabled, failed_logins,
                                      locked_until, create_time, kind, disabled_reason, version, platform_user_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(a.id), .text(a.username), .text(a.username.lowercased()), .text(a.displayName),
                      .text(a.passwordHash), .int(a.disabled ? 1 : 0), .int(Int64(a.failedLogins)), .int(a.lockedUntil),
                      .int(a.createTime), .text(a.kind), .text(a.disabledReason), .int(a.version), .text(a.platformUserID)])
        }
        try writeGrants(a)
    }

    private func writeGrants(_ a: AccountRecord) throws {
        try db.query("DELETE FROM account_grants WHERE account_id = ?", [.text(a.id)])
        for g in Set(a.grants) {
            try db.query("INSERT INTO account_grants (account_id, role, organization_id) VALUES (?, ?, ?)",
                         [.text(a.id), .text(g.role), .text(g.organizationID)])
        }
    }

    func updateAccount(_ a: AccountRecord) throws {
        authChanged = true
        try conflict("the messaging-platform user \(a.platformUserID) is linked to another account") { () throws(StoreError) in
            try db.query("""
                UPDATE accounts SET display_name = ?, password_hash = ?, disabled = ?, disabled_reason = ?, platform_user_id = ?,
                                    version = version + 1 WHERE id = ?
                """, [.text(a.displayName), .text(a.passwordHash), .int(a.disabled ? 1 : 0), .text(a.disabledReason),
                      .text(a.platformUserID), .text(a.id)])
        }
        try writeGrants(a)
    }

    func setPasswordHash(accountID: String, hash: String, ifVersion version: Int64) throws -> Bool {
        authChanged = true
        try db.query("UPDATE accounts SET password_hash = ?, version = version + 1 WHERE id = ? AND version = ? AND disabled = 0",
                     [.text(hash), .text(accountID), .int(version)])
        return db.changes > 0
    }

    func recordFailedLogin(accountID: String, now: Int64, lockAfter: Int, lockUntil: Int64) throws -> Int {
        try db.query("""
            UPDATE accounts SET failed_logins = 0, locked_until = 0
            WHERE id = ? AND locked_until != 0 AND locked_until <= ?
            """, [.text(accountID), .int(now)])
        try db.query("UPDATE accounts SET failed_logins = failed_logins + 1 WHERE id = ?", [.text(accountID)])
        let failures = try count("SELECT failed_logins FROM accounts WHERE id = ?", [.text(accountID)])
        if failures >= lockAfter {
            try db.query("UPDATE accounts SET locked_until = ? WHERE id = ?", [.int(lockUntil), .text(accountID)])
        }
        return failures
    }

    func resetLoginFailures(accountID: String) throws {
        try db.query("UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = ?", [.text(accountID)])
    }

    // MARK: Sessions and API tokens

    private static let sessionColumns = "SELECT token_hash, account_id, create_time, expire_time, revoke_time, peer, last_seen_time FROM sessions"

    private func sessionRow(_ r: [SQLValue]) -> SessionRecord {
        SessionRecord(tokenHash: r[0].blob, accountID: r[1].text, createTime: r[2].int, expireTime: r[3].int,
                      revokeTime: r[4].int, peer: r[5].text, lastSeenTime: r[6].int)
    }

    func session(tokenHash: [UInt8]) throws -> SessionRecord? {
        try db.query("\(Self.sessionColumns) WHERE token_hash = ?", [.blob(tokenHash)]).first.map(sessionRow)
    }

    func sessions(accountID: String, now: Int64, idleSince: Int64) throws -> [SessionRecord] {
        try db.query("""
            \(Self.sessionColumns)
            WHERE account_id = ? AND revoke_time = 0 AND expire_time > ? AND last_seen_time >= ?
            ORDER BY create_time DESC, token_hash
            """, [.text(accountID), .int(now), .int(idleSince)]).map(sessionRow)
    }

    func createSession(_ s: SessionRecord) throws {
        try db.query("""
            INSERT INTO sessions (token_hash, account_id, create_time, expire_time, revoke_time, peer, last_seen_time)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [.blob(s.tokenHash), .text(s.accountID), .int(s.createTime), .int(s.expireTime), .int(s.revokeTime), .text(s.peer),
                  .int(s.lastSeenTime)])
    }

    func touchSession(tokenHash: [UInt8], at time: Int64) throws {
        try db.query("UPDATE sessions SET last_seen_time = ? WHERE token_hash = ? AND last_seen_time < ?",
                     [.int(time), .blob(tokenHash), .int(time)])
    }

    func revokeSession(tokenHash: [UInt8], at time: Int64) throws -> Bool {
        authChanged = true
        try db.query("UPDATE sessions SET revoke_time = ? WHERE token_hash = ? AND revoke_time = 0", [.int(time), .blob(tokenHash)])
        return db.changes > 0
    }

    func revokeSessions(accountID: String, except: [UInt8]?, at time: Int64) throws -> Int {
        authChanged = true
        try db.query("UPDATE sessions SET revoke_time = ? WHERE account_id = ? AND revoke_time = 0 AND token_hash != ?",
                     [.int(time), .text(accountID), .blob(except ?? [])])
        return db.changes
    }

    private static let tokenColumns = """
        SELECT id, account_id, token_hash, description, prefix, create_time, expire_time, revoke_time FROM api_tokens
        """

    private func tokenRow(_ r: [SQLValue]) -> ApiTokenRecord {
        ApiTokenRecord(id: r[0].text, accountID: r[1].text, tokenHash: r[2].blob, description: r[3].text, prefix: r[4].text,
                       createTime: r[5].int, expireTime: r[6].int, revokeTime: r[7].int)
    }

    func apiToken(tokenHash: [UInt8]) throws -> ApiTokenRecord? {
        try db.query("\(Self.tokenColumns) WHERE token_hash = ?", [.blob(tokenHash)]).first.map(tokenRow)
    }

    func apiToken(id: String) throws -> ApiTokenRecord? {
        try db.query("\(Self.tokenColumns) WHERE id = ?", [.text(id)]).first.map(tokenRow)
    }

    func apiTokens(accountID: String) throws -> [ApiTokenRecord] {
        try db.query("\(Self.tokenColumns) WHERE account_id = ? ORDER BY create_time, id", [.text(accountID)]).map(tokenRow)
    }

    func createApiToken(_ t: ApiTokenRecord) throws {
        try db.query("""
            INSERT INTO api_tokens (id, account_id, token_hash, description, prefix, create_time, expire_time, revoke_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(t.id), .text(t.accountID), .blob(t.tokenHash), .text(t.description), .text(t.prefix),
                  .int(t.createTime), .int(t.expireTime), .int(t.revokeTime)])
    }

    func revokeApiToken(id: String, at time: Int64) throws {
        authChanged = true
        try db.query("UPDATE api_tokens SET revoke_time = ? WHERE id = ? AND revoke_time = 0", [.int(time), .text(id)])
    }

    func revokeApiTokens(accountID: String, at time: Int64) throws -> Int {
        authChanged = true
        try db.query("UPDATE api_tokens SET revoke_time = ? WHERE account_id = ? AND revoke_time = 0", [.int(time), .text(accountID)])
        return db.changes
    }

    // MARK: Organisations

    private static let organizationColumns = """
        SELECT o.id, o.name, o.kind, o.parent_id, o.path, o.active, o.create_time, o.update_time, o.version FROM organizations o
        """

    private func organizationRow(_ r: [SQLValue]) -> OrganizationRecord {
        OrganizationRecord(id: r[0].text, name: r[1].text, kind: Int32(r[2].int), parentID: r[3].text, path: r[4].text,
                           active: r[5].int != 0, createTime: r[6].int, updateTime: r[7].int, version: r[8].int)
    }

    func organization(id: String) throws -> OrganizationRecord? {
        try db.query("\(Self.organizationColumns) WHERE o.id = ?", [.text(id)]).first.map(organizationRow)
    }

    func organizations(scope filter: ScopeFilter, includeInactive: Bool, page: Page) throws -> [OrganizationRecord] {
        let (cond, args) = scope(filter, column: "o.path")
        return try db.query("""
            \(Self.organizationColumns) WHERE \(cond) \(includeInactive ? "" : "AND o.active = 1")
            AND o.path > ? ORDER BY o.path LIMIT ?
            """, args + [.text(page.after ?? ""), .int(Int64(page.limit))]).map(organizationRow)
    }

    func organizationCount(scope filter: ScopeFilter, includeInactive: Bool) throws -> Int {
        let (cond, args) = scope(filter, column: "o.path")
        return try count("SELECT COUNT(*) FROM organizations o WHERE \(cond) \(includeInactive ? "" : "AND o.active = 1")", args)
    }

    func activeChildCount(of id: String) throws -> Int {
        try count("SELECT COUNT(*) FROM organizations WHERE parent_id = ? AND active = 1", [.text(id)])
    }

    func createOrganization(_ o: OrganizationRecord) throws {
        try db.query("""
            INSERT INTO organizations (id, name, kind, parent_id, path, active, create_time, update_time, version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(o.id), .text(o.name), .int(Int64(o.kind)), .text(o.parentID), .text(o.path), .int(o.active ? 1 : 0),
                  .int(o.createTime), .int(o.updateTime), .int(o.version)])
    }

    func updateOrganization(_ o: OrganizationRecord) throws {
        authChanged = true
        try db.query("UPDATE organizations SET name = ?, kind = ?, active = ?, update_time = ?, version = version + 1 WHERE id = ?",
                     [.text(o.name), .int(Int64(o.kind)), .int(o.active ? 1 : 0), .int(o.updateTime), .text(o.id)])
    }

    func moveOrganization(id: String, newParentID: String, newPath: String, at time: Int64) throws {
        authChanged = true
        guard let old = try organization(id: id) else { return }
        try db.query("UPDATE organizations SET parent_id = ?, update_time = ?, version = version + 1 WHERE id = ?",
                     [.text(newParentID), .int(time), .text(id)])
        try db.query("""
            UPDATE organizations SET path = ? || substr(path, ?) WHERE substr(path, 1, ?) = ?
            """, [.text(newPath), .int(Int64(old.path.utf8.count + 1)), .int(Int64(old.path.utf8.count)), .text(old.path)])
    }

    // MARK: Categories and posts

    func category(id: String) throws -> CategoryRecord? {
        try db.query("SELECT id, code, name FROM categories WHERE id = ?", [.text(id)]).first.map { CategoryRecord(id: $0[0].text, code: $0[1].text, name: $0[2].text) }
    }

    func category(code: String) throws -> CategoryRecord? {
        try db.query("SELECT id, code, name FROM categories WHERE code = ?", [.text(code)]).first.map { CategoryRecord(id: $0[0].text, code: $0[1].text, name: $0[2].text) }
    }

    func categories() throws -> [CategoryRecord] {
        try db.query("SELECT id, code, name FROM categories ORDER BY code").map { CategoryRecord(id: $0[0].text, code: $0[1].text, name: $0[2].text) }
    }

    private func postRow(_ r: [SQLValue]) -> PostRecord {
        PostRecord(id: r[0].text, code: r[1].text, name: r[2].text, categoryID: r[3].text, riskCoefficient: r[4].text)
    }

    func post(id: String) throws -> PostRecord? {
        try db.query("SELECT id, code, name, category_id, risk_coefficient FROM posts WHERE id = ?", [.text(id)]).first.map(postRow)
    }

    func post(code: String) throws -> PostRecord? {
        try db.query("SELECT id, code, name, category_id, risk_coefficient FROM posts WHERE code = ?", [.text(code)]).first.map(postRow)
    }

    func posts(categoryID: String?) throws -> [PostRecord] {
        if let categoryID {
            return try db.query("SELECT id, code, name, category_id, risk_coefficient FROM posts WHERE category_id = ? ORDER BY code",
                                [.text(categoryID)]).map(postRow)
        }
        return try db.query("SELECT id, code, name, category_id, risk_coefficient FROM posts ORDER BY code").map(postRow)
    }

    func createCategory(_ c: CategoryRecord) throws {
        try conflict("a category with code \(c.code) exists") { () throws(StoreError) in
            try db.query("INSERT INTO categories (id, code, name) VALUES (?, ?, ?)", [.text(c.id), .text(c.code), .text(c.name)])
        }
    }

    func createPost(_ p: PostRecord) throws {
        try conflict("a post with code \(p.code) exists") { () throws(StoreError) in
            try db.query("INSERT INTO posts (id, code, name, category_id, risk_coefficient) VALUES (?, ?, ?, ?, ?)",
                         [.text(p.id), .text(p.code), .text(p.name), .text(p.categoryID), .text(p.riskCoefficient)])
        }
    }

    // MARK: Subjects

    private static let subjectColumns = """
        SELECT s.id, s.employee_number, s.name, s.organization_id, s.category_id, s.post_id, s.position_level, s.status,
               s.account_id, s.post_entry_date, s.create_time, s.update_time, s.version
        FROM subjects s JOIN organizations o ON o.id = s.organization_id
        """

    private func subjectRow(_ r: [SQLValue]) -> SubjectRecord {
        SubjectRecord(id: r[0].text, employeeNumber: r[1].text, name: r[2].text, organizationID: r[3].text,
                      categoryID: r[4].text, postID: r[5].text, positionLevel: Int32(r[6].int), status: Int32(r[7].int),
                      accountID: r[8].text, postEntryDate: r[9].text, createTime: r[10].int, updateTime: r[11].int, version: r[12].int)
    }

    func subject(id: String) throws -> SubjectRecord? {
        try db.query("\(Self.subjectColumns) WHERE s.id = ?", [.text(id)]).first.map(subjectRow)
    }

    func subject(employeeNumber: String) throws -> SubjectRecord? {
        try db.query("\(Self.subjectColumns) WHERE s.employee_number = ?", [.text(employeeNumber)]).first.map(subjectRow)
    }

    func subjectWithOrganization(key: String) throws -> (SubjectRecord, OrganizationRecord)? {
        // By id first, then by employee number: two plain lookups (every submission makes
        // one), where one query with OR merged two index searches and sorted the result.
        for column in ["id", "employee_number"] {
            if let r = try db.query("""
                SELECT s.id, s.employee_number, s.name, s.organization_id, s.category_id, s.post_id, s.position_level, s.status,
                       s.account_id, s.post_entry_date, s.create_time, s.update_time, s.version,
                       o.id, o.name, o.kind, o.parent_id, o.path, o.active, o.create_time, o.update_time, o.version
                FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE s.\(column) = ?
                """, [.text(key)]).first {
                return (subjectRow(Array(r[0..<13])), organizationRow(Array(r[13...])))
            }
        }
        return nil
    }

    func subject(accountID: String) throws -> SubjectRecord? {
        guard !accountID.isEmpty else { return nil }
        return try db.query("\(Self.subjectColumns) WHERE s.account_id = ?", [.text(accountID)]).first.map(subjectRow)
    }

    private func subjectWhere(_ f: SubjectFilter) -> (String, [SQLValue]) {
        var (clause, args) = scope(f.scope, column: "o.path")
        if let p = f.underPath {
            clause += " AND substr(o.path, 1, ?) = ?"
            args += [.int(Int64(p.utf8.count)), .text(p)]
        }
        if let c = f.categoryID { clause += " AND s.category_id = ?"; args.append(.text(c)) }
        if let st = f.status { clause += " AND s.status = ?"; args.append(.int(Int64(st))) }
        if let a = f.accountID { clause += " AND s.account_id = ?"; args.append(.text(a)) }
        return (clause, args)
    }

    func subjects(_ f: SubjectFilter, page: Page) throws -> [SubjectRecord] {
        let (clause, args) = subjectWhere(f)
        return try db.query("\(Self.subjectColumns) WHERE \(clause) AND s.employee_number > ? ORDER BY s.employee_number LIMIT ?",
                            args + [.text(page.after ?? ""), .int(Int64(page.limit))]).map(subjectRow)
    }

    func subjectCount(_ f: SubjectFilter) throws -> Int {
        let (clause, args) = subjectWhere(f)
        return try count("SELECT COUNT(*) FROM subjects s JOIN organizations o ON o.id = s.organization_id WHERE \(clause)", args)
    }

    func activeSubjectCount(organizationID: String) throws -> Int {
        try count("SELECT COUNT(*) FROM subjects WHERE organization_id = ? AND status = 1", [.text(organizationID)])
    }

    func placements(subjectID: String) throws -> [PlacementRecord] {
        try db.query("""
            SELECT subject_id, organization_id, from_date, to_date, reason, changed_by FROM placements
            WHERE subject_id = ? ORDER BY seq
            """, [.text(subjectID)]).map {
            PlacementRecord(subjectID: $0[0].text, organizationID: $0[1].text, fromDate: $0[2].text, toDate: $0[3].text,
                            reason: $0[4].text, changedBy: $0[5].text)
        }
    }

    func createSubject(_ s: SubjectRecord, placement: PlacementRecord) throws {
        if !s.accountID.isEmpty { authChanged = true }
        let taken = try subject(employeeNumber: s.employeeNumber) != nil
        try conflict(taken ? "a subject with employee number \(s.employeeNumber) exists"
                           : "that account is already linked to another subject") { () throws(StoreError) in
            try db.query("""
                INSERT INTO subjects (id, employee_number, name, organization_id, category_id, post_id, position_level, status,
                                      account_id, post_entry_date, create_time, update_time, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(s.id), .text(s.employeeNumber), .text(s.name), .text(s.organizationID), .text(s.categoryID),
                      .text(s.postID), .int(Int64(s.positionLevel)), .int(Int64(s.status)), .text(s.accountID),
                      .text(s.postEntryDate), .int(s.createTime), .int(s.updateTime), .int(s.version)])
        }
        try addPlacement(placement)
    }

    func updateSubject(_ s: SubjectRecord) throws {
        authChanged = true  // the account it links to may change: callers carry their subject
        try conflict("that account is already linked to another subject") { () throws(StoreError) in
            try db.query("""
                UPDATE subjects SET employee_number = ?, name = ?, organization_id = ?, category_id = ?, post_id = ?,
                       position_level = ?, status = ?, account_id = ?, post_entry_date = ?, update_time = ?,
                       version = version + 1 WHERE id = ?
                """, [.text(s.employeeNumber), .text(s.name), .text(s.organizationID), .text(s.categoryID), .text(s.postID),
                      .int(Int64(s.positionLevel)), .int(Int64(s.status)), .text(s.accountID), .text(s.postEntryDate),
                      .int(s.updateTime), .text(s.id)])
        }
    }

    func addPlacement(_ p: PlacementRecord) throws {
        try db.query("UPDATE placements SET to_date = ? WHERE subject_id = ? AND to_date = ''", [.text(p.fromDate), .text(p.subjectID)])
        let next = try count("SELECT COALESCE(MAX(seq), 0) + 1 FROM placements WHERE subject_id = ?", [.text(p.subjectID)])
        try db.query("""
            INSERT INTO placements (subject_id, seq, organization_id, from_date, to_date, reason, changed_by)
            VALUES (?, ?, ?, ?, '', ?, ?)
            """, [.text(p.subjectID), .int(Int64(next)), .text(p.organizationID), .text(p.fromDate), .text(p.reason), .text(p.changedBy)])
    }
}
