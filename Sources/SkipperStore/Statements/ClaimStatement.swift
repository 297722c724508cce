import Foundation
import PGClient

/// The claim: the SQL API's `claim_executions(...)` (sql/functions.sql; the benchmark calls the
/// same function) and the rows it returns, decoded by column name; and `claim_resume_points(...)`,
/// which says where each of its probes may resume.
package enum ClaimStatement {
    /// The one claim statement, for every runner: its queues, priorities and job types are
    /// arrays, its resume points a JSON array.
    package static let claim = StoreStatement(
        "claim_executions",
        "SELECT * FROM claim_executions($1::text[], $2::smallint[], $3::text[], $4::integer, $5::text, $6::jsonb, $7::interval)")

    /// Where each probe may resume, read from each range's start.
    package static let resumePoints = StoreStatement(
        "claim_resume_points",
        "SELECT * FROM claim_resume_points($1::text[], $2::smallint[], $3::text[])")

    /// Claims up to `limit` ready executions for `workerID`, each probe resuming after its point
    /// in `after` (from its range's start when it has none); the points it returns stay
    /// `claim_commit_margin()` behind the server's clock when `keepCommitMargin`, else none.
    package static func run(
        on connection: PGConnection, queues: [String], priorities: [Priority], jobTypes: [String], limit: Int, workerID: String,
        after: [ClaimProbe: ResumePoint], keepCommitMargin: Bool
    ) async throws -> ClaimBatch {
        guard limit > 0, !queues.isEmpty, !jobTypes.isEmpty, !priorities.isEmpty else { return ClaimBatch(executions: [], resumePoints: [:]) }
        let rows = try await connection.query(
            claim.text, [queues, priorities.map { Int($0.rawValue) }, jobTypes, limit, workerID, try afterJSON(after),
                         keepCommitMargin ? nil : "0"],
            name: claim.name)
        var claimed: [(execution: ClaimedExecution, resume: ResumePoint)] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            let execution = ClaimedExecution(
                executionID: try row.decode("execution_id", as: Int64.self),
                queue: try row.decode("queue", as: String.self),
                jobType: try row.decode("job_type", as: String.self),
                priority: Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal,
                payload: try row.decode("payload", as: String.self),
                attempt: try row.decode("attempt", as: Int.self),
                maxAttempts: try row.decode("max_attempts", as: Int.self),
                runAt: try row.decode("run_at", as: Date.self),
                idempotencyKey: try row.decode("idempotency_key", as: String?.self),
                timeout: try row.decode("timeout_seconds", as: Double?.self).map { .milliseconds(Int64($0 * 1000)) },
                traceContext: try row.decode("trace_context", as: String?.self),
                workerID: workerID)
            claimed.append((execution, try ResumePoint(row)))
        }
        // The statement returns rows in no particular order; start them in claim order. Within
        // one probe the last in that order is the one its next claim resumes after.
        claimed.sort {
            ($0.execution.priority.rawValue, $0.execution.runAt, $0.execution.executionID)
                < ($1.execution.priority.rawValue, $1.execution.runAt, $1.execution.executionID)
        }
        var resumePoints: [ClaimProbe: ResumePoint] = [:]
        for (execution, resume) in claimed {
            resumePoints[ClaimProbe(queue: execution.queue, priority: execution.priority, jobType: execution.jobType)] = resume
        }
        return ClaimBatch(executions: claimed.map(\.execution), resumePoints: resumePoints)
    }

    /// Where each probe of these queues, priorities and job types may resume now.
    package static func readResumePoints(
        on connection: PGConnection, queues: [String], priorities: [Priority], jobTypes: [String]
    ) async throws -> [ClaimProbe: ResumePoint] {
        guard !queues.isEmpty, !jobTypes.isEmpty, !priorities.isEmpty else { return [:] }
        let rows = try await connection.query(
            resumePoints.text, [queues, priorities.map { Int($0.rawValue) }, jobTypes], name: resumePoints.name)
        var points: [ClaimProbe: ResumePoint] = [:]
        for row in rows {
            let priority = Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal
            let probe = ClaimProbe(queue: try row.decode("queue", as: String.self), priority: priority, jobType: try row.decode("job_type", as: String.self))
            points[probe] = try ResumePoint(row)
        }
        return points
    }

    /// `p_after`: a JSON array of {queue, priority, job_type, run_at_us, execution_id}; NULL for none.
    private static func afterJSON(_ after: [ClaimProbe: ResumePoint]) throws -> String? {
        guard !after.isEmpty else { return nil }
        let entries: [[String: Any]] = after.map { probe, point in
            ["queue": probe.queue, "priority": Int(probe.priority.rawValue), "job_type": probe.jobType,
             "run_at_us": point.runAtMicroseconds, "execution_id": point.executionID]
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
    }
}

extension ResumePoint {
    /// The point in a row's `resume_run_at_us` and `resume_id` (both claim functions return them).
    fileprivate init(_ row: PGRow) throws(PGError) {
        self.init(runAtMicroseconds: try row.decode("resume_run_at_us", as: Int64.self), executionID: try row.decode("resume_id", as: Int64.self))
    }
}
