import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    /// Things break for real: the server restarts, connections are killed, the primary fails
    /// over to a standby. Each test has a PostgreSQL cluster of its own.
    @Suite("faults")
    struct FaultTests {
        let scripts: HandlerScripts

        init() throws {
            scripts = try HandlerScripts()
        }

        /// Two runners (concurrency 8) and a daemon working through `count` executions whose
        /// handler records "execution_id attempt" for each run.
        func startFleet(url: String, filling cluster: TestCluster, queue: String, count: Int, pollInterval: String) async throws
            -> (record: String, runners: [BinaryProcess], daemon: BinaryProcess)
        {
            let record = scripts.path("\(queue)-runs.log")
            let handler = try scripts.script("record.sh", "echo \"$EXECUTION_ID $ATTEMPT\" >> \(record)")
            let handlers = try scripts.handlersFile([("record", [handler], nil)])
            try await cluster.psql("INSERT INTO executions (queue, job_type) SELECT '\(queue)', 'record' FROM generate_series(1, \(count))")
            let environment = [
                "DATABASE_URL": url, "QUEUE_NAME": queue, "WORKER_CONCURRENCY": "8", "HANDLERS_FILE": handlers,
                "HEARTBEAT_INTERVAL": "1s", "POLL_INTERVAL": pollInterval, "STALE_THRESHOLD_MINUTES": "0.5", "METRICS_PORT": "0",
            ]
            let runners = try (0..<2).map { _ in try BinaryProcess("runner", ["poll"], environment: environment) }
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: [
                "DATABASE_URL": url, "CHECK_INTERVAL": "1", "STALE_THRESHOLD_MINUTES": "0.5", "CLEANUP_METRICS_PORT": "0",
            ])
            return (record, runners, daemon)
        }

        /// The outages each process logged on reconnecting ("runner: connection=claim outage_ms=256").
        func outages(_ processes: [BinaryProcess]) -> [String] {
            processes.flatMap { process in
                process.output.split(separator: "\n").filter { $0.contains("status=reconnected") }.map { line in
                    let fields = line.split(separator: " ").filter { $0.hasPrefix("outage_ms=") || $0.hasPrefix("connection=") }
                    return "\(process.name): \(fields.joined(separator: " "))"
                }
            }
        }

        /// Each line of the handler's record is "execution_id attempt"; an execution may appear
        /// more than once only with more attempts than records (a rescue shows in its attempt count).
        func checkRecords(_ path: String, _ cluster: TestCluster, queue: String, expected: Int) async throws {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            var runs: [String: [Int]] = [:]
            for line in lines {
                let parts = line.split(separator: " ")
                runs[String(parts[0]), default: []].append(Int(parts[1]) ?? 0)
            }
            #expect(runs.count == expected, "executions the handler ran: \(runs.count) of \(expected)")
            let attempts = try await cluster.psql("SELECT execution_id || ' ' || attempt FROM executions WHERE queue = '\(queue)'")
                .split(separator: "\n").reduce(into: [String: Int]()) { map, line in
                    let parts = line.split(separator: " ")
                    map[String(parts[0])] = Int(parts[1])
                }
            for (id, seen) in runs where seen.count > 1 {
                #expect(Set(seen).count == seen.count, "execution \(id) ran twice under one attempt number: \(seen)")
                #expect((attempts[id] ?? 0) >= seen.count, "execution \(id) ran \(seen.count) times in \(attempts[id] ?? 0) attempts")
            }
        }

        @Test func twoRestartsUnderLoadLoseNothing() async throws {
            let cluster = try await TestCluster.start()
            let url = cluster.url("connect_timeout=2")
            try await migrateWithRunner(url)
            let fleet = try await startFleet(url: url, filling: cluster, queue: "restart", count: 10_000, pollInterval: "60s")
            let (record, runners, daemon) = (fleet.record, fleet.runners, fleet.daemon)
            #expect(try await eventually(timeout: .seconds(60)) { (try await statusCounts(cluster, queue: "restart")["completed"] ?? 0) >= 2500 })
            try await cluster.restart(mode: "fast")
            #expect(try await eventually(timeout: .seconds(90)) { (try await statusCounts(cluster, queue: "restart")["completed"] ?? 0) >= 6000 })
            try await cluster.restart(mode: "immediate")
            let finished = try await eventually(timeout: .seconds(180)) { try await statusCounts(cluster, queue: "restart") == ["completed": 10000] }
            let restartCounts = try await statusCounts(cluster, queue: "restart")
            #expect(finished, "\(restartCounts)")
            // Every process stayed up, saw the outage, reconnected, and LISTENs again.
            for process in runners + [daemon] {
                #expect(process.process.isRunning, "\(process.name) exited: \(process.output.suffix(2000))")
                #expect(process.output.contains("database unavailable"))
                #expect(process.output.contains("status=reconnected"))
            }
            try await cluster.psql("SELECT enqueue_execution('record', p_queue => 'restart')")
            let woke = try await eventually(timeout: .seconds(10)) { try await statusCounts(cluster, queue: "restart") == ["completed": 10001] }
            #expect(woke, "a runner with POLL_INTERVAL 60s did not wake on NOTIFY after the restarts")
            for process in runners + [daemon] {
                process.signal(SIGTERM)
                #expect(await process.waitForExit(timeout: .seconds(30)) == 0)
            }
            try await checkRecords(record, cluster, queue: "restart", expected: 10001)
            print("restart outages seen:", outages(runners + [daemon]))
        }

        @Test func killingEachConnectionOfARunnerLosesNothing() async throws {
            let cluster = try await TestCluster.start()
            let url = cluster.url()
            try await migrateWithRunner(url)
            let runner = try BinaryProcess("runner", ["poll"], environment: [
                "DATABASE_URL": url, "QUEUE_NAME": "kill", "HEARTBEAT_INTERVAL": "1s", "POLL_INTERVAL": "60s",
                "STALE_THRESHOLD_MINUTES": "5", "METRICS_PORT": "0",
            ])
            #expect(await runner.waitForOutput("status=registered", timeout: .seconds(15)))
            var total = 0
            for role in ["claim", "outcomes", "heartbeat", "listen"] {
                let killed = try await cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'skipper-\(role)'")
                #expect(killed == "1", "connection \(role): \(killed) killed")
                try await Task.sleep(for: .milliseconds(300))
                try await cluster.psql("SELECT enqueue_execution('noop', p_queue => 'kill') FROM generate_series(1, 20)")
                total += 20
                let done = try await eventually(timeout: .seconds(20)) { try await statusCounts(cluster, queue: "kill") == ["completed": total] }
                let killCounts = try await statusCounts(cluster, queue: "kill")
                #expect(done, "after killing \(role): \(killCounts)")
            }
            let beat = try await cluster.psql("SELECT extract(epoch FROM now() - last_heartbeat_at) < 5 FROM worker_heartbeats WHERE status = 'running'")
            #expect(beat == "t")

            // An outcome that could not be written is written again on a new connection: the
            // completion waits on a lock the test holds (on the idempotency record it also
            // updates), the test kills the writer's connection mid-wait, then lets go.
            try await cluster.psql("SELECT enqueue_execution('noop', p_queue => 'blocked', p_idempotency_key => 'held-key')")
            let blocker = try await PGConnection.connect(to: url, logger: TestEnvironment.logger)
            try await blocker.execute("BEGIN")
            try await blocker.query("SELECT 1 FROM idempotency_records WHERE idempotency_key = 'held-key' FOR UPDATE")
            let second = try BinaryProcess("runner", ["poll"], environment: [
                "DATABASE_URL": url, "QUEUE_NAME": "blocked", "HEARTBEAT_INTERVAL": "1s", "POLL_INTERVAL": "60s",
                "STALE_THRESHOLD_MINUTES": "5", "METRICS_PORT": "0",
            ])
            /// Waits until the outcome writer waits on the lock, then calls `function` (pg_terminate_backend or
            /// pg_cancel_backend) on its backend. - Returns: whether it was waiting.
            func interruptBlockedWriter(with function: String) async throws -> Bool {
                let blocked = "FROM pg_stat_activity WHERE application_name = 'skipper-outcomes' AND wait_event_type = 'Lock'"
                let waiting = try await eventually(timeout: .seconds(15)) { try await cluster.psql("SELECT count(*) \(blocked)") == "1" }
                try await cluster.psql("SELECT \(function)(pid) \(blocked)")
                return waiting
            }
            #expect(try await interruptBlockedWriter(with: "pg_terminate_backend"))
            try await Task.sleep(for: .seconds(1))
            #expect(try await statusCounts(cluster, queue: "blocked") == ["running": 1], "the outcome was neither written nor dropped yet")
            // A statement error that is not the outcome's fault (here an operator's cancel, 57014)
            // must not turn the handler's success into a failed attempt: the writer waits on the
            // lock again on its new connection, is cancelled there, and writes the batch again.
            #expect(try await interruptBlockedWriter(with: "pg_cancel_backend"))
            try await Task.sleep(for: .seconds(1))
            #expect(try await statusCounts(cluster, queue: "blocked") == ["running": 1], "a cancelled write was recorded as the outcome")
            try await blocker.execute("ROLLBACK")
            let written = try await eventually(timeout: .seconds(20)) { try await statusCounts(cluster, queue: "blocked") == ["completed": 1] }
            let blockedCounts = try await statusCounts(cluster, queue: "blocked")
            #expect(written, "\(blockedCounts) \(second.output.suffix(2000))")
            let blockedRow = try await cluster.psql("SELECT attempt || ' ' || coalesce(execution_error, 'no error') FROM executions WHERE queue = 'blocked'")
            #expect(blockedRow == "1 no error", "the success was stored as it was, on its first attempt")
            #expect(second.output.contains("status=reconnected"))
            for process in [runner, second] {
                #expect(process.process.isRunning)
                process.signal(SIGTERM)
                #expect(await process.waitForExit(timeout: .seconds(20)) == 0)
            }
        }

        @Test func failoverToAPromotedStandbyLosesNothingAcknowledged() async throws {
            let primary = try await TestCluster.start()
            try await migrateWithRunner(primary.url())
            let standby = try await primary.standby()
            let url = "postgresql:///skipper?host=\(primary.socketDirectory),\(standby.socketDirectory)&port=\(primary.port),\(standby.port)"
                + "&user=postgres&target_session_attrs=read-write&connect_timeout=2"
            // A runner pointed at the standby alone says clearly that it is read-only.
            let readOnly = try BinaryProcess("runner", ["poll"], environment: [
                "DATABASE_URL": standby.url(), "QUEUE_NAME": "failover", "METRICS_PORT": "0", "HEARTBEAT_INTERVAL": "1s",
            ])
            #expect(await readOnly.waitForOutput("read-only", timeout: .seconds(15)), "\(readOnly.output.suffix(2000))")
            readOnly.signal(SIGKILL)

            let fleet = try await startFleet(url: url, filling: primary, queue: "failover", count: 3000, pollInterval: "2s")
            let (record, runners, daemon) = (fleet.record, fleet.runners, fleet.daemon)
            #expect(try await eventually(timeout: .seconds(60)) { (try await statusCounts(primary, queue: "failover")["completed"] ?? 0) >= 1000 })
            let acknowledged = Int(try await primary.psql("SELECT count(*) FROM executions WHERE queue = 'failover' AND status = 'completed'"))!
            try await primary.stop(mode: "fast")
            try await standby.promote()
            let finished = try await eventually(timeout: .seconds(120)) { try await statusCounts(standby, queue: "failover") == ["completed": 3000] }
            let failoverCounts = try await statusCounts(standby, queue: "failover")
            #expect(finished, "\(failoverCounts)")
            #expect(acknowledged >= 1000)
            for process in runners + [daemon] {
                #expect(process.process.isRunning, "\(process.name) exited")
                #expect(process.output.contains("status=reconnected"), "\(process.output.suffix(1500))")
                process.signal(SIGTERM)
                #expect(await process.waitForExit(timeout: .seconds(30)) == 0)
            }
            try await checkRecords(record, standby, queue: "failover", expected: 3000)
            print("failover outages seen:", outages(runners + [daemon]))
        }

        @Test func tlsVerifyFullConnectsAndRefusesAServerWithTheWrongName() async throws {
            let cluster = try await TestCluster.start()
            try await migrateWithRunner(cluster.url())
            let folder = scripts.directory.path
            let openssl = """
                set -e
                cd \(folder)
                openssl req -new -x509 -days 2 -nodes -subj "/CN=skipper-test-ca" -keyout ca.key -out ca.crt 2>/dev/null
                openssl req -new -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
                printf "subjectAltName=DNS:localhost" > san.ext
                openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt 2>/dev/null
                openssl req -new -x509 -days 2 -nodes -subj "/CN=other-ca" -keyout other.key -out other.crt 2>/dev/null
                cp server.crt server.key \(cluster.dataDirectory)/
                [ "$(id -u)" = 0 ] && chown postgres: \(cluster.dataDirectory)/server.crt \(cluster.dataDirectory)/server.key
                chmod 600 \(cluster.dataDirectory)/server.key
                """
            let certificates = try await runProgram(["/bin/sh", "-c", openssl])
            #expect(certificates.status == 0, "\(certificates.output)")
            try await cluster.psql("ALTER SYSTEM SET ssl = on")
            try await cluster.psql("SELECT pg_reload_conf()")
            try await cluster.psql("CREATE ROLE tls_user LOGIN SUPERUSER PASSWORD 'tls-Secret-1'")
            try await Task.sleep(for: .milliseconds(500))
            let base = "postgresql://tls_user:tls-Secret-1@%@:\(cluster.port)/skipper?sslmode=verify-full&connect_timeout=5&sslrootcert="
            let good = try await BinaryProcess.run("runner", ["status"], environment: [
                "DATABASE_URL": base.replacingOccurrences(of: "%@", with: "localhost") + folder + "/ca.crt",
            ])
            #expect(good.status == 0, "\(good.output)")
            let ssl = try await cluster.psql("SELECT count(*) FROM pg_stat_ssl WHERE ssl")
            _ = ssl
            let wrongName = try await BinaryProcess.run("runner", ["status"], environment: [
                "DATABASE_URL": base.replacingOccurrences(of: "%@", with: "127.0.0.1") + folder + "/ca.crt",
            ])
            #expect(wrongName.status == 1)
            #expect(wrongName.output.contains("does not match host name"), "\(wrongName.output)")
            #expect(!wrongName.output.contains("tls-Secret-1"))
            let wrongCA = try await BinaryProcess.run("runner", ["status"], environment: [
                "DATABASE_URL": base.replacingOccurrences(of: "%@", with: "localhost") + folder + "/other.crt",
            ])
            #expect(wrongCA.status == 1)
            #expect(wrongCA.output.contains("certificate verify failed"), "\(wrongCA.output)")
        }
    }
}
