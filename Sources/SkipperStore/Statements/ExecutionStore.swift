import PGClient

/// The statements a runner runs on `executions`, each named (prepared once per connection) and
/// fenced where it writes an outcome: an update only lands while the row is still `running`
/// under the same worker_id and attempt.
package enum ExecutionStore {
    /// One finished attempt waiting to be written.
    package struct Outcome: Sendable {
        package var executionID: Int64
        package var attempt: Int
        package var workerID: String
        package var outcome: ExecutionOutcome

        package init(executionID: Int64, attempt: Int, workerID: String, outcome: ExecutionOutcome) {
            self.executionID = executionID
            self.attempt = attempt
            self.workerID = workerID
            self.outcome = outcome
        }
    }

    /// Claims up to `limit` ready executions for `workerID` (``ClaimStatement``), in claim order,
    /// reading every probe from its range's start.
    package static func claim(
        on connection: StoreConnection, queues: [String], priorities: [Priority], jobTypes: [String],
        limit: Int, workerID: String
    ) async throws(StoreError) -> [ClaimedExecution] {
        try await claim(
            on: connection, queues: queues, priorities: priorities, jobTypes: jobTypes, limit: limit, workerID: workerID,
            after: [:], keepCommitMargin: true).executions
    }

    /// Claims up to `limit` ready executions for `workerID`, each probe resuming after its point
    /// in `after`; the batch says where each probe that yielded an execution resumes next, kept
    /// `claim_commit_margin()` behind the server's clock when `keepCommitMargin` (a runner that
    /// hears every announcement needs no margin).
    package static func claim(
        on connection: StoreConnection, queues: [String], priorities: [Priority], jobTypes: [String],
        limit: Int, workerID: String, after: [ClaimProbe: ResumePoint], keepCommitMargin: Bool
    ) async throws(StoreError) -> ClaimBatch {
        try await connection.rows("claim") { db in
            try await ClaimStatement.run(
                on: db, queues: queues, priorities: priorities, jobTypes: jobTypes, limit: limit, workerID: workerID, after: after,
                keepCommitMargin: keepCommitMargin)
        }
    }

    /// Where each probe of a claim of these queues, priorities and job types may resume
    /// (`claim_resume_points`): finds executions that appeared behind the points claims left.
    package static func claimResumePoints(
        on connection: StoreConnection, queues: [String], priorities: [Priority], jobTypes: [String]
    ) async throws(StoreError) -> [ClaimProbe: ResumePoint] {
        try await connection.rows("read claim resume points") { db in
            try await ClaimStatement.readResumePoints(on: db, queues: queues, priorities: priorities, jobTypes: jobTypes)
        }
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
        RETURNING e.execution_id, e.status, CASE WHEN e.status = 'queued' THEN extract(epoch FROM e.run_at - now())::float8 END AS retry_in_seconds
        """

    // Giving back on shutdown: the attempt that did not run to the end is not counted. Announced
    // (announce_ready), as the rows sit behind where other runners' claims resume.
    static let releaseMany = """
        UPDATE executions e
           SET status = 'queued', attempt = e.attempt - 1, started_at = NULL, updated_at = now()
          FROM unnest($1::bigint[], $2::int[], $3::text[]) AS r(id, attempt, worker_id)
         WHERE e.execution_id = r.id AND e.status = 'running' AND e.worker_id = r.worker_id AND e.attempt = r.attempt
        RETURNING e.execution_id, announce_ready(e.queue, e.priority, e.job_type, e.run_at, e.execution_id)
        """

    // A claim whose reply never reached the runner (the connection broke after the server
    // committed it) leaves rows `running` under a live worker that does not know it holds them;
    // the reaper never rescues a live worker's work. The runner gives back every row it holds in
    // the database but not in memory. Their handlers never started: the attempt is not counted.
    static let releaseStranded = """
        UPDATE executions
           SET status = 'queued', attempt = attempt - 1, started_at = NULL, updated_at = now()
         WHERE status = 'running' AND worker_id = $1 AND execution_id <> ALL($2::bigint[])
        RETURNING execution_id, announce_ready(queue, priority, job_type, run_at, execution_id)
        """

    /// Gives back the executions `running` under `workerID` that are not among `held` (the ones
    /// the runner knows it claimed and has not finished writing). Run it only while no claim of
    /// this worker is in flight. - Returns: the ids given back.
    package static func releaseStranded(workerID: String, held: [Int64], on connection: StoreConnection) async throws(StoreError) -> [Int64] {
        try await connection.rows("release stranded claims") { db in
            let rows = try await db.query(releaseStranded, [workerID, held], name: "release_stranded")
            return try rows.map { try $0.decode("execution_id", as: Int64.self) }
        }
    }

    /// Which of these executions were cancelled (the heartbeat's check, for a cancellation whose
    /// notification the runner missed).
    package static func cancelled(among ids: [Int64], on connection: StoreConnection) async throws(StoreError) -> [Int64] {
        guard !ids.isEmpty else { return [] }
        return try await connection.rows("check for cancellations") { db in
            let rows = try await db.query(
                "SELECT execution_id FROM executions WHERE execution_id = ANY($1::bigint[]) AND status = 'cancelled'",
                [ids], name: "cancelled_among")
            return try rows.map { try $0.decode("execution_id", as: Int64.self) }
        }
    }

    /// What writing a batch of outcomes did.
    package struct WriteResult: Sendable {
        /// Outcomes the database accepted, with the status each execution now has.
        package var accepted: [Int64: ExecutionStatus] = [:]
        /// Outcomes the fence refused (the execution was rescued, cancelled or re-claimed meanwhile).
        package var refused: [Int64] = []
        /// Of the failed attempts that were queued again: seconds until the retry is due.
        package var retryIn: [Int64: Double] = [:]

        package init() {}
    }

    /// Writes outcomes; every one is either accepted or refused by the fence when this returns.
    /// - Throws: ``StoreError`` when a statement could not run (nothing of that kind was written);
    ///   kind `.refusedValues` when an outcome's own values were refused.
    package static func write(_ outcomes: [Outcome], on connection: StoreConnection) async throws(StoreError) -> WriteResult {
        try await connection.rows("write outcomes") { db in try await write(outcomes, on: db) }
    }

    private static func write(_ outcomes: [Outcome], on connection: PGConnection) async throws -> WriteResult {
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
            for row in rows { result.accepted[try row.decode("execution_id", as: Int64.self)] = .completed }
        }
        if !failures.isEmpty {
            let rows = try await connection.query(failMany, [
                failures.map(\.executionID), failures.map(\.attempt), failures.map(\.workerID),
                failures.map { item -> String? in
                    if case .failed(let error) = item.outcome { return error }
                    return nil
                },
            ], name: "fail_many")
            for row in rows {
                let id = try row.decode("execution_id", as: Int64.self)
                result.accepted[id] = ExecutionStatus(rawValue: try row.decode("status", as: String.self))
                result.retryIn[id] = try row.decode("retry_in_seconds", as: Double?.self)
            }
        }
        if !releases.isEmpty {
            let rows = try await connection.query(releaseMany, [
                releases.map(\.executionID), releases.map(\.attempt), releases.map(\.workerID),
            ], name: "release_many")
            for row in rows { result.accepted[try row.decode("execution_id", as: Int64.self)] = .queued }
        }
        result.refused = outcomes.map(\.executionID).filter { result.accepted[$0] == nil }
        return result
    }
}
