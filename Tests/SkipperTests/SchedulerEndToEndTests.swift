import Foundation
import SkipperStore
import TestSupport
import Testing

/// The scheduler in real runner processes: several racing for each slot, one killed, switched
/// off, and the schedules file applied at start.
extension EndToEnd {
    @Suite("scheduler")
    struct SchedulerEndToEndTests {
        func schedulesFile(_ text: String) throws -> String {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("schedules-\(UUID().uuidString).yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        /// The slots (seconds since 1970) a schedule's executions were keyed with, in order.
        func slots(_ schema: TestSchema, _ name: String) async throws -> [Int64] {
            try await schema.query("""
                SELECT extract(epoch FROM replace(substr(idempotency_key, length('schedule:\(name):') + 1), 'Z', '+00')::timestamptz)::bigint
                  FROM executions WHERE idempotency_key LIKE 'schedule:\(name):%' ORDER BY 1
                """).map { try $0.decode(at: 0, as: Int64.self) }
        }

        @Test func threeRunnersAndASchedulerOnlyOneFireEverySlotOnceThoughOneIsKilled() async throws {
            let schema = try await TestSchema.create(prefix: "sched_e2e")
            let file = try schedulesFile("schedules:\n  tick:\n    cron: \"@every 1s\"\n    job_type: noop\n")
            let environment = runnerEnvironment(schema, ["SCHEDULES_FILE": file])
            let runners = try (0..<3).map { _ in try BinaryProcess("runner", ["poll"], environment: environment) }
            var onlyEnvironment = environment
            let port = freeLocalPort()
            onlyEnvironment["WORKER_MODE"] = "scheduler-only"
            onlyEnvironment["METRICS_PORT"] = String(port)
            onlyEnvironment["METRICS_HOST"] = "127.0.0.1"
            let schedulerOnly = try BinaryProcess("runner", ["poll"], environment: onlyEnvironment)
            #expect(try await schema.eventually(timeout: .seconds(25)) { try await slots(schema, "tick").count >= 10 })
            // The scheduler-only runner says when its scheduler last passed.
            let health = try await httpGet("http://127.0.0.1:\(port)/health")
            let fields = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: String]
            #expect(health.status == 200, "\(health.body)")
            #expect(Double(fields?["scheduler_last_pass_seconds_ago"] ?? "") ?? 99 < 5, "\(health.body)")
            schedulerOnly.signal(SIGKILL)
            _ = await schedulerOnly.waitForExit(timeout: .seconds(5))
            let before = try await slots(schema, "tick").count
            #expect(try await schema.eventually(timeout: .seconds(25)) { try await slots(schema, "tick").count >= before + 10 })
            try await schema.query("SELECT pause_schedule('tick')")
            let completed = try await schema.eventually(timeout: .seconds(20)) {
                try await schema.scalar("SELECT count(*)::int FROM executions WHERE status <> 'completed'", as: Int.self) == 0
            }
            let pending = try await schema.query("SELECT execution_id FROM executions WHERE status <> 'completed'").map { try $0.decode(at: 0, as: Int64.self) }
            #expect(completed, "not completed: \(pending)")
            for runner in runners { runner.signal(SIGTERM) }
            for runner in runners { #expect(await runner.waitForExit(timeout: .seconds(15)) == 0) }
            let fired = try await slots(schema, "tick")
            let story = (runners + [schedulerOnly]).map { $0.output.split(separator: "\n").filter { $0.contains("schedule") }.suffix(40).joined(separator: "\n") }
            #expect(fired.count >= 20)
            #expect(Set(fired).count == fired.count, "a slot fired twice")
            #expect(zip(fired, fired.dropFirst()).allSatisfy { $1 == $0 + 1 }, "a slot was skipped: \(fired)\n\(story.joined(separator: "\n---\n"))")
            #expect(try await schema.scalar("SELECT count(*)::int FROM executions WHERE attempt <> 1", as: Int.self) == 0)
        }

        @Test func withTheSchedulerOffEverywhereNothingFires() async throws {
            let schema = try await TestSchema.create(prefix: "sched_e2e")
            let file = try schedulesFile("schedules:\n  tick:\n    cron: \"@every 1s\"\n    job_type: noop\n")
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "SCHEDULES_FILE": file, "ENABLE_SCHEDULER": "false",
            ]))
            #expect(await runner.waitForOutput("status=registered", timeout: .seconds(10)))
            // The file is applied (the schedule exists), but no scheduler runs.
            #expect(try await schema.scalar("SELECT count(*)::int FROM schedules", as: Int.self) == 1)
            try await Task.sleep(for: .seconds(3))
            #expect(try await schema.scalar("SELECT count(*)::int FROM executions", as: Int.self) == 0)
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(10)) == 0)
        }

        @Test func aScheduleLeftOutOfTheFileIsDeletedAndAChangedCronTakesEffectAtItsNextSlot() async throws {
            let schema = try await TestSchema.create(prefix: "sched_e2e")
            let first = try schedulesFile("""
                schedules:
                  kept:
                    cron: "@every 1s"
                    job_type: noop
                  dropped:
                    cron: "@every 1s"
                    job_type: noop
                """)
            var runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, ["SCHEDULES_FILE": first]))
            #expect(try await schema.eventually(timeout: .seconds(15)) {
                let kept = try await slots(schema, "kept").count, dropped = try await slots(schema, "dropped").count
                return kept >= 2 && dropped >= 2
            })
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(10)) == 0)
            let second = try schedulesFile("schedules:\n  kept:\n    cron: \"@every 2s\"\n    job_type: noop\n")
            let restartedAt = Int64(Date().timeIntervalSince1970)
            let port = freeLocalPort()
            runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "SCHEDULES_FILE": second, "METRICS_PORT": String(port), "METRICS_HOST": "127.0.0.1",
            ]))
            #expect(await runner.waitForOutput("change=deleted", timeout: .seconds(10)))
            #expect(try await schema.scalar("SELECT string_agg(name || ':' || cron, ',') FROM schedules", as: String.self) == "kept:@every 2s")
            #expect(try await schema.eventually(timeout: .seconds(15)) {
                try await slots(schema, "kept").filter { $0 > restartedAt + 1 }.count >= 3
            })
            let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
            #expect(metrics.contains("schedules_fired_total{schedule=\"kept\"}") && metrics.contains("schedule_lag_seconds{schedule=\"kept\"}"), "\(metrics)")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(10)) == 0)
            let after = try await slots(schema, "kept").filter { $0 > restartedAt + 1 }
            #expect(after.allSatisfy { $0 % 2 == 0 }, "slots after the change: \(after)")
            // The operator's view and actions.
            let cli = ["DATABASE_URL": schema.url]
            let listed = try await BinaryProcess.run("runner", ["schedules"], environment: cli)
            #expect(listed.status == 0 && listed.output.contains("kept") && listed.output.contains("@every 2s") && !listed.output.contains("dropped"), "\(listed.output)")
            let paused = try await BinaryProcess.run("runner", ["schedules", "pause", "kept"], environment: cli)
            #expect(paused.status == 0 && paused.output.contains("schedule kept paused"), "\(paused.output)")
            #expect(try await schema.scalar("SELECT paused FROM schedules WHERE name = 'kept'", as: Bool.self))
            let triggered = try await BinaryProcess.run("runner", ["schedules", "trigger", "kept"], environment: cli)
            #expect(triggered.status == 0 && triggered.output.contains("triggered: execution"), "\(triggered.output)")
            #expect(try await schema.scalar("SELECT count(*)::int FROM executions WHERE idempotency_key LIKE 'schedule:kept:manual:%'", as: Int.self) == 1)
            let missing = try await BinaryProcess.run("runner", ["schedules", "resume", "nope"], environment: cli)
            #expect(missing.status == 4 && missing.output.contains("no schedule nope"), "\(missing.output)")
        }

        @Test func aBadSchedulesFileIsAUsageErrorBeforeAnyDatabaseWork() async throws {
            let file = try schedulesFile("schedules:\n  nightly:\n    cron: \"61 * * * *\"\n    job_type: report\n")
            let result = try await BinaryProcess.run("runner", ["poll", "--schedules", file], environment: [
                "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=1", "METRICS_PORT": "0",
            ])
            #expect(result.status == 64, "\(result.output)")
            #expect(result.output.contains("SCHEDULES_FILE") && result.output.contains("schedule 'nightly'") && result.output.contains("61 is outside 0-59"))
            #expect(!result.output.contains("database unreachable"))
        }

        @Test func delayedExecutionsStartWhenDueNotAtTheNextPoll() async throws {
            let schema = try await TestSchema.create(prefix: "sched_e2e")
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "POLL_INTERVAL": "60s", "HEARTBEAT_INTERVAL": "60s", "STALE_THRESHOLD_MINUTES": "5", "QUEUE_NAME": "delayed",
            ]))
            #expect(await runner.waitForOutput("status=registered", timeout: .seconds(10)))
            // Let the first poll pass, so only a wake-up can start them.
            try await Task.sleep(for: .seconds(1))
            try await schema.execute("""
                SELECT enqueue_execution('noop', p_queue => 'delayed', p_delay => make_interval(secs => 2 + g % 3)) FROM generate_series(1, 30) g
                """)
            #expect(try await schema.eventually(timeout: .seconds(20)) {
                try await schema.scalar("SELECT count(*)::int FROM executions WHERE queue = 'delayed' AND status = 'completed'", as: Int.self) == 30
            })
            let late = try await schema.scalar(
                "SELECT max(extract(epoch FROM started_at - run_at))::float8 FROM executions WHERE queue = 'delayed'", as: Double.self)
            #expect(late < 1.5, "the latest started \(late) s after its run_at (POLL_INTERVAL is 60 s)")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(10)) == 0)
        }
    }
}
