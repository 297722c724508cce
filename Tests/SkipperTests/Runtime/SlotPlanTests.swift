import Foundation
@testable import SkipperRuntime
import SkipperStore
import Testing

/// What a pass fires for one due schedule: catch-up policies over missed slots.
@Suite("slot plans")
struct SlotPlanTests {
    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static let hourly = try! CronSchedule("0 * * * *")
    static let now = at("2026-11-25T10:20:00Z")

    func plan(_ catchUp: CatchUp, next: String?, cron: CronSchedule = hourly, now: Date = now) -> SlotPlan {
        SlotPlan(cron: cron, catchUp: catchUp, nextSlot: next.map(Self.at), now: now, onTime: .seconds(10))
    }

    @Test func aScheduleWithoutANextSlotFiresNothingAndGetsOne() {
        let plan = plan(.all, next: nil)
        #expect(plan.slots.isEmpty && plan.dropped == nil)
        #expect(plan.next == Self.at("2026-11-25T11:00:00Z"))
    }

    @Test func onTimeEveryPolicyFiresTheSlot() {
        for policy in CatchUp.allCases {
            let plan = plan(policy, next: "2026-11-25T10:00:00Z", cron: try! CronSchedule("*/20 * * * *"), now: Self.at("2026-11-25T10:20:03Z"))
            // Due: 10:00 (missed) and 10:20 (3 s late, on time).
            #expect(plan.slots.last == Self.at("2026-11-25T10:20:00Z"), "\(policy)")
            #expect(plan.next == Self.at("2026-11-25T10:40:00Z"))
        }
    }

    @Test func aPassThatComesALittleLateFiresEverySlotItPassed() {
        let everySecond = try! CronSchedule("@every 1s")
        for policy in CatchUp.allCases {
            let plan = plan(policy, next: "2026-11-25T10:19:57Z", cron: everySecond)
            #expect(plan.slots == ["57", "58", "59"].map { Self.at("2026-11-25T10:19:\($0)Z") } + [Self.now], "\(policy)")
            #expect(plan.dropped == nil)
        }
    }

    @Test func latestFiresTheMostRecentMissedSlot() {
        let plan = plan(.latest, next: "2026-11-25T07:00:00Z")
        #expect(plan.slots == [Self.at("2026-11-25T10:00:00Z")])
        #expect(plan.dropped?.count == 3 && plan.dropped?.first == Self.at("2026-11-25T07:00:00Z") && plan.dropped?.last == Self.at("2026-11-25T09:00:00Z"))
        #expect(plan.next == Self.at("2026-11-25T11:00:00Z"))
    }

    @Test func allFiresEveryMissedSlotInOrder() {
        let plan = plan(.all, next: "2026-11-25T07:00:00Z")
        #expect(plan.slots == ["07", "08", "09", "10"].map { Self.at("2026-11-25T\($0):00:00Z") })
        #expect(plan.dropped == nil)
    }

    @Test func allStopsAtAHundredAndSaysWhatItDropped() {
        let plan = plan(.all, next: "2026-11-20T00:00:00Z")  // 5 days and 11 hours: 131 slots
        #expect(plan.slots.count == SlotPlan.catchUpLimit)
        #expect(plan.slots.last == Self.at("2026-11-25T10:00:00Z") && plan.slots == plan.slots.sorted())
        #expect(plan.dropped?.count == 131 - 100)
        #expect(plan.dropped?.first == Self.at("2026-11-20T00:00:00Z") && plan.dropped?.last == Self.at("2026-11-21T06:00:00Z"))
    }

    @Test func noneSkipsMissedSlotsToTheNextFutureOne() {
        let plan = plan(.none, next: "2026-11-25T07:00:00Z")
        #expect(plan.slots.isEmpty)
        #expect(plan.dropped?.count == 4)
        #expect(plan.next == Self.at("2026-11-25T11:00:00Z"))
    }

    @Test func aVeryLongDowntimeOfAFrequentScheduleStaysCheap() {
        let everySecond = try! CronSchedule("@every 1s")
        let plan = plan(.latest, next: "2026-11-01T00:00:00Z", cron: everySecond)
        // The last ten seconds' slots are on time; the million before them are dropped.
        #expect(plan.slots == (0...10).reversed().map { Self.now.addingTimeInterval(-Double($0)) })
        #expect((plan.dropped?.count ?? 0) >= 1_000_000 - 11)
    }
}
