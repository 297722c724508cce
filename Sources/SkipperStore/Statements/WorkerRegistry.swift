import Foundation
import PGClient

/// A runner's row in `worker_heartbeats`: register, beat, and say it stopped.
package enum WorkerRegistry {
    /// What a runner reports about itself when it registers.
    package struct Registration: Sendable {
        package var workerID: String
        package var hostname: String
        package var pid: Int32
        package var mode: WorkerMode
        package var queues: [String]
        package var priorities: [Priority]
        package var jobTypes: [String]
        package var concurrency: Int
        package var heartbeatInterval: Duration
        package var version: String

        package init(
            workerID: String, hostname: String, pid: Int32, mode: WorkerMode, queues: [String], priorities: [Priority],
            jobTypes: [String], concurrency: Int, heartbeatInterval: Duration, version: String
        ) {
            self.workerID = workerID
            self.hostname = hostname
            self.pid = pid
            self.mode = mode
            self.queues = queues
            self.priorities = priorities
            self.jobTypes = jobTypes
            self.concurrency = concurrency
            self.heartbeatInterval = heartbeatInterval
            self.version = version
        }
    }

    /// A new worker id: `worker-` and 8 hex characters.
    package static func newWorkerID() -> String {
        "worker-" + String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }

    /// What the heartbeat learned.
    package enum BeatResult: Sendable, Equatable {
        /// The row is live.
        case alive
        /// The row says dead (the reaper declared this runner dead) or is gone.
        case declaredDead
    }

    static let register = StoreStatement("register_worker", """
        INSERT INTO worker_heartbeats (worker_id, hostname, pid, mode, queues, priorities, job_types, concurrency,
                                       heartbeat_interval_seconds, version)
        VALUES ($1, $2, $3, $4, $5::text[], $6::smallint[], $7::text[], $8, $9, $10)
        """)

    /// Inserts the runner's row (status running).
    package static func register(_ registration: Registration, on connection: StoreConnection) async throws(StoreError) {
        try await connection.query("register", register, [
            registration.workerID, registration.hostname, registration.pid, registration.mode.rawValue,
            registration.queues, registration.priorities.map { Int($0.rawValue) }, registration.jobTypes,
            registration.concurrency, registration.heartbeatInterval.seconds, registration.version,
        ])
    }

    // A row the reaper marked dead stays dead, and a stopped row is left as it is: a beat that
    // races the runner's final write must not bring it back to life.
    static let beat = StoreStatement("heartbeat_live_rows_only", """
        WITH beat AS (
            UPDATE worker_heartbeats
               SET last_heartbeat_at = now(), active_jobs = $2, status = $3
             WHERE worker_id = $1 AND status IN ('running', 'stopping')
            RETURNING status)
        SELECT status FROM beat
        UNION ALL
        SELECT status FROM worker_heartbeats WHERE worker_id = $1 AND status IN ('stopped', 'dead')
        """)

    /// Records a heartbeat (`status` is running or stopping).
    package static func beat(
        workerID: String, activeJobs: Int, status: WorkerStatus, on connection: StoreConnection
    ) async throws(StoreError) -> BeatResult {
        let rows = try await connection.query("heartbeat", beat, [workerID, activeJobs, status.rawValue])
        guard let row = rows.first, row.text(at: 0) != WorkerStatus.dead.rawValue else { return .declaredDead }
        return .alive
    }

    static let markStopped = StoreStatement("mark_stopped", """
        UPDATE worker_heartbeats SET status = 'stopped', stopped_at = now(), active_jobs = 0, last_heartbeat_at = now()
         WHERE worker_id = $1 AND status <> 'dead'
        """)

    /// Marks the row stopped (clean exit).
    package static func markStopped(workerID: String, on connection: StoreConnection) async throws(StoreError) {
        try await connection.query("mark the worker stopped", markStopped, [workerID])
    }
}
