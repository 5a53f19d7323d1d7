import Foundation
@testable import LianjieEntry
import LianjieClient
import LianjieMessages
import LianjieRPC
import LianjieScoring
import LianjieServiceKit
import LianjieStore
import LianjieXCTestSupport
import XCTest

/// Work orders imported from the marketing system, and the rules that derive entries.
final class WorkOrderTests: XCTestCase {
    /// 2026-07-01T00:00:00Z, the start of the third quarter the tests examine.
    static let q3: Int64 = 1_782_864_000
    static let day: Int64 = 86_400

    /// An order accepted `start` days into the quarter, with a survey stage of `surveyDays`.
    static func order(_ number: String, handler: String, start: Int64, surveyDays: Double = 2, surveyHandler: String? = nil,
                      design: String = "", complaints: Int = 0, suspensions: Int = 0) -> WorkOrder {
        let t0 = q3 + start * day
        let t1 = t0 + day
        let t2 = t1 + Int64(surveyDays * Double(day))
        var o = WorkOrder(number: number, type: .highVoltageNew, customerRef: "C-\(number)", stages: [
            WorkOrderStageRecord(stage: .acceptance, handler: handler, startTime: Time(seconds: t0), endTime: Time(seconds: t1), limitDays: 1),
            WorkOrderStageRecord(stage: .siteSurvey, handler: surveyHandler ?? handler, startTime: Time(seconds: t1), endTime: Time(seconds: t2), limitDays: 5),
        ], designFirm: design)
        o.complaints = (0..<complaints).map { WorkOrderComplaint(time: Time(seconds: t1 + 3600 * Int64($0 + 1)), summary: "客户反映勘查人员推诿") }
        o.suspensions = (0..<suspensions).map {
            WorkOrderSuspension(startTime: Time(seconds: t1 + 7200 * Int64($0 + 1)), endTime: Time(seconds: t1 + 7200 * Int64($0 + 1) + 600), reason: "资料不全")
        }
        return o
    }

    static func rows(_ orders: [WorkOrder]) -> [WorkOrderImportRow] {
        orders.enumerated().map { WorkOrderImportRow(line: Int32($0.offset + 2), order: $0.element) }
    }

    /// The quarter's planted history: ordinary orders spread over firms and handlers, plus
    /// one overdue survey, one complaint, one order suspended three times, and HV0003
    /// steering 9 of 10 orders to one design firm; HV0011 sends all 3 of theirs to one firm.
    static func plantedQuarter() -> [WorkOrder] {
        let firms = ["甲设计院", "乙设计院", "丙设计院", "丁设计院", "戊设计院", "己设计院", "庚设计院", "辛设计院"]
        var orders: [WorkOrder] = []
        for i in 0..<40 {
            let handler = "HV00\(String(format: "%02d", 4 + i % 7))"
            orders.append(order("Q3-\(i)", handler: handler, start: Int64(i % 60), surveyDays: 1.5 + Double(i % 5) * 0.25, design: firms[i % 8]))
        }
        for i in 0..<10 { orders.append(order("STEER-\(i)", handler: "HV0003", start: Int64(5 * i), design: i == 9 ? "乙设计院" : "甲设计院")) }
        for i in 0..<3 { orders.append(order("FEW-\(i)", handler: "HV0011", start: Int64(10 + i), design: "庚设计院")) }
        orders.append(order("LATE-1", handler: "HV0012", start: 30, surveyDays: 9))
        orders.append(order("COMPLAINED-1", handler: "HV0013", start: 31, complaints: 1))
        orders.append(order("SUSPENDED-1", handler: "HV0014", start: 32, suspensions: 3))
        return orders
    }

