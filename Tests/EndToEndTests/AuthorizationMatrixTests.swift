import Foundation
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieSecurity
import LianjieTestSupport
import LianjieWire
import XCTest

/// Every role × every method of every service × a target inside and outside the caller's
/// scope, against the real server. The outcomes are compared with the committed table
/// `authorization-matrix.txt`: any change in who may do what fails the test. After an
/// intended change, regenerate it with `LIANJIE_UPDATE_MATRIX=1` and review the diff.
final class AuthorizationMatrixTests: XCTestCase {
    /// Demo accounts by their role (`head` is the discipline head), a service token, no token.
    static let roles = ["admin", "inspector", "head", "manager", "hr", "employee", "auditor", "service", "gateway", "none"]
    static let file = InteropTests.root.appendingPathComponent("Tests/EndToEndTests/authorization-matrix.txt")

    /// Records on one side (inside or outside a district-1 caller's scope).
    struct Side {
        var district: Organization
        var team: Organization
        var otherTeam: Organization
        var empties: [Organization]
        var spares: [Account]
        var service: Account
        var revocable: ApiToken
        var subjects: [Subject]
        var category: Category
        var entries: Entries
        /// A tag of the scheme this side's RetireSchemeTag retires.
        var retirable: String
        var evaluation: Evaluation
        var cases: Cases
        /// The messaging-platform user a spare inspector is linked to (OpenPlatformSession).
        var platformUser: String
        /// A notification that died (the matrix's servers allow one attempt), to retry.
        var deadNotification: String
    }

    /// Cases of one side, each in the state its method needs, made by the side's spare
    /// inspectors (and a manager of its own, for the rectification reports).
    struct Cases {
        var open: Case
        var toAssign: Case
        /// Assigned, and disposed, to the calling inspector or head when it covers the side
        /// (a spare otherwise): the handler disposes and starts the rectification.
        var toDispose: Case
        var toRectify: Case
        var toReport: Case
        /// Reported, handled by a spare: anyone else may verify it.
        var toVerify: Case
        var toClose: Case
        var toDismiss: Case
        var toReopen: Case
        /// About subjects[0] (inside: the demo employee).
        var talk: Talk
        /// Opinions about subjects[1] (proposed, to review), [2] (reviewed by a spare, to sign) and [0] (signed).
        var proposed: Opinion
        var reviewed: Opinion
        var signed: Opinion
    }

    func cases(_ server: ServerProcess, _ admin: UserServiceClient, _ spares: [Account], _ subjects: [Subject], district: Organization,
               tag: String, handlerFor caller: String) async throws -> Cases {
        let first = try await login(server, username: spares[0].username, password: "Beiyong-Mima-0907").0
        let second = try await login(server, username: spares[1].username, password: "Beiyong-Mima-1917").0.resultUseService
        _ = try await admin.createAccount(CreateAccountRequest(username: "mgr\(tag)", password: "Jingli-Mima-4418",
                                                              grants: [RoleGrant(role: .manager, organizationId: district.id)], kind: .person))
        let manager = try await login(server, username: "mgr\(tag)", password: "Jingli-Mima-4418").0.resultUseService
        let rs = first.resultUseService
        let due = CalendarDate(year: 2030, month: 1, day: 1), day = CalendarDate(year: 2026, month: 1, day: 2)
        func open(_ subject: Subject = subjects[1]) async throws -> Case {
            try await rs.createCase(CreateCaseRequest(subject: subject.id, source: .report, summary: "matrix"))
        }
        func assigned(to handler: String = spares[0].id) async throws -> Case {
            try await rs.assignCase(AssignCaseRequest(id: try await open().id, handlerId: handler, dueDate: due))
        }
        let form = Disposition(form: .second, date: day, documentNumber: "M-1")
        func disposed(by handler: String = spares[0].id) async throws -> Case {
            let c = try await assigned(to: handler)
            return handler == spares[0].id ? try await rs.disposeCase(DisposeCaseRequest(id: c.id, disposition: form))
                : try await (try await login(server, username: "head", password: UserManagementTests.passwords["head"]!).0.resultUseService)
                    .disposeCase(DisposeCaseRequest(id: c.id, disposition: form))
        }
        func rectifying() async throws -> Case {
            try await rs.startRectification(StartRectificationRequest(id: try await disposed().id, deadline: due, requirements: "matrix"))
        }
        func reported() async throws -> Case {
            try await manager.reportRectification(ReportRectificationRequest(id: try await rectifying().id, report: "matrix"))
        }
        func verified() async throws -> Case { try await second.verifyCase(VerifyCaseRequest(id: try await reported().id, note: "matrix")) }
        let evidence = try await Self.upload(first.entryService).1!
        let closed = try await rs.closeCase(CloseCaseRequest(id: try await verified().id, conclusion: "matrix", evidenceIds: [evidence.id]))
        let forTalk = try await open(subjects[0])
        let talk = try await rs.recordTalk(RecordTalkRequest(caseId: forTalk.id, kind: .notice, heldOn: day, heldBy: "matrix", content: "matrix"))
        // The calling inspector or head handles the cases it disposes, inside its district.
        let callerID = ["inspector", "head"].contains(caller) && tag == "a"
            ? try await admin.listAccounts(ListAccountsRequest(organizationId: district.id, pageSize: 500)).accounts.first { $0.username == caller }?.id
            : nil
        let hr = try await login(server, username: "hr", password: UserManagementTests.passwords["hr"]!).0.resultUseService
        let asked = try await hr.requestOpinions(RequestOpinionsRequest(purpose: .promotion, purposeNote: "matrix",
                                                                        subjects: [subjects[1].id, subjects[2].id, subjects[0].id], dueDate: due))
        let head = try await login(server, username: tag == "a" ? "head" : "head2",
                                   password: tag == "a" ? "Fuzeren-2026-Demo" : "Fuzeren2-2026-Demo").0.resultUseService
        let reviewed = try await rs.reviewOpinion(ReviewOpinionRequest(id: asked.opinions[1].id))
        let signed = try await head.signOpinion(SignOpinionRequest(id: (try await rs.reviewOpinion(ReviewOpinionRequest(id: asked.opinions[2].id))).id))
        return Cases(open: try await open(), toAssign: try await open(), toDispose: try await assigned(to: callerID ?? spares[0].id),
                     toRectify: try await disposed(by: callerID ?? spares[0].id), toReport: try await rectifying(), toVerify: try await reported(),
                     toClose: try await verified(), toDismiss: try await open(), toReopen: closed, talk: talk,
                     proposed: asked.opinions[0], reviewed: reviewed, signed: signed)
    }

