import Foundation
import PGClient

/// The SQL of a runner's row in `worker_heartbeats`: register, beat, and say it is stopping or stopped.
public enum WorkerRegistry {
    /// What a runner reports about itself when it registers.
    public struct Registration: Sendable {
        public var workerID: String
        public var hostname: String
        public var pid: Int32
        public var mode: WorkerMode
        public var queues: [String]
        public var priorities: [Priority]
        public var jobTypes: [String]
        public var concurrency: Int
        public var heartbeatInterval: Duration
        public var version: String
    }

    /// A new worker id: `worker-` and 8 hex characters.
    public static func newWorkerID() -> String {
        "worker-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    /// What the heartbeat learned.
    public enum BeatResult: Sendable, Equatable {
        /// The row is live.
        case alive
        /// The row says dead (the reaper declared this runner dead) or is gone.
        case declaredDead
    }

    /// Inserts the runner's row (status running).
    public static func register(_ registration: Registration, on connection: PGConnection) async throws {
        try await connection.query("""
            INSERT INTO worker_heartbeats (worker_id, hostname, pid, mode, queues, priorities, job_types, concurrency,
                                           heartbeat_interval_seconds, version)
            VALUES ($1, $2, $3, $4, $5::text[], $6::smallint[], $7::text[], $8, $9, $10)
            """, [
                registration.workerID, registration.hostname, registration.pid, registration.mode.rawValue,
                registration.queues, registration.priorities.map { Int($0.rawValue) }, registration.jobTypes,
                registration.concurrency, registration.heartbeatInterval.seconds, registration.version,
            ], name: "register_worker")
    }

    /// Records a heartbeat. A row the reaper marked dead stays dead, and a stopped row is left
    /// as it is: a beat that races the runner's final write must not bring it back to life.
    public static func beat(workerID: String, activeJobs: Int, status: String, on connection: PGConnection) async throws -> BeatResult {
        let rows = try await connection.query("""
            WITH beat AS (
                UPDATE worker_heartbeats
                   SET last_heartbeat_at = now(), active_jobs = $2, status = $3
                 WHERE worker_id = $1 AND status IN ('running', 'stopping')
                RETURNING status)
            SELECT status FROM beat
            UNION ALL
            SELECT status FROM worker_heartbeats WHERE worker_id = $1 AND status IN ('stopped', 'dead')
            """, [workerID, activeJobs, status], name: "heartbeat_live_rows_only")
        guard let row = rows.first, try row.decode(at: 0, as: String.self) != "dead" else { return .declaredDead }
        return .alive
    }

    /// Marks the row stopped (clean exit).
    public static func markStopped(workerID: String, on connection: PGConnection) async throws {
        try await connection.query("""
            UPDATE worker_heartbeats SET status = 'stopped', stopped_at = now(), active_jobs = 0, last_heartbeat_at = now()
             WHERE worker_id = $1 AND status <> 'dead'
            """, [workerID], name: "mark_stopped")
    }
}
