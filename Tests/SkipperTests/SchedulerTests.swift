import Foundation
@testable import SkipperRuntime
@testable import SkipperStore
import TestSupport
import Testing

/// The schedules table, its SQL API and scheduler passes run in process against a real
/// PostgreSQL (the processes racing for slots are in SchedulerEndToEndTests).
@Suite("schedules")
struct SchedulerTests {
    /// A cron that fires every hour at a minute half an hour away from now: its latest past slot
    /// is ~30 minutes old whenever the test runs, never on time.
    static func hourlyAwayFromNow() -> (cron: String, slotsInThreeHours: Int) {
        let minute = (Calendar(identifier: .gregorian).component(.minute, from: Date()) + 30) % 60
        return ("\(minute) * * * *", 3)
    }

    func count(_ schema: TestSchema, _ name: String) async throws -> Int {
        try await schema.scalar("SELECT count(*)::int FROM executions WHERE idempotency_key LIKE 'schedule:\(name):%'")
    }

    @Test func theSQLAPIManagesSchedulesAndSaysWhatIsWrong() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        #expect(try await schema.scalar("SELECT upsert_schedule('report', '30 2 * * *', 'report', p_timezone => 'Europe/Berlin')", as: String.self) == "created")
        #expect(try await schema.scalar("SELECT upsert_schedule('report', '30 2 * * *', 'report', p_timezone => 'Europe/Berlin')", as: String.self) == "unchanged")
        try await schema.execute("UPDATE schedules SET next_slot = '2030-01-01' WHERE name = 'report'")
        // Another payload keeps the next slot; another cron makes schedulers compute it again.
        #expect(try await schema.scalar("SELECT upsert_schedule('report', '30 2 * * *', 'report', '{\"a\": 1}', p_timezone => 'Europe/Berlin')", as: String.self) == "updated")
        #expect(try await schema.scalar("SELECT next_slot IS NOT NULL FROM schedules WHERE name = 'report'", as: Bool.self))
        #expect(try await schema.scalar("SELECT upsert_schedule('report', '45 2 * * *', 'report', p_timezone => 'Europe/Berlin')", as: String.self) == "updated")
        #expect(try await schema.scalar("SELECT next_slot IS NULL FROM schedules WHERE name = 'report'", as: Bool.self))
        #expect(try await schema.scalar("SELECT pause_schedule('report')", as: Bool.self))
        #expect(try await schema.scalar("SELECT resume_schedule('report')", as: Bool.self))
        #expect(!(try await schema.scalar("SELECT pause_schedule('nope')", as: Bool.self)))
        let triggered = try await schema.scalar("SELECT trigger_schedule('report')", as: Int64.self)
        #expect(try await schema.scalar("SELECT idempotency_key FROM executions WHERE execution_id = \(triggered)", as: String.self)
            .hasPrefix("schedule:report:manual:"))
        #expect(try await schema.scalar("SELECT delete_schedule('report')", as: Bool.self))
        #expect(!(try await schema.scalar("SELECT delete_schedule('report')", as: Bool.self)))
        for (sql, message) in [
            ("SELECT upsert_schedule('x', '61 * * *', 'report')", "invalid cron"),
            ("SELECT upsert_schedule('x', '@daily', 'report', p_timezone => 'Mars/Olympus')", "unknown time zone"),
            ("SELECT upsert_schedule('x', '@daily', 'report', '\"text\"')", "payload must be a JSON object or array"),
        ] {
            let error = await #expect(throws: (any Error).self) { try await schema.query(sql) }
            #expect("\(error.map { "\($0)" } ?? "")".contains(message), "\(sql): \(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func aSlotFiredTwiceMakesOneExecution() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        let connection = try await schema.store()
        try await schema.query("SELECT upsert_schedule('tick', '@every 1s', 'noop')")
        let slot = Date(timeIntervalSince1970: 1_795_000_000)
        let first = try await ScheduleStore.fire("tick", slots: [slot], next: nil, problem: nil, on: connection)?.first
        let again = try await ScheduleStore.fire("tick", slots: [slot], next: nil, problem: nil, on: connection)?.first
        #expect(first != nil && first == again)
        #expect(try await schema.scalar("SELECT idempotency_key FROM executions", as: String.self) == "schedule:tick:2026-11-18T11:06:40Z")
        let state = try #require(try await ScheduleStore.list(on: connection).first)
        #expect(state.lastSlot == slot && state.lastExecutionID == first)
    }

    @Test func theFileDeclaresItsSchedulesAndLeavesTheSQLAPIsAlone() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        let connection = try await schema.store()
        try await schema.query("SELECT upsert_schedule('from_sql', '@hourly', 'noop')")
        let a = ScheduleDefinition(name: "a", cron: "@every 1s", jobType: "noop")
        var b = ScheduleDefinition(name: "b", cron: "@daily", timeZone: "Europe/Berlin", jobType: "report", payload: #"{"k": [1, "x"]}"#)
        #expect(try await ScheduleStore.sync([a, b], on: connection).map(\.change) == ["created", "created"])
        b.cron = "@weekly"
        let changes = try await ScheduleStore.sync([b], on: connection)
        #expect(changes == [.init(name: "b", change: "updated"), .init(name: "a", change: "deleted")])
        let names = try await ScheduleStore.list(on: connection).map { "\($0.definition.name):\($0.managedBy)" }
        #expect(names == ["b:file", "from_sql:sql"])
        #expect(try await schema.scalar("SELECT payload->'k'->>1 FROM schedules WHERE name = 'b'", as: String.self) == "x")
    }

    @Test(arguments: [(CatchUp.latest, 1), (.all, 3), (.none, 0)])
    func missedSlotsAfterADowntimeFollowTheCatchUpPolicy(policy: CatchUp, expected: Int) async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        let (cron, _) = Self.hourlyAwayFromNow()
        try await schema.query("SELECT upsert_schedule('report', '\(cron)', 'noop', p_catch_up => '\(policy.rawValue)')")
        let scheduler = Scheduler(interval: .seconds(1), connector: schema.database, logger: TestEnvironment.logger)
        let connection = try await schema.store()
        // The first pass gives it its next slot and fires nothing.
        #expect(try await scheduler.pass(on: connection) == 0)
        #expect(try await count(schema, "report") == 0)
        // Every scheduler was down for three hours.
        try await schema.execute("UPDATE schedules SET next_slot = next_slot - interval '3 hours' WHERE name = 'report'")
        #expect(try await scheduler.pass(on: connection) == expected)
        #expect(try await count(schema, "report") == expected)
        // And it goes on from its next slot after now: a pass now fires nothing more.
        #expect(try await scheduler.pass(on: connection) == 0)
        #expect(try await schema.scalar("SELECT next_slot > now() FROM schedules WHERE name = 'report'", as: Bool.self))
        #expect(try await schema.scalar("SELECT count(DISTINCT idempotency_key)::int FROM executions", as: Int.self) == expected)
    }

    @Test func pausedSchedulesDoNotFireAndAScheduleThatCannotSaysWhy() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        try await schema.query("SELECT upsert_schedule('paused', '@every 1s', 'noop')")
        try await schema.query("SELECT pause_schedule('paused')")
        // Passes the SQL API's shape check, not the evaluator: 30 February.
        try await schema.query("SELECT upsert_schedule('never', '0 0 30 2 *', 'noop')")
        let scheduler = Scheduler(interval: .seconds(1), connector: schema.database, logger: TestEnvironment.logger)
        let connection = try await schema.store()
        _ = try await scheduler.pass(on: connection)
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await scheduler.pass(on: connection) == 0)
        let states = try await ScheduleStore.list(on: connection)
        #expect(states.first { $0.definition.name == "never" }?.problem?.contains("never fires") == true)
        #expect(try await count(schema, "paused") == 0)
    }

    @Test func schedulersRacingInProcessFireEachSlotOnce() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        try await schema.query("SELECT upsert_schedule('race', '@every 1s', 'noop')")
        let schedulers = (0..<3).map { _ in Scheduler(interval: .milliseconds(200), connector: schema.database, logger: TestEnvironment.logger) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for scheduler in schedulers {
                group.addTask {
                    let connection = try await schema.store()
                    let end = ContinuousClock.now + .seconds(4)
                    while ContinuousClock.now < end {
                        _ = try await scheduler.pass(on: connection)
                        try await Task.sleep(for: .milliseconds(Int.random(in: 1...50)))
                    }
                }
            }
            try await group.waitForAll()
        }
        let keys = try await schema.query("SELECT idempotency_key FROM executions ORDER BY execution_id").map { try $0.decode(at: 0, as: String.self) }
        #expect(keys.count >= 3 && Set(keys).count == keys.count, "\(keys)")
        let seconds = try await schema.query("""
            SELECT extract(epoch FROM replace(split_part(idempotency_key, ':', 3) || ':' || split_part(idempotency_key, ':', 4) || ':' || split_part(idempotency_key, ':', 5), 'Z', '+00')::timestamptz)::bigint
              FROM executions ORDER BY 1
            """).map { try $0.decode(at: 0, as: Int64.self) }
        #expect(zip(seconds, seconds.dropFirst()).allSatisfy { $1 == $0 + 1 }, "a slot was skipped: \(seconds)")
    }

    @Test func delayedExecutionsThatCameDueAreAnnouncedAndTheNextOneIsKnown() async throws {
        let schema = try await TestSchema.create(prefix: "sched")
        let connection = try await schema.store()
        let listener = try await schema.store()
        let channels = try await Notifications.listen(on: listener)
        // Due now but written delayed (a retry's backoff that passed), ready from the start, and one for later.
        try await schema.execute("""
            INSERT INTO executions (queue, job_type, run_at, created_at) VALUES ('due_q', 'noop', now() - interval '500 milliseconds', now() - interval '1 minute');
            INSERT INTO executions (queue, job_type) VALUES ('ready_q', 'noop');
            INSERT INTO executions (queue, job_type, run_at) VALUES ('later_q', 'noop', now() + interval '30 seconds');
            """)
        let scheduler = Scheduler(interval: .seconds(1), connector: schema.database, logger: TestEnvironment.logger)
        let next = try #require(try await scheduler.wakeRunnersForDueExecutions(on: connection))
        #expect(next > 25 && next <= 30, "next delayed one in \(next) s")
        var heard: [StoreNotification] = []
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            guard let note = try await Notifications.next(on: listener, channels: channels, timeout: .milliseconds(200)) else { continue }
            // The channel is the database's: other tests' queues are heard too.
            if case .ready(let probe, _) = note, ["due_q", "ready_q", "later_q"].contains(probe.queue) { heard.append(note) }
        }
        #expect(heard.map { if case .ready(let probe, _) = $0 { probe.queue } else { "" } } == ["due_q"])
        // Announced once: the next call starts where this one ended.
        try await scheduler.wakeRunnersForDueExecutions(on: connection)
        try await Task.sleep(for: .milliseconds(1100))
        try await scheduler.wakeRunnersForDueExecutions(on: connection)
        var again = 0
        while let note = try await Notifications.next(on: listener, channels: channels, timeout: .milliseconds(300)) {
            if case .ready(let probe, _) = note, probe.queue == "due_q" { again += 1 }
        }
        #expect(again <= 1, "announced \(again) more times")
    }
}
