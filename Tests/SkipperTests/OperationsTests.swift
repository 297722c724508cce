import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    @Suite("operations")
    struct OperationsTests {
        let schema: TestSchema
        let scripts: HandlerScripts

        init() async throws {
            schema = try await TestSchema.create(prefix: "ops")
            scripts = try HandlerScripts()
        }

        /// Parses Prometheus text format into `name{labels}` → value.
        func parseMetrics(_ text: String) -> [String: Double] {
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                samples[String(line[..<space])] = value
            }
            return samples
        }

        @Test func runnerServesMetricsAndHealth() async throws {
            let port = freeLocalPort()
            let failing = try scripts.script("fail.sh", "exit 2")
            let handlers = try scripts.handlersFile([("failing", [failing], nil)])
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "metrics", "METRICS_PORT": String(port), "METRICS_HOST": "127.0.0.1", "HANDLERS_FILE": handlers,
                "QUEUE_DEPTH_INTERVAL": "500ms", "METRICS_LOG_INTERVAL": "1s",
            ]))
            #expect(await runner.waitForOutput("status=registered", timeout: .seconds(10)))
            try await enqueue(schema, jobType: "noop", queue: "metrics", count: 5)
            try await enqueue(schema, jobType: "failing", queue: "metrics", count: 1, maxAttempts: 1)
            try await enqueue(schema, jobType: "noop", queue: "metrics_other", count: 3)  // depth: nobody serves it
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "metrics") == ["completed": 5, "failed": 1]
            })
            // Queue depth comes from the database's shared sample, taken at most every 500 ms
            // (less often while reading it is slow, e.g. a fresh session on a loaded machine).
            let depthKey = "queue_depth{queue=\"metrics_other\",priority=\"normal\",status=\"queued\"}"
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                parseMetrics(try await httpGet("http://127.0.0.1:\(port)/metrics").body)[depthKey] == 3
            })
            let (status, body) = try await httpGet("http://127.0.0.1:\(port)/metrics")
            #expect(status == 200)
            let samples = parseMetrics(body)
            #expect(samples["jobs_claimed_total{queue=\"metrics\",job_type=\"noop\"}"] == 5, "\(body)")
            #expect(samples["jobs_succeeded_total{queue=\"metrics\",job_type=\"noop\"}"] == 5)
            #expect(samples["jobs_failed_total{queue=\"metrics\",job_type=\"failing\"}"] == 1)
            #expect(samples["job_latency_ms_count{job_type=\"noop\"}"] == 5)
            #expect(samples["queue_wait_ms_count{queue=\"metrics\"}"] == 6)
            #expect(samples["active_jobs"] == 0)
            #expect(samples["worker_utilization"] == 0)
            #expect(samples["heartbeat_age_seconds"] != nil)
            #expect(samples["queue_depth{queue=\"metrics_other\",priority=\"normal\",status=\"queued\"}"] == 3)
            #expect(body.contains("# TYPE job_latency_ms histogram"))

            let health = try await httpGet("http://127.0.0.1:\(port)/health")
            #expect(health.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: String]
            #expect(json?["status"] == "ok")
            #expect(json?["database"] == "ok")
            #expect(json?["worker_id"]?.hasPrefix("worker-") == true)

            // A heartbeat that cannot be written (its row locked) makes /health say so with 503.
            let workerID = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE status = 'running'", as: String.self)
            let blocker = try await schema.store()
            try await blocker.execute("BEGIN")
            try await blocker.query("SELECT 1 FROM worker_heartbeats WHERE worker_id = $1 FOR UPDATE", [workerID])
            let unhealthy = try await schema.eventually(timeout: .seconds(15)) {
                try await httpGet("http://127.0.0.1:\(port)/health").status == 503
            }
            #expect(unhealthy)
            let sick = try await httpGet("http://127.0.0.1:\(port)/health")
            #expect(sick.body.contains("heartbeat is"))
            try await blocker.execute("ROLLBACK")
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await httpGet("http://127.0.0.1:\(port)/health").status == 200
            })
            // The periodic metrics line.
            #expect(runner.output.contains("status=metrics"))
            #expect(runner.output.contains("jobs_completed=5"))
            #expect(runner.output.contains("jobs_failed=1"))
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func daemonServesItsCountersAndHealth() async throws {
            try await schema.query("""
                INSERT INTO executions (queue, job_type, status, attempt, worker_id, started_at)
                SELECT 'dmetrics', 'noop', 'running', 1, 'worker-gone0000', now() - interval '1 hour' FROM generate_series(1, 4)
                """)
            let port = freeLocalPort()
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: [
                "DATABASE_URL": schema.url, "CHECK_INTERVAL": "1", "STALE_THRESHOLD_MINUTES": "0.05",
                "CLEANUP_METRICS_PORT": String(port), "METRICS_HOST": "127.0.0.1",
            ])
            #expect(await daemon.waitForOutput("status=pass_complete", timeout: .seconds(10)))
            let samples = parseMetrics(try await httpGet("http://127.0.0.1:\(port)/metrics").body)
            #expect(samples["executions_rescued_total{outcome=\"requeued\"}"] == 4)
            #expect(samples["workers_reaped_total"] != nil)
            #expect(samples["idempotency_records_deleted_total"] != nil)
            #expect(samples["executions_pruned_total"] != nil)
            let health = try await httpGet("http://127.0.0.1:\(port)/health")
            #expect(health.status == 200, "\(health.body)")
            daemon.signal(SIGTERM)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func systemdNotificationsReadyWatchdogStopping() async throws {
            let socket = try NotifySocket()
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "notify", "NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "4000000",
            ]))
            let ready = await socket.receive(until: "READY=1", timeout: .seconds(10))
            #expect(ready.contains("READY=1"), "\(ready)")
            let watchdog = await socket.receive(until: "WATCHDOG=1", timeout: .seconds(5))
            #expect(watchdog.contains("WATCHDOG=1"), "\(watchdog)")
            runner.signal(SIGTERM)
            let stopping = await socket.receive(until: "STOPPING=1", timeout: .seconds(10))
            #expect(stopping.contains("STOPPING=1"), "\(stopping)")
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)

            let daemonSocket = try NotifySocket()
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: [
                "DATABASE_URL": schema.url, "CHECK_INTERVAL": "1", "CLEANUP_METRICS_PORT": "0",
                "NOTIFY_SOCKET": daemonSocket.path, "WATCHDOG_USEC": "10000000",
            ])
            #expect(await daemonSocket.receive(until: "READY=1", timeout: .seconds(10)).contains("READY=1"))
            #expect(await daemonSocket.receive(until: "WATCHDOG=1", timeout: .seconds(5)).contains("WATCHDOG=1"))
            daemon.signal(SIGTERM)
            #expect(await daemonSocket.receive(until: "STOPPING=1", timeout: .seconds(10)).contains("STOPPING=1"))
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func systemdAcceptsTheUnits() async throws {
            let folder = try HandlerScripts().directory
            let bin = try TestEnvironment.binDirectory()
            let units = TestEnvironment.repositoryRoot.appendingPathComponent("systemd")
            for (name, binary) in [("runner@.service", "runner"), ("cleanup-daemon.service", "cleanup-daemon")] {
                let text = try String(contentsOf: units.appendingPathComponent(name), encoding: .utf8)
                    .replacingOccurrences(of: "/usr/local/bin/\(binary)", with: bin.appendingPathComponent(binary).path)
                try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                #expect(text.contains("Type=notify"))
                #expect(text.contains("NoNewPrivileges=yes") && text.contains("ProtectSystem=strict") && text.contains("PrivateTmp=yes"))
                #expect(text.contains("Restart=on-failure"))
            }
            func verify(_ units: [String]) async throws -> (Int32?, String) {
                let result = try await runProgram(["/usr/bin/systemd-analyze", "verify"] + units, directory: folder.path)
                return (result.status, result.output)
            }
            let (status, output) = try await verify(["runner@1.service", "runner@2.service", "cleanup-daemon.service"])
            #expect(status == 0, "\(output)")
            // The check is real: a unit with a mistake is refused.
            try "[Service]\nType=notify\nExecStart=relative/path\n".write(to: folder.appendingPathComponent("broken.service"), atomically: true, encoding: .utf8)
            let (brokenStatus, _) = try await verify(["broken.service"])
            #expect(brokenStatus != 0)
            // Stop timeout is longer than the default shutdown grace (30 s).
            let runnerUnit = try String(contentsOf: units.appendingPathComponent("runner@.service"), encoding: .utf8)
            let stopTimeout = runnerUnit.split(separator: "\n").first { $0.hasPrefix("TimeoutStopSec=") }.flatMap { Int($0.dropFirst("TimeoutStopSec=".count)) }
            #expect((stopTimeout ?? 0) > 30)
        }

        @Test func everyDiagnosticQueryRunsOnADatabaseWithData() async throws {
            try await schema.execute("""
                INSERT INTO worker_heartbeats (worker_id, hostname, pid, status, last_heartbeat_at) VALUES
                    ('worker-live0001', 'h1', 10, 'running', now()),
                    ('worker-stale001', 'h2', 11, 'running', now() - interval '10 minutes'),
                    ('worker-dead0001', 'h3', 12, 'dead', now() - interval '1 hour');
                INSERT INTO executions (queue, job_type, status, attempt, worker_id, started_at, finished_at, execution_error, updated_at) VALUES
                    ('diag', 'mail', 'running', 1, 'worker-stale001', now() - interval '30 minutes', NULL, NULL, now()),
                    ('diag', 'mail', 'failed', 4, 'worker-dead0001', now() - interval '50 minutes', now(), 'Worker died unexpectedly', now()),
                    ('diag', 'mail', 'completed', 1, 'worker-live0001', now(), now(), NULL, now()),
                    ('diag', 'sms', 'queued', 1, 'worker-live0001', NULL, NULL, 'exit status 1: boom', now());
                INSERT INTO executions (queue, job_type, priority) VALUES ('diag', 'mail', 0), ('diag', 'mail', 2);
                INSERT INTO idempotency_records (idempotency_key, execution_id, created_at) VALUES ('d1', 1, now()), ('d2', 2, now() - interval '3 days');
                """)
            let diagnostics = try await runSQLFile(schema.url, TestEnvironment.repositoryRoot.appendingPathComponent("sql/diagnostics.sql").path)
            let output = diagnostics.output
            #expect(diagnostics.status == 0, "\(output)")
            let queries = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("sql/diagnostics.sql"), encoding: .utf8)
                .components(separatedBy: "\n-- ").filter { $0.contains("SELECT") }
            #expect(queries.count >= 8)
            #expect(output.components(separatedBy: "(").filter { $0.hasPrefix("1 row)") || $0.contains(" rows)") }.count >= 8, "\(output)")
            #expect(output.contains("worker-stale001"))          // stale workers and long-running
            #expect(output.contains("Worker died unexpectedly"))  // failed by dead workers
            #expect(output.contains("exit status 1: boom"))       // common errors
            #expect(output.contains("1: < 1 hour") && output.contains("3: 1-7 days"))  // idempotency by age
        }
    }
}
