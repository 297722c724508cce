import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    /// Claims whose reply never reached the runner: the server committed them, the runner does not
    /// know it holds them, and the reaper never rescues a live runner's work. Each test has a
    /// PostgreSQL cluster of its own.
    @Suite("stranded claims")
    struct StrandedClaimTests {
        @Test func aClaimWhoseReplyIsLostAfterItsCommitGoesBackUnspent() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            try await cluster.psql("ALTER ROLE postgres PASSWORD 'proxy-test'")
            try await cluster.psql("INSERT INTO executions (queue, job_type) SELECT 'lost', 'noop' FROM generate_series(1, 50)")
            let proxyPort = freeLocalPort()
            let proxy = Process()
            proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            proxy.arguments = [
                "python3", TestEnvironment.repositoryRoot.appendingPathComponent("Tests/Fixtures/cut_claim_reply.py").path,
                String(proxyPort), String(cluster.port),
            ]
            let proxyLog = FileManager.default.temporaryDirectory.appendingPathComponent("skipper-proxy-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: proxyLog.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: proxyLog) }
            proxy.standardOutput = try FileHandle(forWritingTo: proxyLog)
            try proxy.run()
            defer {
                // SIGKILL: a process that Foundation starts from a test thread inherits that
                // thread's blocked signals, SIGTERM among them, and would never see a terminate().
                kill(proxy.processIdentifier, SIGKILL)
                proxy.waitUntilExit()
            }
            func proxySaid() -> String { (try? String(contentsOf: proxyLog, encoding: .utf8)) ?? "" }
            #expect(try await eventually(timeout: .seconds(10)) { proxySaid().contains("listening") })

            // Through the proxy: the first claim that returns rows loses its reply after its commit.
            let url = "postgresql://postgres:proxy-test@127.0.0.1:\(proxyPort)/skipper?sslmode=disable&gssencmode=disable&connect_timeout=5"
            let runner = try BinaryProcess("runner", ["poll"], environment: [
                "DATABASE_URL": url, "QUEUE_NAME": "lost", "WORKER_CONCURRENCY": "2", "WORKER_PREFETCH": "0",
                "HEARTBEAT_INTERVAL": "30s", "POLL_INTERVAL": "1s", "METRICS_PORT": "0",
            ])
            let finished = try await eventually(timeout: .seconds(30)) { try await statusCounts(cluster, queue: "lost") == ["completed": 50] }
            let seen = try await statusCounts(cluster, queue: "lost")
            #expect(finished, "\(seen)\n\(runner.output.suffix(3000))")
            #expect(proxySaid().contains("cut 1"), "the proxy never cut a claim's reply: \(proxySaid())")
            #expect(runner.output.contains("status=stranded_claims_released"), "\(runner.output.suffix(3000))")
            // Given back without spending an attempt: every execution completed on its first.
            let attempts = try await cluster.psql("SELECT DISTINCT attempt FROM executions WHERE queue = 'lost'")
            #expect(attempts == "1")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func immediateRestartsUnderLoadLeaveNothingRunning() async throws {
            let cluster = try await TestCluster.start()
            let url = cluster.url("connect_timeout=2")
            try await migrateWithRunner(url)
            let total = 40_000
            try await cluster.psql("INSERT INTO executions (queue, job_type) SELECT 'restarts', 'noop' FROM generate_series(1, \(total))")
            let environment = [
                "DATABASE_URL": url, "QUEUE_NAME": "restarts", "WORKER_CONCURRENCY": "2", "WORKER_PREFETCH": "0",
                "HEARTBEAT_INTERVAL": "1s", "POLL_INTERVAL": "1s", "STALE_THRESHOLD_MINUTES": "5", "METRICS_PORT": "0",
            ]
            let runners = try (0..<2).map { _ in try BinaryProcess("runner", ["poll"], environment: environment) }
            var restarts = 0
            while restarts < 8, (try? await statusCounts(cluster, queue: "restarts")["queued"] ?? 0) ?? 1 > total / 5 {
                try await Task.sleep(for: .milliseconds(700))
                try await cluster.restart(mode: "immediate")
                restarts += 1
            }
            let drained = try await eventually(timeout: .seconds(120)) {
                try await statusCounts(cluster, queue: "restarts") == ["completed": total]
            }
            let seen = try await statusCounts(cluster, queue: "restarts")
            #expect(drained, "after \(restarts) restarts: \(seen)")
            #expect(restarts >= 4, "the queue drained before the restarts could test anything")
            for runner in runners {
                #expect(runner.process.isRunning, "\(runner.output.suffix(2000))")
                runner.signal(SIGTERM)
                #expect(await runner.waitForExit(timeout: .seconds(30)) == 0)
            }
            let released = runners.map { $0.output.components(separatedBy: "status=stranded_claims_released").count - 1 }
            print("immediate restarts: \(restarts); stranded-claim releases logged per runner: \(released)")
        }
    }
}
