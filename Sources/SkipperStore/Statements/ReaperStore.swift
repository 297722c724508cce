import PGClient

/// The statements of `cleanup-daemon`, each one short transaction over a bounded batch, taking
/// rows with `FOR UPDATE SKIP LOCKED` so that several daemons never act on one row twice.
package enum ReaperStore {
    /// A runner just declared dead.
    package struct DeadWorker: Sendable {
        package var workerID: String
        package var hostname: String
        package var secondsSinceHeartbeat: Double
    }

    /// An execution taken back from a dead runner.
    package struct Rescued: Sendable {
        package var executionID: Int64
        package var workerID: String?
        /// `queued` (retried later) or `failed` (attempts used up).
        package var status: ExecutionStatus
        package var jobType: String
        package var queue: String
        /// The attempt that the runner's death ended.
        package var attempt: Int
        /// The enqueuer's W3C traceparent, if any.
        package var traceContext: String?
    }

    static let markStaleWorkersDead = StoreStatement("mark_stale_workers_dead", """
        WITH stale AS (
            SELECT worker_id FROM worker_heartbeats
             WHERE status IN ('running', 'stopping') AND last_heartbeat_at < now() - make_interval(secs => $1)
             ORDER BY last_heartbeat_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
        UPDATE worker_heartbeats w SET status = 'dead'
          FROM stale WHERE w.worker_id = stale.worker_id
        RETURNING w.worker_id, w.hostname, extract(epoch FROM now() - w.last_heartbeat_at)::float8 AS age
        """)

    /// Marks up to `limit` runners whose heartbeat is older than `threshold` dead.
    package static func markStaleWorkersDead(threshold: Duration, limit: Int, on connection: StoreConnection) async throws(StoreError) -> [DeadWorker] {
        try await connection.rows("mark stale workers dead") { db in
            let rows = try await db.query(markStaleWorkersDead.text, [threshold.seconds, limit], name: markStaleWorkersDead.name)
            return try rows.map(deadWorker)
        }
    }

    // Running executions of workers that are dead or stopped, and of workers with no row at all
    // once they have run longer than the threshold. Each becomes a failed attempt
    // (ExecutionStore.failedAttempt); the status re-check makes a second daemon's update a no-op.
    static let rescueOrphans = StoreStatement("rescue_orphans", """
        WITH orphans AS (
            SELECT e.execution_id
              FROM executions e
              LEFT JOIN worker_heartbeats w ON w.worker_id = e.worker_id
             WHERE e.status = 'running'
               AND ((w.worker_id IS NOT NULL AND w.status IN ('dead', 'stopped'))
                    OR (w.worker_id IS NULL AND e.started_at < now() - make_interval(secs => $1)))
             ORDER BY e.execution_id
             LIMIT $2
             FOR UPDATE OF e SKIP LOCKED)
        UPDATE executions e
           SET \(ExecutionStore.failedAttempt), execution_error = 'Worker died unexpectedly'
          FROM orphans
         WHERE e.execution_id = orphans.execution_id AND e.status = 'running'
        RETURNING e.execution_id, e.worker_id, e.status, e.job_type, e.queue, e.attempt, e.trace_context
        """)

    /// Rescues up to `limit` orphaned running executions.
    package static func rescueOrphans(threshold: Duration, limit: Int, on connection: StoreConnection) async throws(StoreError) -> [Rescued] {
        try await connection.rows("rescue orphaned executions") { db in
            let rows = try await db.query(rescueOrphans.text, [threshold.seconds, limit], name: rescueOrphans.name)
            return try rows.map { row in
                Rescued(
                    executionID: try row.decode("execution_id"), workerID: try row.decode("worker_id", as: String?.self),
                    status: ExecutionStatus(rawValue: try row.decode("status", as: String.self)) ?? .queued,
                    jobType: try row.decode("job_type"), queue: try row.decode("queue"), attempt: try row.decode("attempt"),
                    traceContext: try row.decode("trace_context", as: String?.self))
            }
        }
    }

    static let workerFacts = StoreStatement("worker_facts", """
        SELECT worker_id, hostname, extract(epoch FROM now() - last_heartbeat_at)::float8 AS age
          FROM worker_heartbeats WHERE worker_id = $1
        """)

    /// Facts about a worker row (for the log line of one reaped by another daemon's earlier pass).
    package static func workerFacts(_ workerID: String, on connection: StoreConnection) async throws(StoreError) -> DeadWorker? {
        try await connection.rows("read a worker row") { db in
            try await db.query(workerFacts.text, [workerID], name: workerFacts.name).first.map(deadWorker)
        }
    }

    private static func deadWorker(_ row: PGRow) throws -> DeadWorker {
        DeadWorker(workerID: try row.decode("worker_id"), hostname: try row.decode("hostname"), secondsSinceHeartbeat: try row.decode("age"))
    }

    static let longestLiveHeartbeatInterval = StoreStatement("longest_heartbeat_interval", """
        SELECT max(heartbeat_interval_seconds) AS seconds FROM worker_heartbeats WHERE status IN ('running', 'stopping')
        """)

    /// The longest heartbeat interval live runners report (to warn about a threshold that is too tight).
    package static func longestLiveHeartbeatInterval(on connection: StoreConnection) async throws(StoreError) -> Double? {
        try await connection.rows("read heartbeat intervals") { db in
            try await db.query(longestLiveHeartbeatInterval.text, name: longestLiveHeartbeatInterval.name)[0]
                .decode("seconds", as: Double?.self)
        }
    }

    static let pruneFinished = StoreStatement("prune_finished", """
        WITH doomed AS (
            SELECT execution_id FROM executions
             WHERE status = ANY($1::text[]) AND finished_at < now() - make_interval(secs => $2)
             ORDER BY finished_at
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
        DELETE FROM executions e USING doomed WHERE e.execution_id = doomed.execution_id
        """)

    /// Deletes up to `limit` executions in `statuses` finished longer than `age` ago. - Returns: how many.
    package static func pruneFinished(
        statuses: [ExecutionStatus], olderThan age: Duration, limit: Int, on connection: StoreConnection
    ) async throws(StoreError) -> Int {
        try await connection.query("prune finished executions", pruneFinished, [statuses.map(\.rawValue), age.seconds, limit]).affectedRows
    }

    static let pruneWorkers = StoreStatement("prune_workers", """
        DELETE FROM worker_heartbeats w
         WHERE w.status IN ('stopped', 'dead') AND w.last_heartbeat_at < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.status = 'running' AND e.worker_id = w.worker_id)
        """)

    /// Deletes stopped and dead worker rows older than `age` that hold no running execution. - Returns: how many.
    package static func pruneWorkers(olderThan age: Duration, on connection: StoreConnection) async throws(StoreError) -> Int {
        try await connection.query("prune worker rows", pruneWorkers, [age.seconds]).affectedRows
    }
}
