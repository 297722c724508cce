import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    @Suite("cleanup-daemon")
    struct CleanupDaemonTests {
        let schema: TestSchema
        let scripts: HandlerScripts

        init() async throws {
            schema = try await TestSchema.create(prefix: "e2e_daemon")
            scripts = try HandlerScripts()
        }

        func daemonEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
            var environment = ["DATABASE_URL": schema.url, "STALE_THRESHOLD_MINUTES": "0.05", "CHECK_INTERVAL": "1", "LOG_LEVEL": "info"]
            for (key, value) in extra { environment[key] = value }
            return environment
        }

        static let rescuedQuery = """
            SELECT execution_id, worker_id, status, execution_error FROM executions
             WHERE execution_error = 'Worker died unexpectedly' ORDER BY created_at DESC LIMIT 10
            """

        @Test func theClassicDrillKilledRunnerRescuedAndCompletedElsewhere() async throws {
            let slow = try scripts.script("slow.sh", "exec sleep 60")
            let slowHandlers = try scripts.handlersFile([("work", [slow], nil)])
            let fastHandlers = try scripts.handlersFile([("work", ["/bin/true"], nil)])
            let ids = try await enqueue(schema, jobType: "work", queue: "drill", count: 3)
            let lastChance = try await enqueue(schema, jobType: "work", queue: "drill", maxAttempts: 1)[0]
            let victim = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "drill", "HANDLERS_FILE": slowHandlers, "WORKER_CONCURRENCY": "4",
            ]))
            let running = try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "drill")["running"] == 4
            }
            #expect(running)
            let victimID = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE status = 'running'", as: String.self)
            victim.signal(SIGKILL)
            _ = await victim.waitForExit(timeout: .seconds(5))
            let killedAt = ContinuousClock.now
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: daemonEnvironment())
            // Threshold 3 s + check interval 1 s + slack.
            let rescued = try await schema.eventually(timeout: .seconds(12)) {
                try await schema.scalar("SELECT count(*) FROM executions WHERE execution_error = 'Worker died unexpectedly'", as: Int.self) == 4
            }
            #expect(rescued, "\(daemon.output.suffix(3000))")
            #expect(ContinuousClock.now - killedAt < .seconds(12))
            #expect(try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = $1", [victimID], as: String.self) == "dead")
            #expect(try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [lastChance], as: String.self) == "failed")
            #expect(try await schema.scalar("SELECT finished_at IS NOT NULL FROM executions WHERE execution_id = $1", [lastChance], as: Bool.self))
            #expect(daemon.output.contains("status=worker_reaped"))
            #expect(daemon.output.contains("worker_id=\(victimID)"))
            #expect(daemon.output.contains("executions_requeued=3"))
            #expect(daemon.output.contains("executions_failed=1"))

            // A surviving runner completes them after their backoff.
            try await schema.query("UPDATE executions SET run_at = now() WHERE status = 'queued' AND queue = 'drill'")
            let survivor = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "drill", "HANDLERS_FILE": fastHandlers,
            ]))
            let completed = try await schema.eventually(timeout: .seconds(15)) {
                try await statusCounts(schema, queue: "drill") == ["completed": 3, "failed": 1]
            }
            #expect(completed)
            let listed = try await schema.query(Self.rescuedQuery)
            #expect(Set(try listed.map { try $0.decode("execution_id", as: Int64.self) }) == Set(ids + [lastChance]))
            #expect(try listed.allSatisfy { try $0.decode("execution_error", as: String.self) == "Worker died unexpectedly" })
            survivor.signal(SIGTERM)
            daemon.signal(SIGTERM)
            #expect(await survivor.waitForExit(timeout: .seconds(15)) == 0)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func aFrozenRunnerNeitherCompletesTwiceNorKeepsItsHandlersAndComesBackUnderANewID() async throws {
            // The handler records each run it finishes; while `slow.marker` exists it first sleeps 30 s.
            let record = scripts.path("done.log")
            let marker = scripts.path("slow.marker")
            FileManager.default.createFile(atPath: marker, contents: nil)
            let handler = try scripts.script("record.sh", "if [ -f \(marker) ]; then sleep 30; fi\necho \"$EXECUTION_ID\" >> \(record)")
            let handlers = try scripts.handlersFile([("frozen", [handler], nil)])
            let ids = try await enqueue(schema, jobType: "frozen", queue: "frozen", count: 2)
            let frozen = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "frozen", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "2",
            ]))
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "frozen")["running"] == 2
            })
            let frozenID = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE status = 'running'", as: String.self)
            #expect(try await schema.eventually(timeout: .seconds(10)) { childProcesses(of: frozen.pid).count == 2 })
            let handlerProcesses = childProcesses(of: frozen.pid)
            frozen.signal(SIGSTOP)
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: daemonEnvironment())
            #expect(try await schema.eventually(timeout: .seconds(12)) {
                try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = $1", [frozenID], as: String.self) == "dead"
            })
            // Rescued; another runner completes them (quickly now).
            try FileManager.default.removeItem(atPath: marker)
            try await schema.query("UPDATE executions SET run_at = now() WHERE status = 'queued' AND queue = 'frozen'")
            let other = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "frozen", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "2",
            ]))
            #expect(try await schema.eventually(timeout: .seconds(20)) {
                try await statusCounts(schema, queue: "frozen") == ["completed": 2]
            })
            let completedBy = try await schema.query("SELECT DISTINCT worker_id FROM executions WHERE queue = 'frozen'").map {
                try $0.decode(at: 0, as: String.self)
            }
            other.signal(SIGTERM)
            #expect(await other.waitForExit(timeout: .seconds(20)) == 0)
            // Thaw: it learns it is dead, kills its handlers (still sleeping), and re-registers.
            frozen.signal(SIGCONT)
            #expect(await frozen.waitForOutput("status=reregistering", timeout: .seconds(10)), "\(frozen.output.suffix(3000))")
            let handlersGone = try await schema.eventually(timeout: .seconds(10)) {
                handlerProcesses.allSatisfy { !processIsAlive($0) }
            }
            #expect(handlersGone, "the zombie's handlers kept running")
            let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.sorted() == ids.map(String.init).sorted(), "each execution's handler finished exactly once: \(lines)")
            #expect(try await statusCounts(schema, queue: "frozen") == ["completed": 2])
            #expect(completedBy.count == 1)
            #expect(!completedBy.contains(frozenID))
            let newID = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE status = 'running' AND pid = $1", [frozen.pid], as: String.self)
            #expect(newID != frozenID)
            // And it keeps working.
            let later = try await enqueue(schema, jobType: "noop", queue: "frozen")[0]
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT count(*) FROM executions WHERE execution_id = $1 AND status = 'completed' AND worker_id = $2", [later, newID], as: Int.self) == 1
            })
            frozen.signal(SIGTERM)
            daemon.signal(SIGTERM)
            #expect(await frozen.waitForExit(timeout: .seconds(20)) == 0)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func threeDaemonsRacingRescueEachOrphanOnceAndSpendNoAttempt() async throws {
            try await schema.query("""
                INSERT INTO worker_heartbeats (worker_id, hostname, pid, last_heartbeat_at)
                VALUES ('worker-ghost001', 'gone-host', 1, now() - interval '10 minutes')
                """)
            try await schema.query("""
                INSERT INTO executions (queue, job_type, status, attempt, worker_id, started_at)
                SELECT 'orphans', 'noop', 'running', 1, CASE WHEN i % 4 = 0 THEN 'worker-norow000' ELSE 'worker-ghost001' END,
                       now() - interval '10 minutes'
                  FROM generate_series(1, 1000) i
                """)
            let daemons = try (0..<3).map { _ in
                try BinaryProcess("cleanup-daemon", ["--once"], environment: daemonEnvironment())
            }
            var requeued = 0
            for daemon in daemons {
                #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "\(daemon.output.suffix(2000))")
                for line in daemon.output.split(separator: "\n") where line.contains("status=pass_complete") {
                    if let field = line.split(separator: " ").first(where: { $0.hasPrefix("executions_requeued=") }) {
                        requeued += Int(field.dropFirst("executions_requeued=".count)) ?? 0
                    }
                }
            }
            #expect(requeued == 1000, "the daemons together reported \(requeued) rescues")
            #expect(try await statusCounts(schema, queue: "orphans") == ["queued": 1000])
            #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE queue = 'orphans' AND attempt = 1 AND execution_error = 'Worker died unexpectedly'", as: Int.self) == 1000)
        }

        @Test func onceExitsZeroAndRetentionDeletesOnlyWhatIsOldEnough() async throws {
            try await schema.execute("""
                INSERT INTO executions (queue, job_type, status, finished_at) VALUES
                    ('retention', 'noop', 'completed', now() - interval '8 days'),
                    ('retention', 'noop', 'completed', now() - interval '1 day'),
                    ('retention', 'noop', 'cancelled', now() - interval '8 days'),
                    ('retention', 'noop', 'failed', now() - interval '31 days'),
                    ('retention', 'noop', 'failed', now() - interval '8 days');
                INSERT INTO idempotency_records (idempotency_key, execution_id, created_at) VALUES
                    ('ret-old', 1, now() - interval '2 days'), ('ret-new', 2, now());
                INSERT INTO worker_heartbeats (worker_id, hostname, pid, status, last_heartbeat_at) VALUES
                    ('worker-oldstop1', 'h', 1, 'stopped', now() - interval '8 days'),
                    ('worker-newstop1', 'h', 1, 'stopped', now())
                """)
            let once = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: daemonEnvironment())
            #expect(once.status == 0, "\(once.output)")
            let left = try await schema.query("SELECT status, extract(day FROM now() - finished_at)::int AS age FROM executions WHERE queue = 'retention' ORDER BY status, age")
            let summary = try left.map { "\(try $0.decode("status", as: String.self)):\(try $0.decode("age", as: Int.self))" }
            #expect(summary == ["completed:1", "failed:8"])
            #expect(try await schema.scalar("SELECT string_agg(idempotency_key, ',') FROM idempotency_records WHERE idempotency_key LIKE 'ret-%'", as: String.self) == "ret-new")
            #expect(try await schema.scalar("SELECT string_agg(worker_id, ',') FROM worker_heartbeats WHERE worker_id LIKE '%stop1'", as: String.self) == "worker-newstop1")
            // Retentions can be turned off.
            try await schema.query("INSERT INTO executions (queue, job_type, status, finished_at) VALUES ('retention', 'noop', 'completed', now() - interval '8 days')")
            let off = try await BinaryProcess.run("cleanup-daemon", ["--once", "--completed-retention", "off"], environment: daemonEnvironment())
            #expect(off.status == 0)
            #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE queue = 'retention' AND status = 'completed'", as: Int.self) == 2)
        }

        @Test func badSettingsAreRefusedBeforeAnyDatabaseWork() async throws {
            let abc = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: daemonEnvironment(["STALE_THRESHOLD_MINUTES": "abc"]))
            #expect(abc.status == 64)
            #expect(abc.output.contains("STALE_THRESHOLD_MINUTES") && abc.output.contains("'abc'"))
            let zero = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: daemonEnvironment(["CHECK_INTERVAL": "0"]))
            #expect(zero.status == 64)
            #expect(zero.output.contains("CHECK_INTERVAL"))
            let nowhere = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: [
                "DATABASE_URL": "postgresql://skipper:N0tThisPassword@127.0.0.1:1/skipper?connect_timeout=2",
            ])
            #expect(nowhere.status != 0)
            #expect(nowhere.output.contains("server unreachable"))
            #expect(!nowhere.output.contains("N0tThisPassword"))
        }
    }
}
