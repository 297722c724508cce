import PGClient

/// The SQL of `cleanup-daemon`, each statement one short transaction over a bounded batch,
/// taking rows with `FOR UPDATE SKIP LOCKED` so that several daemons never act on one row twice.
public enum ReaperStore {
    /// A runner just declared dead.
    public struct DeadWorker: Sendable {
        public var workerID: String
        public var hostname: String
        public var secondsSinceHeartbeat: Double
    }

    /// An execution taken back from a dead runner.
    public struct Rescued: Sendable {
        public var executionID: Int64
        public var workerID: String?
        /// `queued` (retried later) or `failed` (attempts used up).
        public var status: String
    }

    static let markStaleWorkersDead = """
        WITH stale AS (
            SELECT worker_id FROM worker_heartbeats
             WHERE status IN ('running', 'stopping') AND last_heartbeat_at < now() - make_interval(secs => $1)
             ORDER BY last_heartbeat_at
             LIMIT $2
             FOR UPDATE SKIP LOCKED)
        UPDATE worker_heartbeats w SET status = 'dead'
          FROM stale WHERE w.worker_id = stale.worker_id
        RETURNING w.worker_id, w.hostname, extract(epoch FROM now() - w.last_heartbeat_at)::float8 AS age
        """

    /// Marks up to `limit` runners whose heartbeat is older than `threshold` dead.
    public static func markStaleWorkersDead(threshold: Duration, limit: Int, on connection: PGConnection) async throws -> [DeadWorker] {
        let rows = try await connection.query(markStaleWorkersDead, [threshold.seconds, limit], name: "mark_stale_workers_dead")
        return try rows.map { row in
            DeadWorker(workerID: try row.decode(at: 0), hostname: try row.decode(at: 1), secondsSinceHeartbeat: try row.decode(at: 2))
        }
    }

    // Running executions of workers that are dead or stopped, and of workers with no row at all
    // once they have run longer than the threshold. Each becomes a failed attempt
    // (ExecutionStore.failedAttempt); the status re-check makes a second daemon's update a no-op.
    static let rescueOrphans = """
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
        RETURNING e.execution_id, e.worker_id, e.status
        """

    /// Rescues up to `limit` orphaned running executions.
    public static func rescueOrphans(threshold: Duration, limit: Int, on connection: PGConnection) async throws -> [Rescued] {
        let rows = try await connection.query(rescueOrphans, [threshold.seconds, limit], name: "rescue_orphans")
        return try rows.map { row in
            Rescued(executionID: try row.decode(at: 0), workerID: try row.decode(at: 1, as: String?.self), status: try row.decode(at: 2))
        }
    }

    /// Facts about a worker row (for the log line of one reaped by another daemon's earlier pass).
    public static func workerFacts(_ workerID: String, on connection: PGConnection) async throws -> DeadWorker? {
        let rows = try await connection.query("""
            SELECT worker_id, hostname, extract(epoch FROM now() - last_heartbeat_at)::float8 FROM worker_heartbeats WHERE worker_id = $1
            """, [workerID], name: "worker_facts")
        return try rows.first.map { row in
            DeadWorker(workerID: try row.decode(at: 0), hostname: try row.decode(at: 1), secondsSinceHeartbeat: try row.decode(at: 2))
        }
    }

    /// The longest heartbeat interval live runners report (to warn about a threshold that is too tight).
    public static func longestLiveHeartbeatInterval(on connection: PGConnection) async throws -> Double? {
        try await connection.query("""
            SELECT max(heartbeat_interval_seconds) FROM worker_heartbeats WHERE status IN ('running', 'stopping')
            """, name: "longest_heartbeat_interval")[0].decode(at: 0, as: Double?.self)
    }

    static let pruneFinished = """
        WITH doomed AS (
            SELECT execution_id FROM executions
             WHERE status = ANY($1::text[]) AND finished_at < now() - make_interval(secs => $2)
             ORDER BY finished_at
             LIMIT $3
             FOR UPDATE SKIP LOCKED)
        DELETE FROM executions e USING doomed WHERE e.execution_id = doomed.execution_id
        """

    /// Deletes up to `limit` executions in `statuses` finished longer than `age` ago. - Returns: how many.
    public static func pruneFinished(statuses: [String], olderThan age: Duration, limit: Int, on connection: PGConnection) async throws -> Int {
        try await connection.query(pruneFinished, [statuses, age.seconds, limit], name: "prune_finished").affectedRows
    }

    /// Deletes stopped and dead worker rows older than `age` that hold no running execution. - Returns: how many.
    public static func pruneWorkers(olderThan age: Duration, on connection: PGConnection) async throws -> Int {
        try await connection.query("""
            DELETE FROM worker_heartbeats w
             WHERE w.status IN ('stopped', 'dead') AND w.last_heartbeat_at < now() - make_interval(secs => $1)
               AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.status = 'running' AND e.worker_id = w.worker_id)
            """, [age.seconds], name: "prune_workers").affectedRows
    }
}