    func testImportUpsertsByNumberAndTheSameDataTwiceChangesNothing() async throws {
        let f = try await EntryFixture()
        let orders = Array(Self.plantedQuarter().prefix(20))
        let first = try await f.inspector.importWorkOrders(ImportWorkOrdersRequest(requestId: "i1", rows: Self.rows(orders)))
        XCTAssertTrue(first.applied)
        XCTAssertEqual(first.created, 20)
        let before = try f.d.store.read { try $0.workOrder(number: "Q3-0") }
        f.d.clock.advance(seconds: 60)
        let again = try await f.inspector.importWorkOrders(ImportWorkOrdersRequest(requestId: "i2", rows: Self.rows(orders)))
        XCTAssertEqual([again.created, again.updated, again.unchanged], [0, 0, 20])
        XCTAssertEqual(try f.d.store.read { try $0.workOrder(number: "Q3-0") }, before, "nothing was rewritten")
        var changed = orders
        changed[0].designFirm = "新设计院"
        let third = try await f.inspector.importWorkOrders(ImportWorkOrdersRequest(requestId: "i3", rows: Self.rows(changed)))
        XCTAssertEqual([third.created, third.updated, third.unchanged], [0, 1, 19])
        let got = try await f.manager.getWorkOrder(GetWorkOrderRequest(number: "Q3-0"))
        XCTAssertEqual(got.designFirm, "新设计院")
        XCTAssertEqual(got.stages.map(\.stage), [.acceptance, .siteSurvey])
        XCTAssertEqual(got.stages[0].handler, "HV0004")
        let listed = try await f.manager.listWorkOrders(ListWorkOrdersRequest(handler: "HV0004", pageSize: 2))
        XCTAssertEqual(listed.totalSize, 3)
        XCTAssertEqual(listed.orders.count, 2)
        await assertRPCError(.notFound) { try await f.inspector2.getWorkOrder(GetWorkOrderRequest(number: "Q3-0")) }
    }

    func testABadRowIsNamedAndNothingOfTheBatchIsApplied() async throws {
        let f = try await EntryFixture()
        var orders = Array(Self.plantedQuarter().prefix(5))
        orders[1].stages[1].handler = "HV0018"  // a subject of the other district
        orders[3].stages[0].limitDays = 0
        orders[4].number = orders[0].number
        let report = try await f.inspector.importWorkOrders(ImportWorkOrdersRequest(requestId: "bad", rows: Self.rows(orders)))
        XCTAssertFalse(report.applied)
        XCTAssertEqual(report.rejections.map { "\($0.line) \($0.field)" }, ["3 stages[1].handler", "5 stages[0].limit_days", "6 number"])
        XCTAssertEqual(try f.d.store.read { try $0.workOrderCount(WorkOrderFilter(scope: .everything)) }, 0)
        var settings = ServiceSettings()
        settings.maxWorkOrdersPerImport = 3
        let small = try await EntryFixture(settings: settings)
        let e = await assertRPCError(.invalidArgument) {
            try await small.inspector.importWorkOrders(ImportWorkOrdersRequest(rows: Self.rows(Array(Self.plantedQuarter().prefix(4)))))
        }
        XCTAssertEqual(e?.violations.map(\.field), ["rows"])
    }

    /// The marketing system: a service account of 城东区 with an API token.
    static func marketing(_ f: EntryFixture) async throws -> EntryServiceClient {
        let users = try await f.d.users("admin")
        let east = try f.d.organization("城东区供电局")
        let account = try await users.createAccount(CreateAccountRequest(username: "marketing", grants: [RoleGrant(role: .service, organizationId: east.id)],
                                                                         kind: .service))
        let token = try await users.issueApiToken(IssueApiTokenRequest(accountId: account.id, description: "营销系统")).token
        let c = f.d.anonymous()
        c.token = token
        return c.entryService
    }

    func testTheMarketingSystemImportsWithItsApiToken() async throws {
        let f = try await EntryFixture()
        let marketing = try await Self.marketing(f)
        let report = try await marketing.importWorkOrders(ImportWorkOrdersRequest(rows: Self.rows(Array(Self.plantedQuarter().prefix(3)))))
        XCTAssertEqual(report.created, 3)
        // A retry of an import it made is answered, not taken for someone else's.
        await assertRPCError(.permissionDenied) { try await marketing.runWorkOrderRules(RunWorkOrderRulesRequest(period: Period(kind: .quarter, year: 2026, index: 3))) }
    }

