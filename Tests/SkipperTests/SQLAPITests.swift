import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

@Suite("SQL API")
struct SQLAPITests {
    let schema: TestSchema

    init() async throws {
        schema = try await TestSchema.create(prefix: "api")
    }

    @Test func enqueueDefaultsAndOptions() async throws {
        let id = try await schema.scalar("SELECT enqueue_execution('send_email', '{\"to\": \"a@b\"}')", as: Int64.self)
        let row = try await schema.query("SELECT * FROM executions WHERE execution_id = $1", [id])[0]
        #expect(try row.decode("queue", as: String.self) == "default")
        #expect(try row.decode("priority", as: Int.self) == 1)
        #expect(try row.decode("status", as: String.self) == "queued")
        #expect(try row.decode("attempt", as: Int.self) == 0)
        #expect(try row.decode("max_attempts", as: Int.self) == 4)
        let delayed = try await schema.scalar("""
            SELECT enqueue_execution('x', p_queue => 'mail', p_priority => priority_value('high'), p_delay => '1 hour',
                                     p_max_attempts => 2, p_timeout_seconds => 5, p_trace_context => '00-abc-def-01')
            """, as: Int64.self)
        let other = try await schema.query("SELECT *, run_at > now() + interval '59 minutes' AS later FROM executions WHERE execution_id = $1", [delayed])[0]
        #expect(try other.decode("queue", as: String.self) == "mail")
        #expect(try other.decode("priority", as: Int.self) == 0)
        #expect(try other.decode("later", as: Bool.self))
        #expect(try other.decode("timeout_seconds", as: Double.self) == 5)
    }