    /// Evaluation records of one side, made by its spare inspectors.
    struct Evaluation {
        /// A published run for 2026 over the district.
        var published: EvaluationRun
        /// Drafts: one to cancel, one to publish (in place of `published`).
        var toCancel: EvaluationRun
        var toPublish: EvaluationRun
        /// Open alerts about subjects[0], [1] and [2]: to acknowledge, dismiss, mark for a case.
        var alerts: [Alert]
    }

    /// A period the demo has no runs for.
    static let evaluated = Period(kind: .year, year: 2026, index: 1)

    func evaluation(_ server: ServerProcess, _ spares: [Account], _ subjects: [Subject], district: Organization) async throws -> Evaluation {
        let client = try await login(server, username: spares[0].username, password: "Beiyong-Mima-0907").0
        let reviewer = try await login(server, username: spares[1].username, password: "Beiyong-Mima-1917").0.entryService
        let ev = client.evaluationService
        func run() async throws -> EvaluationRun {
            var r = try await ev.createEvaluationRun(CreateEvaluationRunRequest(period: Self.evaluated, organizationId: district.id))
            while r.state == .running { r = try await ev.getEvaluationRun(GetEvaluationRunRequest(id: r.id)) }
            return r
        }
        let published = try await ev.publishEvaluationRun(PublishEvaluationRunRequest(id: try await run().id, note: "matrix"))
        for s in subjects.prefix(3) {
            let e = try await client.entryService.submitEntry(SubmitEntryRequest(subjectId: s.id, tag: "CONFLICT_UNDECLARED",
                                                                                 occurredOn: CalendarDate(year: 2026, month: 2, day: 3),
                                                                                 description: "matrix", source: .pc))
            _ = try await reviewer.confirmEntry(ConfirmEntryRequest(id: e.id))
        }
        var alerts: [Alert] = []
        for s in subjects.prefix(3) { alerts.append(try await ev.listAlerts(ListAlertsRequest(subject: s.id)).alerts[0]) }
        return Evaluation(published: published, toCancel: try await run(), toPublish: try await run(), alerts: alerts)
    }

    /// Entries recorded on one side by its spare inspectors, one per call that needs one.
    struct Entries {
        /// Submitted, about subjects[1]: to confirm.
        var toConfirm: Entry
        /// Submitted, about subjects[1]: to reject.
        var toReject: Entry
        /// Confirmed, about subjects[2]: to revoke.
        var toRevoke: Entry
        /// Confirmed, about subjects[0] (the demo employee's own inside): to read and appeal.
        var aboutFirst: Entry
        /// Confirmed and (inside) appealed by the employee: to decide.
        var appealed: Entry
        /// Attached to `aboutFirst`: to download.
        var evidence: EvidenceRef
        /// A work order handled by subjects[1].
        var order: String
    }

