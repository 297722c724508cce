import Foundation
import SkipperStore
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

        /// Two runners drain `total` executions of `queue` (all completed once), then, idle with
        /// POLL_INTERVAL 60 s, pick up the one that `enqueueOne` adds within seconds: only a LISTEN
        /// wake-up can do that. - Returns: the runners, still running.
        func drainThenWake(
            _ cluster: TestCluster, queue: String, total: Int, environment: [String: String], via listen: String,
            enqueueOne: () async throws -> Void
        ) async throws -> [BinaryProcess] {
            try await fill(cluster, queue: queue, count: total)
            var polling = environment
            polling["QUEUE_NAME"] = queue
            polling["POLL_INTERVAL"] = "60s"
            polling["HEARTBEAT_INTERVAL"] = "1s"
            polling["METRICS_PORT"] = "0"
            let runners = try (0..<2).map { _ in try BinaryProcess("runner", ["poll"], environment: polling) }
            let drained = try await eventually(timeout: .seconds(90)) {
                try await statusCounts(cluster, queue: queue) == ["completed": total]
            }
            let seen = try await statusCounts(cluster, queue: queue)
            #expect(drained, "\(seen)\n\(runners[0].output.suffix(2000))")
            #expect(try await completedOnce(cluster, queue: queue) == "\(total)/\(total)")
            try await Task.sleep(for: .seconds(1))
            try await enqueueOne()
            let woke = try await eventually(timeout: .seconds(10)) {
                try await statusCounts(cluster, queue: queue) == ["completed": total + 1]
            }
            #expect(woke, "no wake-up through \(listen)")
            return runners
        }

        /// Each runner is still up, and exits 0 on SIGTERM.
        func stop(_ runners: [BinaryProcess]) async {
            for runner in runners {
                #expect(runner.process.isRunning, "\(runner.output.suffix(2000))")
                runner.signal(SIGTERM)
                #expect(await runner.waitForExit(timeout: .seconds(20)) == 0)
            }
        }

        @Test func transactionPoolingRunsEveryExecutionOnceAndStillWakesOnNotify() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            let bouncer = try await TestPgBouncer.start(before: cluster, poolMode: "transaction")
            // `runner migrate` holds a session-level advisory lock: it refuses transaction pooling.
            let pooled = ["DATABASE_URL": bouncer.url, "PGBOUNCER": "transaction"]
            let migrate = try await BinaryProcess.run("runner", ["migrate"], environment: pooled)
            #expect(migrate.status == 64 && migrate.output.contains("PGBOUNCER"), "\(migrate.output)")

            // The one execution is enqueued through PgBouncer by the CLI; LISTEN is on the direct URL.
            var environment = pooled
            environment["LISTEN_DATABASE_URL"] = cluster.url()
            let runners = try await drainThenWake(
                cluster, queue: "bounced", total: 5_000, environment: environment, via: "LISTEN_DATABASE_URL"
            ) {
                let enqueued = try await BinaryProcess.run("runner", ["enqueue", "noop", "--queue", "bounced"], environment: pooled)
                #expect(enqueued.status == 0, "\(enqueued.output)")
            }
            for runner in runners {
                #expect(!runner.output.contains("26000"), "a prepared statement went missing: \(runner.output.suffix(2000))")
            }

            // Without LISTEN_DATABASE_URL a transaction-pooled runner says it cannot listen.
            environment["LISTEN_DATABASE_URL"] = nil
            environment["QUEUE_NAME"] = "bounced"
            environment["METRICS_PORT"] = "0"
            let third = try BinaryProcess("runner", ["poll"], environment: environment)
            #expect(await third.waitForOutput("status=not_listening", timeout: .seconds(15)), "\(third.output.suffix(2000))")
            await stop(runners + [third])
            #expect(try await cluster.psql("SELECT string_agg(DISTINCT status, ',') FROM worker_heartbeats") == "stopped")
            withExtendedLifetime(bouncer) {}
        }

        @Test func sessionPoolingWorksUnchanged() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            let bouncer = try await TestPgBouncer.start(before: cluster, poolMode: "session", poolSize: 20)
            // No pooler setting at all, LISTEN through PgBouncer too.
            let runners = try await drainThenWake(
                cluster, queue: "session", total: 5_000, environment: ["DATABASE_URL": bouncer.url], via: "a session-pooled LISTEN"
            ) {
                try await fill(cluster, queue: "session", count: 1)
            }
            await stop(runners)
            withExtendedLifetime(bouncer) {}
        }
    }
}
