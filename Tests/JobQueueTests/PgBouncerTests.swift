import Foundation
import JobQueue
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    /// Runners behind Debian's PgBouncer (1.18), in transaction and in session pooling. Each test
    /// has a PostgreSQL cluster and a PgBouncer of its own.
    @Suite("pgbouncer", .enabled(if: TestPgBouncer.isInstalled, "needs Debian's pgbouncer (.ci/run installs it)"))
    struct PgBouncerTests {
        /// Enqueues `count` no-op executions in `queue` straight into the cluster.
        func fill(_ cluster: TestCluster, queue: String, count: Int) async throws {
            try await cluster.psql("SELECT count(enqueue_execution('noop', p_queue => '\(queue)')) FROM generate_series(1, \(count))")
        }

        /// Every execution of `queue` completed on its first attempt with no error: none ran twice,
        /// no success was recorded as a failure.
        func completedOnce(_ cluster: TestCluster, queue: String) async throws -> String {
            try await cluster.psql("""
                SELECT count(*) FILTER (WHERE status = 'completed' AND attempt = 1 AND execution_error IS NULL) || '/' || count(*)
                  FROM executions WHERE queue = '\(queue)'
                """)
        }

        @Test func transactionPoolingRunsEveryExecutionOnceAndStillWakesOnNotify() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            let bouncer = try await TestPgBouncer.start(before: cluster, poolMode: "transaction")
            // `runner migrate` holds a session-level advisory lock: it refuses transaction pooling.
            let migrate = try await BinaryProcess.run("runner", ["migrate"], environment: ["DATABASE_URL": bouncer.url, "PGBOUNCER": "transaction"])
            #expect(migrate.status == 64 && migrate.output.contains("PGBOUNCER"), "\(migrate.output)")

            let total = 5_000
            try await fill(cluster, queue: "bounced", count: total)
            // Polling every 60 s: a prompt pickup later can only come from LISTEN on the direct URL.
            let environment = [
                "DATABASE_URL": bouncer.url, "PGBOUNCER": "transaction", "LISTEN_DATABASE_URL": cluster.url(),
                "QUEUE_NAME": "bounced", "POLL_INTERVAL": "60s", "HEARTBEAT_INTERVAL": "1s", "METRICS_PORT": "0",
            ]
            let runners = try (0..<2).map { _ in try BinaryProcess("runner", ["poll"], environment: environment) }
            let drained = try await eventually(timeout: .seconds(90)) {
                try await statusCounts(cluster, queue: "bounced") == ["completed": total]
            }
            let seen = try await statusCounts(cluster, queue: "bounced")
            #expect(drained, "\(seen)\n\(runners[0].output.suffix(2000))")
            #expect(try await completedOnce(cluster, queue: "bounced") == "\(total)/\(total)")
            for runner in runners {
                #expect(!runner.output.contains("26000"), "a prepared statement went missing: \(runner.output.suffix(2000))")
            }

            // Enqueued through PgBouncer by the CLI, picked up at once: the NOTIFY reached a listener.
            try await Task.sleep(for: .seconds(1))
            let enqueued = try await BinaryProcess.run(
                "runner", ["enqueue", "noop", "--queue", "bounced"], environment: ["DATABASE_URL": bouncer.url, "PGBOUNCER": "transaction"])
            #expect(enqueued.status == 0, "\(enqueued.output)")
            let woke = try await eventually(timeout: .seconds(10)) {
                try await statusCounts(cluster, queue: "bounced") == ["completed": total + 1]
            }
            #expect(woke, "no wake-up through LISTEN_DATABASE_URL")

            // Without LISTEN_DATABASE_URL a transaction-pooled runner says it cannot listen.
            var polling = environment
            polling["LISTEN_DATABASE_URL"] = nil
            let third = try BinaryProcess("runner", ["poll"], environment: polling)
            #expect(await third.waitForOutput("status=not_listening", timeout: .seconds(15)), "\(third.output.suffix(2000))")
            for runner in runners + [third] {
                #expect(runner.process.isRunning, "\(runner.output.suffix(2000))")
                runner.signal(SIGTERM)
                #expect(await runner.waitForExit(timeout: .seconds(20)) == 0)
            }
            #expect(try await cluster.psql("SELECT string_agg(DISTINCT status, ',') FROM worker_heartbeats") == "stopped")
            _ = bouncer
        }

        @Test func sessionPoolingWorksUnchanged() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            let bouncer = try await TestPgBouncer.start(before: cluster, poolMode: "session", poolSize: 20)
            let total = 5_000
            try await fill(cluster, queue: "session", count: total)
            // No pooler setting at all, LISTEN through PgBouncer too.
            let environment = [
                "DATABASE_URL": bouncer.url, "QUEUE_NAME": "session", "POLL_INTERVAL": "60s", "HEARTBEAT_INTERVAL": "1s", "METRICS_PORT": "0",
            ]
            let runners = try (0..<2).map { _ in try BinaryProcess("runner", ["poll"], environment: environment) }
            let drained = try await eventually(timeout: .seconds(90)) {
                try await statusCounts(cluster, queue: "session") == ["completed": total]
            }
            let seen = try await statusCounts(cluster, queue: "session")
            #expect(drained, "\(seen)\n\(runners[0].output.suffix(2000))")
            #expect(try await completedOnce(cluster, queue: "session") == "\(total)/\(total)")
            try await Task.sleep(for: .seconds(1))
            try await fill(cluster, queue: "session", count: 1)
            let woke = try await eventually(timeout: .seconds(10)) {
                try await statusCounts(cluster, queue: "session") == ["completed": total + 1]
            }
            #expect(woke, "no wake-up through a session-pooled LISTEN")
            for runner in runners {
                runner.signal(SIGTERM)
                #expect(await runner.waitForExit(timeout: .seconds(20)) == 0)
            }
            _ = bouncer
        }
    }
}
