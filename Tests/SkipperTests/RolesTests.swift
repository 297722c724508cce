import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    @Suite("least privilege")
    struct RolesTests {
        let schema: TestSchema

        init() async throws {
            schema = try await TestSchema.create(prefix: "roles")
            let roles = try await runSQLFile(schema.url, TestEnvironment.repositoryRoot.appendingPathComponent("sql/roles.sql").path)
            guard roles.status == 0 else { throw TestEnvironment.SetupError("sql/roles.sql failed: \(roles.output)") }
        }

        /// A login role that is a member of `group`, and a URL that connects as it (unix socket, trusted).
        func login(_ group: String) async throws -> String {
            let name = "\(group)_\(UInt32.random(in: 0...UInt32.max))"
            try await schema.execute("CREATE ROLE \(name) LOGIN IN ROLE \(group)")
            return schema.url + "&user=\(name)"
        }

        func refused(_ url: String, _ sql: String) async throws -> Bool {
            let connection = try await PGConnection.connect(to: url, logger: TestEnvironment.logger)
            let result: Result<Void, PGError>
            do {
                try await connection.execute(sql)
                result = .success(())
            } catch {
                result = .failure(error)
            }
            guard case .failure(let error) = result else { return false }
            return error.sqlState == "42501" || error.sqlState == "42809"
        }

        @Test func enqueuerCanOnlyEnqueue() async throws {
            let url = try await login("skipper_enqueuer")
            let connection = try await PGConnection.connect(to: url, logger: TestEnvironment.logger)
            let id = try await connection.query("SELECT enqueue_execution('noop', '{}', p_queue => 'roles_enq', p_idempotency_key => 'r1') AS id")[0].decode("id", as: Int64.self)
            #expect(id > 0)
            #expect(try await refused(url, "UPDATE executions SET status = 'completed', finished_at = now() WHERE execution_id = \(id)"))
            #expect(try await refused(url, "INSERT INTO executions (job_type, status, finished_at) VALUES ('noop', 'completed', now())"))
            #expect(try await refused(url, "SELECT * FROM executions"))
            #expect(try await refused(url, "SELECT cancel_execution(\(id))"))
            #expect(try await refused(url, "SELECT cleanup_old_idempotency_records('0')"))
        }

        @Test func runnerRunsWorkButCannotDeleteOrDrop() async throws {
            let url = try await login("skipper_runner")
            try await schema.query("SELECT enqueue_execution('noop', p_queue => 'roles_run')")
            let once = try await BinaryProcess.run("runner", ["run-once"], environment: ["DATABASE_URL": url, "QUEUE_NAME": "roles_run"])
            #expect(once.status == 0, "\(once.output)")
            let enqueued = try await BinaryProcess.run("runner", ["enqueue", "noop", "--queue", "roles_run"], environment: ["DATABASE_URL": url])
            #expect(enqueued.status == 0, "\(enqueued.output)")
            #expect(try await refused(url, "DROP TABLE executions"))
            #expect(try await refused(url, "DELETE FROM executions"))
            #expect(try await refused(url, "TRUNCATE worker_heartbeats"))
            #expect(try await refused(url, "SELECT cleanup_old_idempotency_records('0')"))
            // Queue depth for its gauges: through the shared sample, which it cannot write itself.
            try await PGConnection.connect(to: url, logger: TestEnvironment.logger).execute("SELECT * FROM sampled_queue_depth(interval '0')")
            #expect(try await refused(url, "DELETE FROM queue_depth_samples"))
            let migrate = try await BinaryProcess.run("runner", ["migrate"], environment: ["DATABASE_URL": url])
            #expect(migrate.status == 0, "an up-to-date schema needs no change: \(migrate.output)")
        }

        @Test func daemonRescuesAndPrunesButCannotEnqueue() async throws {
            let url = try await login("skipper_daemon")
            try await schema.execute("""
                INSERT INTO executions (queue, job_type, status, attempt, worker_id, started_at)
                VALUES ('roles_daemon', 'noop', 'running', 1, 'worker-nobody00', now() - interval '1 hour');
                INSERT INTO executions (queue, job_type, status, finished_at) VALUES ('roles_daemon', 'noop', 'completed', now() - interval '30 days')
                """)
            let once = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: ["DATABASE_URL": url, "CLEANUP_METRICS_PORT": "0"])
            #expect(once.status == 0, "\(once.output)")
            #expect(try await schema.scalar("SELECT string_agg(status, ',') FROM executions WHERE queue = 'roles_daemon'", as: String.self) == "queued")
            #expect(try await refused(url, "SELECT enqueue_execution('noop')"))
            #expect(try await refused(url, "INSERT INTO executions (job_type) VALUES ('noop')"))
            #expect(try await refused(url, "DROP TABLE idempotency_records"))
            try await PGConnection.connect(to: url, logger: TestEnvironment.logger).execute("SELECT * FROM sampled_queue_depth(interval '0')")
        }

        @Test func operatorReadsEverythingAndChangesNothing() async throws {
            let url = try await login("skipper_operator")
            let diagnostics = try await runSQLFile(url, TestEnvironment.repositoryRoot.appendingPathComponent("sql/diagnostics.sql").path)
            #expect(diagnostics.status == 0, "\(diagnostics.output)")
            let status = try await BinaryProcess.run("runner", ["status"], environment: ["DATABASE_URL": url])
            #expect(status.status == 0, "\(status.output)")
            #expect(try await refused(url, "UPDATE executions SET status = 'failed'"))
            #expect(try await refused(url, "DELETE FROM worker_heartbeats"))
            #expect(try await refused(url, "SELECT enqueue_execution('noop')"))
            #expect(try await refused(url, "SELECT retry_execution(1)"))
            #expect(try await refused(url, "SELECT * FROM sampled_queue_depth(interval '0')"))
            try await PGConnection.connect(to: url, logger: TestEnvironment.logger).execute("SELECT * FROM queue_depth_samples")
        }
    }
}