    @Test func enqueueInsideTheCallersTransactionRollsBackWithIt() async throws {
        let connection = try await schema.store()
        struct Abort: Error {}
        var id: Int64 = 0
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { tx in
                id = try await tx.query("SELECT enqueue_execution('noop') AS id")[0].decode("id", as: Int64.self)
                throw Abort()
            }
        }
        #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE execution_id = $1", [id], as: Int.self) == 0)
    }

    @Test func enqueueNotifiesAtCommit() async throws {
        let listener = try await schema.store()
        let channels = try await Notifications.listen(on: listener)
        #expect(channels.wake == "skipper_executions")
        let connection = try await schema.store()
        try await connection.execute("BEGIN")
        try await connection.query("SELECT enqueue_execution('noop', p_queue => 'notify_q')")
        // Other suites notify on the same channel at the same time: look only for this queue's.
        func sawOurs(within timeout: Duration) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                if try await Notifications.next(on: listener, channels: channels, timeout: left) == .wake(queue: "notify_q") {
                    return true
                }
            }
            return false
        }
        #expect(try await sawOurs(within: .milliseconds(300)) == false)
        try await connection.execute("COMMIT")
        #expect(try await sawOurs(within: .seconds(5)))
    }

    @Test func readyWorkIsAnnouncedWithWhereItIsOneBulkEnqueueOncePerProbe() async throws {
        let listener = try await schema.store()
        let channels = try await Notifications.listen(on: listener)
        var requests: [QueueClient.EnqueueRequest] = []
        for (queue, priority, delayed) in [("announce_a", Priority.normal, false), ("announce_a", .normal, false),
                                           ("announce_a", .high, false), ("announce_b", .normal, true)] {
            var request = QueueClient.EnqueueRequest(jobType: "noop")
            request.queue = queue
            request.priority = priority
            if delayed { request.delay = .seconds(3600) }
            requests.append(request)
        }
        let ids = try await QueueClient.enqueueMany(requests, on: try await schema.store())
        // Other suites notify on the same channel at the same time: keep only these queues'.
        var heard: [StoreNotification] = []
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            guard let next = try await Notifications.next(on: listener, channels: channels, timeout: .milliseconds(300)) else { continue }
            switch next {
            case .wake(let queue) where queue.hasPrefix("announce_"): heard.append(next)
            case .ready(let probe, _) where probe.queue.hasPrefix("announce_"): heard.append(next)
            default: break
            }
        }
        let runAt = try await schema.scalar(
            "SELECT (extract(epoch FROM run_at) * 1000000)::bigint FROM executions WHERE execution_id = $1", [ids[0]], as: Int64.self)
        // The first of each (queue, priority, job type) that is due, just before it; nothing for
        // the one due in an hour.
        #expect(Set(heard) == Set<StoreNotification>([
            StoreNotification.wake(queue: "announce_a"),
            .ready(ClaimProbe(queue: "announce_a", priority: .normal, jobType: "noop"), before: .before(runAtMicroseconds: runAt, executionID: ids[0])),
            .ready(ClaimProbe(queue: "announce_a", priority: .high, jobType: "noop"), before: .before(runAtMicroseconds: runAt, executionID: ids[2])),
        ]))
    }

    @Test func badInputIsRefusedWithClearErrors() async throws {
        let connection = try await schema.store()
        let quote = try await #require(throws: PGError.self) {
            try await connection.query("SELECT enqueue_execution($1)", ["it's; DROP TABLE executions"])
        }
        #expect(quote.constraint == "executions_job_type_name_check")
        let longQueue = String(repeating: "q", count: 1000)
        let tooLong = try await #require(throws: PGError.self) {
            try await connection.query("SELECT enqueue_execution('noop', p_queue => $1)", [longQueue])
        }
        #expect(tooLong.constraint == "executions_queue_name_check")
        let notJSON = try await #require(throws: PGError.self) {
            try await connection.query("SELECT enqueue_execution('noop', $1::jsonb)", ["{not json"])
        }
        #expect(notJSON.sqlState == "22P02")
        try await connection.execute("SET skipper.max_payload_bytes = 1000")
        let big = try await #require(throws: PGError.self) {
            try await connection.query("SELECT enqueue_execution('noop', jsonb_build_object('x', repeat('y', 5000)))")
        }
        #expect(big.sqlState == "54000")
        #expect(big.message.contains("limit"))
        #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE job_type = 'noop' AND queue <> 'default'", as: Int.self) == 0)
    }

    @Test func bulkEnqueueKeepsTheRulesAndTheClockOfOneEnqueue() async throws {
        let connection = try await schema.store()
        var later = QueueClient.EnqueueRequest(jobType: "noop")
        later.queue = "bulk_rules"
        later.delay = .seconds(3600)
        later.priority = .high
        var now = QueueClient.EnqueueRequest(jobType: "noop")
        now.queue = "bulk_rules"
        now.payload = #"{"n": 1}"#
        let ids = try await QueueClient.enqueueMany([later, now], on: connection)
        #expect(ids.count == 2 && ids[0] < ids[1])
        // The delay counts from the server's clock, as for enqueue_execution.
        let wait = try await schema.scalar(
            "SELECT extract(epoch FROM run_at - created_at)::float8 FROM executions WHERE execution_id = $1", [ids[0]], as: Double.self)
        #expect(abs(wait - 3600) < 5)
        #expect(try await schema.scalar("SELECT priority FROM executions WHERE execution_id = $1", [ids[0]], as: Int.self) == 0)
        // The payload limit applies to the whole batch, before anything is written.
        try await connection.execute("SET skipper.max_payload_bytes = 1000")
        var big = QueueClient.EnqueueRequest(jobType: "noop")
        big.queue = "bulk_rules"
        big.payload = "{\"x\": \"\(String(repeating: "y", count: 5000))\"}"
        let refused = try await #require(throws: StoreError.self) {
            try await QueueClient.enqueueMany([now, big], on: connection)
        }
        #expect(refused.kind == .refusedValues)
        #expect(refused.sqlState == "54000")
        #expect(refused.message.contains("execution 2 in the batch"))
        #expect(try await statusCounts(schema, queue: "bulk_rules") == ["queued": 2])
        // A bad request is refused before the database, naming which one.
        var badQueue = now
        badQueue.queue = "no spaces allowed"
        let invalid = try await #require(throws: QueueClient.InvalidRequest.self) {
            try await QueueClient.enqueueMany([now, badQueue], on: connection)
        }
        #expect(invalid.index == 1 && invalid.field == "queue")
    }

    @Test func queueDepthIsExactForSmallQueuesAndSaysWhenItEstimates() async throws {
        let connection = try await schema.store()
        try await connection.execute("""
            INSERT INTO executions (queue, job_type) SELECT 'depth_q', 'noop' FROM generate_series(1, 3);
            INSERT INTO executions (queue, job_type, run_at) SELECT 'depth_q', 'mail', now() + interval '1 hour' FROM generate_series(1, 2);
            INSERT INTO executions (queue, job_type, status, worker_id, started_at, attempt) VALUES ('depth_q', 'noop', 'running', 'worker-d', now() - interval '5 seconds', 1);
            INSERT INTO executions (queue, job_type, status, finished_at) VALUES ('depth_q', 'noop', 'completed', now());
            """)
        let depth = try await QueueDepth.read(on: connection).filter { $0.queue == "depth_q" }
        let queued = try #require(depth.first { $0.status == .queued })
        #expect((queued.executions, queued.ready, queued.scheduled, queued.estimated) == (5, 3, 2, false))
        #expect((queued.oldestAgeSeconds ?? -1) >= 0)
        let running = try #require(depth.first { $0.status == .running })
        #expect(running.executions == 1 && (running.oldestAgeSeconds ?? 0) >= 4)
        #expect(depth.count == 2)  // finished executions are not counted
        // Above the exact limit the counts are marked estimated (and stay consistent).
        let rows = try await connection.query(
            "SELECT executions, ready, scheduled, estimated FROM queue_depth_rows(2) WHERE queue = 'depth_q' AND status = 'queued'")
        #expect(try rows[0].decode("estimated", as: Bool.self))
        #expect(try rows[0].decode("executions", as: Int.self) == rows[0].decode("ready", as: Int.self) + rows[0].decode("scheduled", as: Int.self))
    }

    @Test func queueDepthIsSampledOncePerIntervalForEveryProcess() async throws {
        let connection = try await schema.store()
        func sampledQueued(_ sql: String, on connection: StoreConnection) async throws -> Int? {
            let rows = try await connection.query(
                "SELECT executions FROM \(sql) WHERE queue = 'sampled_q' AND status = 'queued'")
            return try rows.first?.decode("executions", as: Int.self)
        }
        try await connection.execute("INSERT INTO executions (queue, job_type) SELECT 'sampled_q', 'noop' FROM generate_series(1, 3)")
        let first = try await QueueDepth.sampled(interval: .zero, on: connection).first { $0.queue == "sampled_q" && $0.status == .queued }
        #expect(first?.executions == 3)
        try await connection.execute("INSERT INTO executions (queue, job_type) SELECT 'sampled_q', 'noop' FROM generate_series(1, 2)")
        // Within the interval every process gets the last sample, not a read of its own.
        let other = try await schema.store()
        #expect(try await sampledQueued("sampled_queue_depth(interval '1 hour')", on: other) == 3)
        #expect(try await sampledQueued("queue_depth", on: other) == 5)
        // Once it is that old (and older than the read took, with a share of all the time),
        // the next asker samples again.
        #expect(try await sampledQueued("sampled_queue_depth(interval '0', 1)", on: other) == 5)
        // A read that took longer than the share of the time allows waits longer: with a share
        // of almost nothing, the last sample stays.
        try await connection.execute("INSERT INTO executions (queue, job_type) VALUES ('sampled_q', 'noop')")
        #expect(try await sampledQueued("sampled_queue_depth(interval '0', 1e-12)", on: connection) == 5)
        #expect(try await sampledQueued("sampled_queue_depth(interval '0', 1)", on: connection) == 6)
        let took = try await connection.query("SELECT extract(epoch FROM took)::float8 AS took FROM queue_depth_samples")
        #expect(try took[0].decode("took", as: Double.self) >= 0)
    }

    @Test func storeErrorsSayWhatFailedWithoutTheTarget() async throws {
        let database = try Database(url: "postgresql://skipper:Secret-Pass-1@127.0.0.1:1/nowhere?connect_timeout=2")
        let error = try await #require(throws: StoreError.self) {
            try await database.connect(role: "test", logger: TestEnvironment.logger)
        }
        #expect(error.kind == .unavailable)
        #expect(error.operation == "connect")
        #expect(error.reason == "database unreachable")
        #expect(!"\(error)".contains("Secret-Pass-1"))
        #expect(!error.reason.contains("127.0.0.1"))
        let missing = try await #require(throws: StoreError.self) {
            try await QueueStatus.load(on: StoreConnection(try await PGConnection.connect(
                to: TestEnvironment.url(try TestEnvironment.databaseURL(), searchPath: "no_such_schema"), logger: TestEnvironment.logger)))
        }
        #expect(missing.kind == .schemaNotReady)
        #expect(missing.reason.contains("runner migrate"))
    }

    @Test func twentyConcurrentEnqueuesWithOneKeyMakeOneExecution() async throws {
        let key = "order-\(UUID().uuidString)"
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let connection = try await schema.store()
                    var request = QueueClient.EnqueueRequest(jobType: "noop")
                    request.idempotencyKey = key
                    return try await QueueClient.enqueue(request, on: connection)
                }
            }
            var ids: [Int64] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        #expect(Set(ids).count == 1)
        #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE idempotency_key = $1", [key], as: Int.self) == 1)
        #expect(try await schema.scalar("SELECT execution_id FROM idempotency_records WHERE idempotency_key = $1", [key], as: Int64.self) == ids[0])
    }

    @Test func cleanupDeletesOnlyOldRecordsAndReturnsTheCount() async throws {
        let connection = try await schema.store()
        for index in 0..<5 {
            var request = QueueClient.EnqueueRequest(jobType: "noop")
            request.idempotencyKey = "cleanup-\(index)-\(schema.name)"
            try await QueueClient.enqueue(request, on: connection)
        }
        try await connection.query(
            "UPDATE idempotency_records SET created_at = now() - interval '2 days' WHERE idempotency_key LIKE 'cleanup-0-%' OR idempotency_key LIKE 'cleanup-1-%' OR idempotency_key LIKE 'cleanup-2-%'")
        let deleted = try await connection.query("SELECT cleanup_old_idempotency_records('24 hours') AS n")[0].decode("n", as: Int.self)
        #expect(deleted == 3)
        #expect(try await schema.scalar("SELECT count(*) FROM idempotency_records WHERE idempotency_key LIKE 'cleanup-%'", as: Int.self) == 2)
        // A key whose record was cleaned makes a new execution.
        var again = QueueClient.EnqueueRequest(jobType: "noop")
        again.idempotencyKey = "cleanup-0-\(schema.name)"
        let first = try await schema.scalar("SELECT execution_id FROM executions WHERE idempotency_key = $1 ORDER BY execution_id LIMIT 1", [again.idempotencyKey!], as: Int64.self)
        #expect(try await QueueClient.enqueue(again, on: connection) != first)
    }

    @Test func retryAndCancel() async throws {
        let connection = try await schema.store()
        let id = try await QueueClient.enqueue(.init(jobType: "noop"), on: connection)
        #expect(try await QueueClient.retry(id, on: connection) == false)
        #expect(try await QueueClient.cancel(id, on: connection))
        #expect(try await QueueClient.cancel(id, on: connection) == false)
        #expect(try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [id], as: String.self) == "cancelled")
        #expect(try await QueueClient.retry(id, on: connection))
        let row = try await schema.query("SELECT status, finished_at FROM executions WHERE execution_id = $1", [id])[0]
        #expect(try row.decode("status", as: String.self) == "queued")
        #expect(try row.isNull("finished_at"))
    }

    @Test func bulkEnqueueInsertsInOrder() async throws {
        let connection = try await schema.store()
        let requests = (0..<250).map { index -> QueueClient.EnqueueRequest in
            var request = QueueClient.EnqueueRequest(jobType: "noop")
            request.queue = "bulk"
            request.payload = "{\"i\": \(index)}"
            return request
        }
        let ids = try await QueueClient.enqueueMany(requests, on: connection)
        #expect(ids.count == 250)
        #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE queue = 'bulk'", as: Int.self) == 250)
        #expect(try await schema.scalar("SELECT (payload->>'i')::int FROM executions WHERE execution_id = $1", [ids[249]], as: Int.self) == 249)
    }
}