    func testRulesRecordWhatTheyFindOnceCitingTheOrders() async throws {
        let f = try await EntryFixture()
        let marketing = try await Self.marketing(f)
        _ = try await marketing.importWorkOrders(ImportWorkOrdersRequest(requestId: "i", rows: Self.rows(Self.plantedQuarter())))
        let q3 = Period(kind: .quarter, year: 2026, index: 3)
        let dry = try await f.inspector.runWorkOrderRules(RunWorkOrderRulesRequest(period: q3, dryRun: true))
        let noEntries = try await f.inspector.listEntries(ListEntriesRequest(source: .rule)).totalSize
        XCTAssertEqual(noEntries, 0, "a dry run records nothing")
        let run = try await f.inspector.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: "run-1", period: q3))
        XCTAssertEqual(run.orders, 56)
        let byRule = Dictionary(uniqueKeysWithValues: run.reports.map { ($0.rule, $0) })
        var dryFound: [String: Int32] = [:]
        for r in dry.reports { dryFound[r.rule] = r.found }
        XCTAssertEqual(byRule.mapValues(\.found), dryFound)
        XCTAssertEqual(byRule["STAGE_OVERDUE"]?.recorded, 1)
        XCTAssertEqual(byRule["COMPLAINT"]?.recorded, 1)
        XCTAssertEqual(byRule["REPEATED_SUSPENSION"]?.recorded, 1)
        XCTAssertEqual(byRule["DESIGNATED_FIRM"]?.recorded, 1, "HV0003's nine of ten, and not HV0011's three of three")
        XCTAssertGreaterThanOrEqual(byRule["DURATION_OUTLIER"]?.recorded ?? 0, 1)

        let steering = try await f.inspector.listEntries(ListEntriesRequest(tag: "HV_DESIGNATED_FIRMS"))
        XCTAssertEqual(steering.entries.map(\.subjectEmployeeNumber), ["HV0003"])
        XCTAssertEqual(steering.entries[0].workOrderNumbers.count, 9)
        XCTAssertEqual(steering.entries[0].rule, "DESIGNATED_FIRM@1")
        XCTAssertEqual(steering.entries[0].status, .submitted, "a red line found by a rule is reviewed by a person")
        XCTAssertTrue(steering.entries[0].description.contains("甲设计院"))
        let late = try await f.inspector.listEntries(ListEntriesRequest(tag: "HV_STAGE_OVERDUE"))
        XCTAssertEqual(late.entries.map(\.workOrderNumbers), [["LATE-1"]])
        XCTAssertEqual(late.entries[0].status, .confirmed, "STAGE_OVERDUE entries start confirmed")
        let order = try await f.inspector.getWorkOrder(GetWorkOrderRequest(number: "LATE-1"))
        let derived = try await f.inspector.listEntries(ListEntriesRequest(subjectId: "HV0012", source: .rule)).totalSize
        XCTAssertEqual(Int32(order.entryIds.count), derived)

        // Again, and after a re-import of the same data: nothing twice.
        let total = try await f.inspector.listEntries(ListEntriesRequest(source: .rule)).totalSize
        _ = try await marketing.importWorkOrders(ImportWorkOrdersRequest(requestId: "i2", rows: Self.rows(Self.plantedQuarter())))
        let second = try await f.inspector.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: "run-2", period: q3))
        XCTAssertEqual(second.reports.map(\.recorded).reduce(0, +), 0)
        XCTAssertEqual(second.reports.map(\.alreadyRecorded).reduce(0, +), Int32(total))
        let after = try await f.inspector.listEntries(ListEntriesRequest(source: .rule)).totalSize
        XCTAssertEqual(after, total)
        // The whole year finds the same 三指定 pattern and does not record it again.
        let year = try await f.inspector.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: "run-3", period: Period(kind: .year, year: 2026)))
        XCTAssertEqual(year.reports.first { $0.rule == "DESIGNATED_FIRM" }?.recorded, 0)

        // Another district's inspector finds nothing of this district's.
        let other = try await f.inspector2.runWorkOrderRules(RunWorkOrderRulesRequest(period: q3, dryRun: true))
        XCTAssertEqual(other.reports.map(\.found).reduce(0, +), 0)
    }

    func testFourEyesHoldForRulesAndOrdersStayInTheirOrganisation() async throws {
        let f = try await EntryFixture()
        // An inspector who imports an order and runs the rules over it does not get a
        // confirmed entry out of it: a second person reviews it.
        _ = try await f.inspector.importWorkOrders(ImportWorkOrdersRequest(requestId: "i", rows: Self.rows([Self.order("LATE-9", handler: "HV0012", start: 30, surveyDays: 9)])))
        _ = try await f.inspector.runWorkOrderRules(RunWorkOrderRulesRequest(requestId: "r", period: Period(kind: .quarter, year: 2026, index: 3)))
        let late = try await f.inspector.listEntries(ListEntriesRequest(tag: "HV_STAGE_OVERDUE")).entries
        XCTAssertEqual(late.map(\.status), [.submitted])
        let own = await assertRPCError(.failedPrecondition) { try await f.inspector.confirmEntry(ConfirmEntryRequest(requestId: "c", id: late[0].id)) }
        XCTAssertTrue(own?.message.contains("four eyes") == true)
        _ = try await f.inspector3.confirmEntry(ConfirmEntryRequest(requestId: "c2", id: late[0].id))
        // Another district's importer cannot take the order over, nor learn what it holds.
        var taken = Self.order("LATE-9", handler: "HV0018", start: 1)
        taken.customerRef = "CHANGED"
        let report = try await f.inspector2.importWorkOrders(ImportWorkOrdersRequest(requestId: "t", rows: Self.rows([taken])))
        XCTAssertEqual(report.rejections.map(\.field), ["number"])
        XCTAssertEqual(report.updated + report.unchanged, 0)
        let kept = try await f.inspector.getWorkOrder(GetWorkOrderRequest(number: "LATE-9"))
        XCTAssertEqual(kept.customerRef, "C-LATE-9")
        XCTAssertEqual(kept.entryIds, [late[0].id])
    }

    func testAHandlerWithFewOrdersIsNeverFlaggedWhateverTheirShare() {
        let rule = WorkOrderRule(code: "DESIGNATED_FIRM", kind: .designatedFirm, tag: "HV_EXPANSION/HV_DESIGNATED_FIRMS")
        func record(_ o: WorkOrder, subject: String) -> WorkOrderRecord {
            WorkOrderRecord(number: o.number, type: o.type.rawValue, customerRef: "", designFirm: o.designFirm, constructionFirm: "", supplyFirm: "",
                            organizationID: "", acceptedOn: "", stages: o.stages.map {
                                WorkOrderStageRow(stage: $0.stage.rawValue, handlerNumber: $0.handler, handlerSubjectID: subject,
                                                  startTime: $0.startTime!.seconds, endTime: $0.endTime?.seconds ?? 0, limitDays: Int($0.limitDays))
                            }, suspensions: [], complaints: [], contentHash: "", updateTime: 0, importedBy: "")
        }
        var orders = (0..<30).map { record(Self.order("P\($0)", handler: "x", start: Int64($0), design: ["甲", "乙", "丙", "丁", "戊", "己"][$0 % 6]), subject: "peer\($0 % 5)") }
        orders += (0..<7).map { record(Self.order("S\($0)", handler: "x", start: Int64($0), design: "庚"), subject: "few") }
        let engine = RuleEngine(orders: orders, from: Self.q3, until: Self.q3 + 92 * Self.day, now: Self.q3 + 200 * Self.day, periodName: "2026-Q3", year: 2026)
        XCTAssertEqual(engine.run(rule), [], "seven orders, all to one firm nobody else uses: below the minimum of eight")
        orders += [record(Self.order("S7", handler: "x", start: 9, design: "庚"), subject: "few")]
        let found = RuleEngine(orders: orders, from: Self.q3, until: Self.q3 + 92 * Self.day, now: Self.q3 + 200 * Self.day, periodName: "2026-Q3", year: 2026).run(rule)
        XCTAssertEqual(found.map(\.handlerSubjectID), ["few"])
        XCTAssertEqual(found.first?.orders.count, 8)
    }

    func testTheBinomialTailIsRight() {
        XCTAssertEqual(RuleEngine.binomialTail(0, 10, 0.3), 1)
        XCTAssertEqual(RuleEngine.binomialTail(10, 10, 0.5), pow(0.5, 10), accuracy: 1e-12)
        XCTAssertEqual(RuleEngine.binomialTail(9, 10, 0.5), 11 * pow(0.5, 10), accuracy: 1e-12)
        XCTAssertEqual(RuleEngine.binomialTail(3, 3, 0.25), 1.0 / 64, accuracy: 1e-12)
    }
}