    static func workOrder(_ number: String, handler: String) -> WorkOrder {
        WorkOrder(number: number, type: .highVoltageNew, customerRef: "C-\(number)", stages: [
            WorkOrderStageRecord(stage: .acceptance, handler: handler, startTime: Time(seconds: 1_767_225_600), limitDays: 2),
        ])
    }

    static let pdf = Array("%PDF-1.4\nmatrix evidence\n".utf8)

    /// Uploads `pdf` as `c`: the upload, and (with `finish`) the evidence it became.
    static func upload(_ c: EntryServiceClient, put: Bool = true, finish: Bool = true) async throws -> (EvidenceUpload, EvidenceRef?) {
        let u = try await c.startEvidenceUpload(StartEvidenceUploadRequest(fileName: "m.pdf", contentType: "application/pdf",
                                                                          size: Int64(pdf.count), sha256: Digest.hex(Digest.sha256(pdf))))
        guard put else { return (u, nil) }
        _ = try await c.putEvidenceChunk(PutEvidenceChunkRequest(uploadId: u.id, offset: 0, data: pdf))
        guard finish else { return (u, nil) }
        return (u, try await c.finishEvidenceUpload(FinishEvidenceUploadRequest(uploadId: u.id)))
    }

    func entries(_ server: ServerProcess, _ spares: [Account], _ subjects: [Subject], tag: String) async throws -> Entries {
        let recorder = try await login(server, username: spares[0].username, password: "Beiyong-Mima-0907").0.entryService
        let reviewer = try await login(server, username: spares[1].username, password: "Beiyong-Mima-1917").0.entryService
        let evidence = try await Self.upload(recorder).1!
        func submit(_ subject: Subject, confirm: Bool, evidence: [String] = []) async throws -> Entry {
            let e = try await recorder.submitEntry(SubmitEntryRequest(subjectId: subject.id, tag: "ON_TIME_HANDLING",
                                                                     occurredOn: CalendarDate(year: 2026, month: 1, day: 5), description: "matrix",
                                                                     evidenceIds: evidence, source: .pc))
            return confirm ? try await reviewer.confirmEntry(ConfirmEntryRequest(id: e.id)) : e
        }
        let order = "WO-\(tag)"
        _ = try await recorder.importWorkOrders(ImportWorkOrdersRequest(rows: [WorkOrderImportRow(line: 2, order: Self.workOrder(order, handler: subjects[1].employeeNumber))]))
        var appealed = try await submit(subjects[0], confirm: true)
        if tag == "a" {
            let employee = try await login(server, username: "employee", password: UserManagementTests.passwords["employee"]!).0.entryService
            appealed = try await employee.appealEntry(AppealEntryRequest(id: appealed.id, statement: "matrix"))
        }
        return Entries(toConfirm: try await submit(subjects[1], confirm: false), toReject: try await submit(subjects[1], confirm: false),
                       toRevoke: try await submit(subjects[2], confirm: true),
                       aboutFirst: try await submit(subjects[0], confirm: true, evidence: [evidence.id]),
                       appealed: appealed, evidence: evidence, order: order)
    }

