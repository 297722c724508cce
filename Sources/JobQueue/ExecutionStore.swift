import Foundation
import PGClient

/// The SQL the runner runs against `executions` and `worker_heartbeats`, each statement named
/// (prepared once per connection) and fenced where it writes an outcome: an update only lands
/// while the row is still `running` under the same worker_id and attempt.
public enum ExecutionStore {
    /// One finished attempt waiting to be written.
    public struct Outcome: Sendable {
        public var executionID: Int64
        public var attempt: Int
        public var workerID: String
        public var outcome: ExecutionOutcome

        public init(executionID: Int64, attempt: Int, workerID: String, outcome: ExecutionOutcome) {
            self.executionID = executionID
            self.attempt = attempt
            self.workerID = workerID
            self.outcome = outcome
        }
    }

    static let claimColumns = """
        e.execution_id, e.queue, e.job_type, e.priority, e.payload, e.attempt, e.max_attempts, e.run_at,
        e.idempotency_key, e.timeout_seconds, e.trace_context
        """

    // One queue: `queue = $1` keeps the claim an ordered scan of executions_claim_idx (an
    // `= ANY` on the leading column would make PostgreSQL 15 sort every ready row). The priority
    // filter compares `priority::int` so that it stays a filter and does not break that order.
    static let claimOneQueue = claimSQL(queueFilter: "queue = $1")
    static let claimManyQueues = claimSQL(queueFilter: "queue = ANY($1::text[])")

    private static func claimSQL(queueFilter: String) -> String {
        """
        WITH picked AS (
            SELECT execution_id FROM executions
             WHERE status = 'queued' AND \(queueFilter) AND run_at <= now()
               AND priority::int = ANY($2::int[]) AND job_type = ANY($3::text[])
             ORDER BY priority, run_at, execution_id
             LIMIT $4
             FOR UPDATE SKIP LOCKED)
        UPDATE executions e
           SET status = 'running', attempt = e.attempt + 1, worker_id = $5, started_at = now(), updated_at = now()
          FROM picked WHERE e.execution_id = picked.execution_id
        RETURNING \(claimColumns)
        """
    }

