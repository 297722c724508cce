import Foundation
import PGClient

/// The claim: the SQL API's `claim_executions(...)` (sql/functions.sql; the benchmark calls the
/// same function) and the rows it returns, decoded by column name.
package enum ClaimStatement {
    /// The one claim statement, for every runner: its queues, priorities and job types are arrays.
    package static let claim = StoreStatement(
        "claim_executions",
        "SELECT * FROM claim_executions($1::text[], $2::smallint[], $3::text[], $4::integer, $5::text)")

    /// Claims up to `limit` ready executions for `workerID`, in claim order (priority, run_at, id).
    package static func run(
        on connection: PGConnection, queues: [String], priorities: [Priority], jobTypes: [String], limit: Int, workerID: String
    ) async throws -> [ClaimedExecution] {
        guard limit > 0, !queues.isEmpty, !jobTypes.isEmpty, !priorities.isEmpty else { return [] }
        let rows = try await connection.query(
            claim.text, [queues, priorities.map { Int($0.rawValue) }, jobTypes, limit, workerID], name: claim.name)
        var claimed: [ClaimedExecution] = []
        claimed.reserveCapacity(rows.count)
        for row in rows {
            claimed.append(ClaimedExecution(
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
                workerID: workerID))
        }
        // The statement returns rows in no particular order; start them in claim order.
        claimed.sort { ($0.priority.rawValue, $0.runAt, $0.executionID) < ($1.priority.rawValue, $1.runAt, $1.executionID) }
        return claimed
    }
}
