import Foundation
import PGClient

/// The claim: `sql/statements/claim.sql` (its one text, which the benchmark measures too) and
/// the rows it returns, decoded by the column names of its RETURNING list.
package enum ClaimStatement {
    /// For a runner of one queue: `queue = $1` keeps it an ordered index scan.
    package static let oneQueue = StoreStatement(
        "claim_one_queue", SQLFiles.claim.replacingOccurrences(of: "{queue_filter}", with: "queue = $1"))
    /// For a runner of several queues.
    package static let manyQueues = StoreStatement(
        "claim_many_queues", SQLFiles.claim.replacingOccurrences(of: "{queue_filter}", with: "queue = ANY($1::text[])"))

    /// Claims up to `limit` ready executions for `workerID`, in claim order (priority, run_at, id).
    package static func run(
        on connection: PGConnection, queues: [String], priorities: [Priority], jobTypes: [String], limit: Int, workerID: String
    ) async throws -> [ClaimedExecution] {
        guard limit > 0, !queues.isEmpty, !jobTypes.isEmpty, !priorities.isEmpty else { return [] }
        let priorityNumbers = priorities.map { Int($0.rawValue) }
        let statement = queues.count == 1 ? oneQueue : manyQueues
        let queueParameter: any PGEncodable = queues.count == 1 ? queues[0] : queues
        let rows = try await connection.query(
            statement.text, [queueParameter, priorityNumbers, jobTypes, limit, workerID], name: statement.name)
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