    /// Claims up to `limit` ready executions for `workerID` (ordered by priority, run_at, id).
    public static func claim(
        on connection: PGConnection, queues: [String], priorities: [Priority], jobTypes: [String],
        limit: Int, workerID: String
    ) async throws -> [ClaimedExecution] {
        guard limit > 0, !queues.isEmpty, !jobTypes.isEmpty, !priorities.isEmpty else { return [] }
        let priorityNumbers = priorities.map { Int($0.rawValue) }
        let rows: PGRows
        if queues.count == 1 {
            rows = try await connection.query(
                claimOneQueue, [queues[0], priorityNumbers, jobTypes, limit, workerID], name: "claim_one_queue")
        } else {
            rows = try await connection.query(
                claimManyQueues, [queues, priorityNumbers, jobTypes, limit, workerID], name: "claim_many_queues")
        }
        var claimed: [ClaimedExecution] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            claimed.append(ClaimedExecution(
                executionID: try row.decode(at: 0, as: Int64.self),
                queue: try row.decode(at: 1, as: String.self),
                jobType: try row.decode(at: 2, as: String.self),
                priority: Priority(rawValue: try row.decode(at: 3, as: Int16.self)) ?? .normal,
                payload: try row.decode(at: 4, as: String.self),
                attempt: try row.decode(at: 5, as: Int.self),
                maxAttempts: try row.decode(at: 6, as: Int.self),
                runAt: try row.decode(at: 7, as: Date.self),
                idempotencyKey: try row.decode(at: 8, as: String?.self),
                timeout: try row.decode(at: 9, as: Double?.self).map { .milliseconds(Int64($0 * 1000)) },
                traceContext: try row.decode(at: 10, as: String?.self),
                workerID: workerID))
        }
        // The statement returns rows in no particular order; start them in claim order.
        claimed.sort { ($0.priority.rawValue, $0.runAt, $0.executionID) < ($1.priority.rawValue, $1.runAt, $1.executionID) }
        return claimed
    }

    static let completeMany = """
        WITH done AS (
            UPDATE executions e
               SET status = 'completed', finished_at = now(), updated_at = now(), result = c.result::jsonb
              FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) AS c(id, attempt, worker_id, result)
             WHERE e.execution_id = c.id AND e.status = 'running' AND e.worker_id = c.worker_id AND e.attempt = c.attempt
            RETURNING e.execution_id, e.idempotency_key, e.result),
        recorded AS (
            UPDATE idempotency_records r SET result = done.result
              FROM done
             WHERE done.idempotency_key IS NOT NULL AND r.idempotency_key = done.idempotency_key
               AND r.execution_id = done.execution_id)
        SELECT execution_id FROM done
        """

    /// What a failed attempt does to its row, whoever records it (a runner's handler failing, or
    /// the reaper rescuing a dead runner's execution): queued again after a backoff while attempts
    /// remain, else failed for good. The attempt itself was counted by the claim.
    static let failedAttempt = """
        status = CASE WHEN e.attempt >= e.max_attempts THEN 'failed' ELSE 'queued' END,
               run_at = CASE WHEN e.attempt >= e.max_attempts THEN e.run_at ELSE now() + backoff_delay(e.attempt) END,
               finished_at = CASE WHEN e.attempt >= e.max_attempts THEN now() END,
               updated_at = now()
        """

    static let failMany = """
        UPDATE executions e
           SET \(failedAttempt), execution_error = f.error
          FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) AS f(id, attempt, worker_id, error)
         WHERE e.execution_id = f.id AND e.status = 'running' AND e.worker_id = f.worker_id AND e.attempt = f.attempt
        RETURNING e.execution_id, e.status
        """

    // Giving back on shutdown: the attempt that did not run to the end is not counted.
    static let releaseMany = """
        UPDATE executions e
           SET status = 'queued', attempt = e.attempt - 1, started_at = NULL, updated_at = now()
          FROM unnest($1::bigint[], $2::int[], $3::text[]) AS r(id, attempt, worker_id)
         WHERE e.execution_id = r.id AND e.status = 'running' AND e.worker_id = r.worker_id AND e.attempt = r.attempt
        RETURNING e.execution_id
        """

    // A claim whose reply never reached the runner (the connection broke after the server
    // committed it) leaves rows `running` under a live worker that does not know it holds them;
    // the reaper never rescues a live worker's work. The runner gives back every row it holds in
    // the database but not in memory. Their handlers never started: the attempt is not counted.
    static let releaseStranded = """
        UPDATE executions
           SET status = 'queued', attempt = attempt - 1, started_at = NULL, updated_at = now()
         WHERE status = 'running' AND worker_id = $1 AND execution_id <> ALL($2::bigint[])
        RETURNING execution_id
        """

    /// Gives back the executions `running` under `workerID` that are not among `held` (the ones
    /// the runner knows it claimed and has not finished writing). Run it only while no claim of
    /// this worker is in flight. - Returns: the ids given back.
    public static func releaseStranded(workerID: String, held: [Int64], on connection: PGConnection) async throws -> [Int64] {
        let rows = try await connection.query(releaseStranded, [workerID, held], name: "release_stranded")
        return try rows.map { try $0.decode(at: 0, as: Int64.self) }
    }

    /// Which of these executions were cancelled (the heartbeat's check, for a cancellation whose
    /// notification the runner missed).
    public static func cancelled(among ids: [Int64], on connection: PGConnection) async throws -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            "SELECT execution_id FROM executions WHERE execution_id = ANY($1::bigint[]) AND status = 'cancelled'",
            [ids], name: "cancelled_among")
        return try rows.map { try $0.decode(at: 0, as: Int64.self) }
    }

    /// What writing a batch of outcomes did.
    public struct WriteResult: Sendable {
        /// Outcomes the database accepted, with the status each execution now has.
        public var accepted: [Int64: String] = [:]
        /// Outcomes the fence refused (the execution was rescued, cancelled or re-claimed meanwhile).
        public var refused: [Int64] = []
    }

    /// Writes outcomes; every one is either accepted or refused by the fence when this returns.
    /// - Throws: ``PGError`` when the statement could not run (nothing of that kind was written).
    public static func write(_ outcomes: [Outcome], on connection: PGConnection) async throws -> WriteResult {
        var result = WriteResult()
        var successes: [Outcome] = []
        var failures: [Outcome] = []
        var releases: [Outcome] = []
        for item in outcomes {
            switch item.outcome {
            case .succeeded: successes.append(item)
            case .failed: failures.append(item)
            case .released: releases.append(item)
            }
        }
        if !successes.isEmpty {
            let rows = try await connection.query(completeMany, [
                successes.map(\.executionID), successes.map(\.attempt), successes.map(\.workerID),
                successes.map { item -> String? in
                    if case .succeeded(let json) = item.outcome { return json }
                    return nil
                },
            ], name: "complete_many")
            for row in rows { result.accepted[try row.decode(at: 0, as: Int64.self)] = "completed" }
        }
        if !failures.isEmpty {
            let rows = try await connection.query(failMany, [
                failures.map(\.executionID), failures.map(\.attempt), failures.map(\.workerID),
                failures.map { item -> String? in
                    if case .failed(let error) = item.outcome { return error }
                    return nil
                },
            ], name: "fail_many")
            for row in rows { result.accepted[try row.decode(at: 0, as: Int64.self)] = try row.decode(at: 1, as: String.self) }
        }
        if !releases.isEmpty {
            let rows = try await connection.query(releaseMany, [
                releases.map(\.executionID), releases.map(\.attempt), releases.map(\.workerID),
            ], name: "release_many")
            for row in rows { result.accepted[try row.decode(at: 0, as: Int64.self)] = "queued" }
        }
        result.refused = outcomes.map(\.executionID).filter { result.accepted[$0] == nil }
        return result
    }
}