    func prepare(_ server: ServerProcess, _ admin: UserServiceClient, gateway: NotificationServiceClient, district name: String, tag: String,
                 caller: String) async throws -> Side {
        let orgs = try await admin.listOrganizations(ListOrganizationsRequest(pageSize: 500)).organizations
        let district = orgs.first { $0.name == name }!
        let team = orgs.first { $0.name == "高压业扩班" && $0.ancestorIds.contains(district.id) }!
        func org(_ n: String, _ kind: OrganizationKind, _ parent: Organization) async throws -> Organization {
            try await admin.createOrganization(CreateOrganizationRequest(parentId: parent.id, name: n, kind: kind))
        }
        let otherTeam = try await org("备用班\(tag)", .team, district)
        var empties: [Organization] = []
        for i in 0..<3 { empties.append(try await org("空部门\(tag)\(i)", .department, district)) }
        var spares: [Account] = []
        for i in 0..<3 {
            spares.append(try await admin.createAccount(CreateAccountRequest(
                username: "spare\(tag)\(i)", password: "Beiyong-Mima-\(i)9\(i)7", grants: [RoleGrant(role: .inspector, organizationId: district.id)], kind: .person)))
        }
        let service = try await admin.createAccount(CreateAccountRequest(username: "svc\(tag)", grants: [RoleGrant(role: .service, organizationId: district.id)], kind: .service))
        let revocable = try await admin.issueApiToken(IssueApiTokenRequest(accountId: service.id, description: "to revoke")).apiToken!
        let subjects = try await admin.listSubjects(ListSubjectsRequest(organizationId: team.id)).subjects
        let category = try await admin.listCategories().categories.first { $0.code == "HV_EXPANSION" }!
        _ = try await admin.updateAccount(UpdateAccountRequest(account: Account(id: spares[0].id, platformUserId: "matrix-\(tag)"),
                                                               updateMask: ["platform_user_id"]))
        let doomed = try await gateway.claimNotifications(ClaimNotificationsRequest(max: 1)).notifications[0]
        _ = try await gateway.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: doomed.id, claim: doomed.claim, error: "matrix"))
        return Side(district: district, team: team, otherTeam: otherTeam, empties: empties, spares: spares, service: service,
                    revocable: revocable, subjects: subjects, category: category,
                    entries: try await entries(server, spares, subjects, tag: tag),
                    retirable: tag == "a" ? "PLEDGE_SIGNED" : "WARNING_EDUCATION",
                    evaluation: try await evaluation(server, spares, subjects, district: district),
                    cases: try await cases(server, admin, spares, subjects, district: district, tag: tag, handlerFor: caller),
                    platformUser: "matrix-\(tag)", deadNotification: doomed.id)
    }

    /// What the caller holds for the calls that need it: its password (changed by the first
    /// ChangePassword) and spare sessions of its own to revoke.
    final class Credentials: @unchecked Sendable {
        // @unchecked: used by one test method's task, one call at a time.
        var password: String
        var spareSessions: [String]
        init(password: String, spareSessions: [String]) {
            self.password = password
            self.spareSessions = spareSessions
        }
    }

    /// Calls `method` as `client` against the records of `side`; returns the status name.
    /// Every request is one that succeeds for a caller allowed to make it, so a refusal in
    /// the table is the access rule's or the scope's, never the request's own fault.
    func outcome(_ method: String, _ client: RPCClient, _ side: Side, cell: String, _ credentials: Credentials) async -> String {
        let date = CalendarDate(year: 2030, month: 1, day: 1)
        let c = client.userService, e = client.entryService, v = client.evaluationService, ev = side.evaluation
        let r = client.resultUseService, cs = side.cases, n = client.notificationService
        do {
            switch method {
            case "Login": _ = try await c.login(LoginRequest(username: side.spares[0].username, password: "Beiyong-Mima-0907"))
            case "ChangePassword":
                let fresh = "Huan-Mima-8841-" + String(cell.last!)
                _ = try await c.changePassword(ChangePasswordRequest(oldPassword: credentials.password, newPassword: fresh))
                credentials.password = fresh
            case "Logout": _ = try await c.logout()
            case "WhoAmI": _ = try await c.whoAmI()
            case "ListSessions": _ = try await c.listSessions()
            case "RevokeSession":
                // One of the caller's own spare sessions (an API token has none: NOT_FOUND).
                let id = credentials.spareSessions.isEmpty ? "0000000000000000" : credentials.spareSessions.removeFirst()
                _ = try await c.revokeSession(RevokeSessionRequest(id: id))
            case "CreateOrganization": _ = try await c.createOrganization(CreateOrganizationRequest(parentId: side.district.id, name: "新\(cell)", kind: .team))
            case "GetOrganization": _ = try await c.getOrganization(GetOrganizationRequest(id: side.district.id))
            case "UpdateOrganization":
                _ = try await c.updateOrganization(UpdateOrganizationRequest(organization: Organization(id: side.empties[0].id, name: "改\(cell)"), updateMask: ["name"]))
            case "MoveOrganization": _ = try await c.moveOrganization(MoveOrganizationRequest(id: side.empties[1].id, newParentId: side.otherTeam.id))
            case "DeactivateOrganization": _ = try await c.deactivateOrganization(DeactivateOrganizationRequest(id: side.empties[2].id))
            case "ListOrganizations": _ = try await c.listOrganizations(ListOrganizationsRequest(rootId: side.district.id))
            case "CreateAccount":
                _ = try await c.createAccount(CreateAccountRequest(username: "new\(cell)", password: "Xin-Zhanghao-7731",
                                                                   grants: [RoleGrant(role: .inspector, organizationId: side.district.id)], kind: .person))
            case "GetAccount": _ = try await c.getAccount(GetAccountRequest(id: side.spares[0].id))
            case "UpdateAccount":
                _ = try await c.updateAccount(UpdateAccountRequest(account: Account(id: side.spares[0].id, displayName: "改\(cell)"), updateMask: ["display_name"]))
            case "ListAccounts": _ = try await c.listAccounts(ListAccountsRequest(organizationId: side.district.id))
            case "DisableAccount": _ = try await c.disableAccount(DisableAccountRequest(id: side.spares[1].id, reason: "test"))
            case "EnableAccount": _ = try await c.enableAccount(EnableAccountRequest(id: side.spares[1].id))
            case "ResetPassword": _ = try await c.resetPassword(ResetPasswordRequest(id: side.spares[2].id, newPassword: "Chongzhi-Mima-5512"))
            case "IssueApiToken": _ = try await c.issueApiToken(IssueApiTokenRequest(accountId: side.service.id, description: "cell"))
            case "ListApiTokens": _ = try await c.listApiTokens(ListApiTokensRequest(accountId: side.service.id))
            case "RevokeApiToken": _ = try await c.revokeApiToken(RevokeApiTokenRequest(id: side.revocable.id))
            case "CreateCategory": _ = try await c.createCategory(CreateCategoryRequest(code: "C_\(cell.uppercased())", name: "类别"))
            case "ListCategories": _ = try await c.listCategories()
            case "CreatePost":
                _ = try await c.createPost(CreatePostRequest(code: "P_\(cell.uppercased())", name: "岗位", categoryId: side.category.id, riskCoefficient: "1.1"))
            case "ListPosts": _ = try await c.listPosts()
            case "CreateSubject":
                let post = try await c.listPosts(ListPostsRequest(categoryId: side.category.id)).posts[0]
                _ = try await c.createSubject(CreateSubjectRequest(subject: Subject(
                    employeeNumber: "M\(cell)", name: "新人", organizationId: side.team.id, categoryId: side.category.id,
                    postId: post.id, positionLevel: .staff)))
            case "GetSubject": _ = try await c.getSubject(GetSubjectRequest(id: side.subjects[1].id))
            case "UpdateSubject":
                _ = try await c.updateSubject(UpdateSubjectRequest(subject: Subject(id: side.subjects[1].id, name: "改名"), updateMask: ["name"]))
            case "TransferSubject":
                _ = try await c.transferSubject(TransferSubjectRequest(id: side.subjects[2].id, toOrganizationId: side.otherTeam.id,
                                                                       effectiveDate: date, reason: "matrix"))
            case "ListSubjects": _ = try await c.listSubjects(ListSubjectsRequest(organizationId: side.district.id))
            case "ListPlacements": _ = try await c.listPlacements(ListPlacementsRequest(subjectId: side.subjects[1].id))
            case "ImportSubjects":
                let report = try await c.importSubjects(ImportSubjectsRequest(rows: [SubjectImportRow(
                    line: 2, employeeNumber: "I\(cell)", name: "导入", organizationId: side.team.id, categoryCode: "HV_EXPANSION",
                    postCode: "HV_ACCOUNT_MANAGER", positionLevel: "STAFF", postEntryDate: "2024-01-01")], dryRun: true))
                if let r = report.rejections.first { return "OK, row refused: \(r.field) \(r.reason)" }
            case "ListAuditEntries": _ = try await c.listAuditEntries()
            case "VerifyAuditLog": _ = try await c.verifyAuditLog()
            case "GetAuditAnchor": _ = try await c.getAuditAnchor()

            case "GetScheme": _ = try await e.getScheme(GetSchemeRequest())
            case "ListSchemeVersions": _ = try await e.listSchemeVersions(ListSchemeVersionsRequest())
            case "ReplaceSchemeDraft":
                let draft = try await e.getScheme(GetSchemeRequest(draft: true))
                _ = try await e.replaceSchemeDraft(ReplaceSchemeDraftRequest(document: draft.document))
            case "UpdateSchemeDraft":
                _ = try await e.updateSchemeDraft(UpdateSchemeDraftRequest(scheme: Scheme(label: "U\(cell)"), updateMask: ["label"]))
            case "AddSchemeTag":
                _ = try await e.addSchemeTag(AddSchemeTagRequest(libraryCode: "COMMON", tag: SchemeTag(
                    code: "T_\(cell.uppercased())", name: "新标签", dimension: .awareness, polarity: .credit, points: "1", windowMonths: 12)))
            case "UpdateSchemeTag":
                _ = try await e.updateSchemeTag(UpdateSchemeTagRequest(libraryCode: "COMMON", tag: SchemeTag(code: "CUSTOMER_PRAISE", points: "2.5"),
                                                                       updateMask: ["points"]))
            case "RetireSchemeTag": _ = try await e.retireSchemeTag(RetireSchemeTagRequest(libraryCode: "COMMON", code: side.retirable))
            case "PublishScheme":
                // Each publication needs a change of its own.
                _ = try await e.updateSchemeDraft(UpdateSchemeDraftRequest(scheme: Scheme(label: "P\(cell)"), updateMask: ["label"]))
                _ = try await e.publishScheme(PublishSchemeRequest(note: "matrix \(cell)"))
            case "DiscardSchemeDraft": _ = try await e.discardSchemeDraft(DiscardSchemeDraftRequest())
            case "SubmitEntry":
                _ = try await e.submitEntry(SubmitEntryRequest(subjectId: side.subjects[1].id, tag: "ON_TIME_HANDLING",
                                                               occurredOn: CalendarDate(year: 2026, month: 1, day: 6), description: "matrix", source: .api))
            case "GetEntry": _ = try await e.getEntry(GetEntryRequest(id: side.entries.aboutFirst.id))
            case "ListEntries": _ = try await e.listEntries(ListEntriesRequest(subjectId: side.subjects[0].id))
            case "ConfirmEntry": _ = try await e.confirmEntry(ConfirmEntryRequest(id: side.entries.toConfirm.id))
            case "RejectEntry": _ = try await e.rejectEntry(RejectEntryRequest(id: side.entries.toReject.id, reason: "matrix"))
            case "RevokeEntry": _ = try await e.revokeEntry(RevokeEntryRequest(id: side.entries.toRevoke.id, reason: "matrix"))
            case "AppealEntry": _ = try await e.appealEntry(AppealEntryRequest(id: side.entries.aboutFirst.id, statement: "matrix"))
            case "DecideAppeal":
                _ = try await e.decideAppeal(DecideAppealRequest(id: side.entries.appealed.id, decision: .dismissed, reason: "matrix"))
            // Uploads belong to whoever started them: each cell works on its own.
            case "StartEvidenceUpload": _ = try await Self.upload(e, put: false)
            case "PutEvidenceChunk": _ = try await Self.upload(e, finish: false)
            case "GetEvidenceUpload": _ = try await e.getEvidenceUpload(GetEvidenceUploadRequest(uploadId: try await Self.upload(e, put: false).0.id))
            case "FinishEvidenceUpload": _ = try await Self.upload(e)
            case "GetEvidence": _ = try await e.getEvidence(GetEvidenceRequest(id: side.entries.evidence.id))
            case "ImportWorkOrders":
                let report = try await e.importWorkOrders(ImportWorkOrdersRequest(rows: [WorkOrderImportRow(
                    line: 2, order: Self.workOrder("WO-\(cell)", handler: side.subjects[1].employeeNumber))]))
                if let r = report.rejections.first { return "OK, row refused: \(r.field) \(r.reason)" }
            case "GetWorkOrder": _ = try await e.getWorkOrder(GetWorkOrderRequest(number: side.entries.order))
            case "ListWorkOrders": _ = try await e.listWorkOrders(ListWorkOrdersRequest(handler: side.subjects[1].employeeNumber))
            case "ListWorkOrderRules": _ = try await e.listWorkOrderRules()
            case "RunWorkOrderRules":
                _ = try await e.runWorkOrderRules(RunWorkOrderRulesRequest(period: Period(kind: .quarter, year: 2026, index: 1), dryRun: true))

            case "CreateEvaluationRun": _ = try await v.createEvaluationRun(CreateEvaluationRunRequest(period: Self.evaluated, organizationId: side.district.id))
            case "GetEvaluationRun": _ = try await v.getEvaluationRun(GetEvaluationRunRequest(id: ev.published.id))
            case "ListEvaluationRuns": _ = try await v.listEvaluationRuns(ListEvaluationRunsRequest(organizationId: side.district.id))
            case "CancelEvaluationRun": _ = try await v.cancelEvaluationRun(CancelEvaluationRunRequest(id: ev.toCancel.id))
            case "PublishEvaluationRun":
                _ = try await v.publishEvaluationRun(PublishEvaluationRunRequest(id: ev.toPublish.id, note: "matrix", supersedeReason: "matrix"))
            case "VerifyEvaluationRun": _ = try await v.verifyEvaluationRun(VerifyEvaluationRunRequest(id: ev.published.id))
            case "ListEvaluationResults": _ = try await v.listEvaluationResults(ListEvaluationResultsRequest(runId: ev.published.id))
            case "GetEvaluationResult":
                _ = try await v.getEvaluationResult(GetEvaluationResultRequest(runId: ev.published.id, subject: side.subjects[0].id))
            case "SimulateScheme": _ = try await v.simulateScheme(SimulateSchemeRequest(periods: [Self.evaluated], organizationId: side.district.id))
            case "GetPortrait": _ = try await v.getPortrait(GetPortraitRequest(subject: side.subjects[0].id, period: Self.evaluated))
            case "GetStatistics":
                _ = try await v.getStatistics(GetStatisticsRequest(organizationId: side.district.id, period: Self.evaluated, pseudonymised: true))
            case "ListAlerts": _ = try await v.listAlerts(ListAlertsRequest(organizationId: side.district.id))
            case "GetAlert": _ = try await v.getAlert(GetAlertRequest(id: ev.alerts[1].id))
            case "AcknowledgeAlert": _ = try await v.acknowledgeAlert(AcknowledgeAlertRequest(id: ev.alerts[0].id))
            case "DismissAlert": _ = try await v.dismissAlert(DismissAlertRequest(id: ev.alerts[1].id, reason: "matrix"))
            case "MarkAlertForCase": _ = try await v.markAlertForCase(MarkAlertForCaseRequest(id: ev.alerts[2].id))

            case "CreateCase": _ = try await r.createCase(CreateCaseRequest(subject: side.subjects[1].id, source: .report, summary: "matrix"))
            case "GetCase": _ = try await r.getCase(GetCaseRequest(id: cs.open.id))
            case "ListCases": _ = try await r.listCases(ListCasesRequest(organizationId: side.district.id))
            case "AssignCase":
                _ = try await r.assignCase(AssignCaseRequest(id: cs.toAssign.id, handlerId: side.spares[2].id, dueDate: CalendarDate(year: 2030, month: 1, day: 1)))
            case "DisposeCase":
                _ = try await r.disposeCase(DisposeCaseRequest(id: cs.toDispose.id, disposition: Disposition(
                    form: .first, measure: .talkReminder, date: CalendarDate(year: 2026, month: 1, day: 2), talkedBy: "matrix", notes: "matrix")))
            case "StartRectification":
                _ = try await r.startRectification(StartRectificationRequest(id: cs.toRectify.id, deadline: CalendarDate(year: 2030, month: 1, day: 1),
                                                                             requirements: "matrix"))
            case "ReportRectification": _ = try await r.reportRectification(ReportRectificationRequest(id: cs.toReport.id, report: "matrix"))
            case "VerifyCase": _ = try await r.verifyCase(VerifyCaseRequest(id: cs.toVerify.id, note: "matrix"))
            case "CloseCase":
                // Closing cites the caller's own upload (a caller that may not upload gets a made-up id).
                let evidence = (try? await Self.upload(e).1?.id) ?? "evi_none"
                _ = try await r.closeCase(CloseCaseRequest(id: cs.toClose.id, conclusion: "matrix", evidenceIds: [evidence]))
            case "DismissCase": _ = try await r.dismissCase(DismissCaseRequest(id: cs.toDismiss.id, reason: "matrix"))
            case "ReopenCase": _ = try await r.reopenCase(ReopenCaseRequest(id: cs.toReopen.id, reason: "matrix"))
            case "RecordTalk":
                _ = try await r.recordTalk(RecordTalkRequest(caseId: cs.open.id, kind: .talk, heldOn: CalendarDate(year: 2026, month: 1, day: 2),
                                                             heldBy: "matrix", content: "matrix"))
            case "ListTalks": _ = try await r.listTalks(ListTalksRequest(subject: side.subjects[0].id))
            case "AcknowledgeTalk": _ = try await r.acknowledgeTalk(AcknowledgeTalkRequest(id: cs.talk.id))
            case "RequestOpinions":
                _ = try await r.requestOpinions(RequestOpinionsRequest(purpose: .award, purposeNote: "matrix", subjects: [side.subjects[1].id],
                                                                       dueDate: CalendarDate(year: 2030, month: 1, day: 1)))
            case "GetOpinion": _ = try await r.getOpinion(GetOpinionRequest(id: cs.signed.id))
            case "ListOpinions": _ = try await r.listOpinions(ListOpinionsRequest(organizationId: side.district.id))
            case "ReviewOpinion": _ = try await r.reviewOpinion(ReviewOpinionRequest(id: cs.proposed.id))
            case "SignOpinion": _ = try await r.signOpinion(SignOpinionRequest(id: cs.reviewed.id))
            case "DeclareConflict": _ = try await r.declareConflict(DeclareConflictRequest(subject: side.subjects[2].id, relation: "other"))
            case "ListConflicts": _ = try await r.listConflicts(ListConflictsRequest())
            case "WithdrawConflict":
                // Declarations are the caller's own: each cell declares the one it withdraws.
                let c = try await r.declareConflict(DeclareConflictRequest(subject: side.subjects[1].id, relation: "former_team"))
                _ = try await r.withdrawConflict(WithdrawConflictRequest(id: c.id))
            case "GetDossier": _ = try await r.getDossier(GetDossierRequest(subject: side.subjects[0].id, reason: "matrix"))
            case "ListAppraisals": _ = try await r.listAppraisals(ListAppraisalsRequest(period: Self.evaluated, organizationId: side.district.id))
            case "OpenPlatformSession": _ = try await c.openPlatformSession(OpenPlatformSessionRequest(platformUserId: side.platformUser))
            case "ClaimNotifications": _ = try await n.claimNotifications(ClaimNotificationsRequest(max: 1))
            case "ReportNotificationDelivery":
                // One the caller claimed (one it may not claim: the dead one, by id).
                let claimed = try? await n.claimNotifications(ClaimNotificationsRequest(max: 1)).notifications.first
                _ = try await n.reportNotificationDelivery(ReportNotificationDeliveryRequest(id: claimed?.id ?? side.deadNotification, claim: claimed?.claim ?? "", delivered: true))
            case "ListNotifications": _ = try await n.listNotifications(ListNotificationsRequest(state: .dead))
            case "RetryNotification": _ = try await n.retryNotification(RetryNotificationRequest(id: side.deadNotification))
            default: return "(untested)"
            }
            return "OK"
        } catch let e as RPCError {
            return e.status.name
        } catch {
            return "\(error)"
        }
    }

    func testTheWholeMatrixIsAsCommitted() async throws {
        let methods = (UserService.methodPaths + EntryService.methodPaths + EvaluationService.methodPaths + ResultUseService.methodPaths
                       + NotificationService.methodPaths).map { String($0.split(separator: "/").last!) }
        var lines: [String] = ["# role × method: outcome for a target inside | outside a district-1 scope.",
                               "# Regenerate with LIANJIE_UPDATE_MATRIX=1 swift test --filter AuthorizationMatrixTests, then review the diff."]
        var table: [String: [String: (String, String)]] = [:]
        for role in Self.roles {
            // One attempt per notification, so a dead letter is quick to make.
            let server = try ServerProcess(config: ["notification_max_attempts = 1"], extraArguments: ["--demo"])
            let admin = try await login(server, username: "admin", password: adminPassword).0.userService
            let gatewayAccount = try await admin.createAccount(CreateAccountRequest(username: "gateway", grants: [RoleGrant(role: .gateway, organizationId: "")],
                                                                                    kind: .service))
            let gatewayToken = try await admin.issueApiToken(IssueApiTokenRequest(accountId: gatewayAccount.id, description: "matrix")).token
            let gatewayClient = client(server)
            gatewayClient.token = gatewayToken
            let inside = try await prepare(server, admin, gateway: gatewayClient.notificationService, district: "城东区供电局", tag: "a", caller: role)
            let outside = try await prepare(server, admin, gateway: gatewayClient.notificationService, district: "城西区供电局", tag: "b", caller: role)
            let c = client(server)
            let credentials = Credentials(password: UserManagementTests.passwords[role] ?? "", spareSessions: [])
            switch role {
            case "none": break
            case "service":
                c.token = try await admin.issueApiToken(IssueApiTokenRequest(accountId: inside.service.id, description: "matrix")).token
            case "gateway":
                c.token = gatewayToken
            default:
                for _ in 0..<2 { _ = try await login(server, username: role, password: credentials.password) }
                c.token = try await login(server, username: role, password: credentials.password).1
                credentials.spareSessions = try await c.userService.listSessions().sessions.filter { !$0.current }.map(\.id)
            }
            // Calls that end or touch the session go last.
            let sessionEnders = ["ChangePassword", "Logout"]
            for method in methods.filter({ !sessionEnders.contains($0) }) + sessionEnders {
                let a = await outcome(method, c, inside, cell: "\(role)1", credentials)
                let b = await outcome(method, c, outside, cell: "\(role)2", credentials)
                table[method, default: [:]][role] = (a, b)
            }
            server.stop()
        }
        for method in methods {
            for role in Self.roles {
                let (a, b) = table[method]![role]!
                lines.append("\(method.padding(toLength: 24, withPad: " ", startingAt: 0)) \(role.padding(toLength: 10, withPad: " ", startingAt: 0)) \(a) | \(b)")
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["LIANJIE_UPDATE_MATRIX"] == "1" {
            try text.write(to: Self.file, atomically: true, encoding: .utf8)
            return
        }
        let committed = try String(contentsOf: Self.file, encoding: .utf8)
        let changed = zip(committed.split(separator: "\n"), text.split(separator: "\n")).filter { $0 != $1 }
        XCTAssertEqual(committed, text, "authorization changed:\n" + changed.map { "- \($0.0)\n+ \($0.1)" }.joined(separator: "\n"))
    }
}
