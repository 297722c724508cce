import Foundation
import PGClient

/// What applications and operators do to the queue from Swift: enqueue, retry, cancel, and
/// read its state. Every call goes through the SQL API of `sql/functions.sql`, so Swift and
/// other languages share one definition of each operation.
public enum QueueClient {
    /// The NOTIFY channel enqueues wake runners on (the payload is the queue name).
    public static let channel = "skipper_executions"
    /// The NOTIFY channel `cancel_execution` tells runners on (the payload is `worker_id:execution_id`).
    public static let cancellationChannel = "skipper_cancellations"

    /// One execution to enqueue.
    public struct EnqueueRequest: Sendable {
        /// Which handler runs it (``NameRule``).
        public var jobType: String
        /// The handler's input, as JSON text. Default `{}`.
        public var payload: String = "{}"
        /// The queue (``NameRule``). Default `default`.
        public var queue: String = "default"
        /// Default normal.
        public var priority: Priority = .normal
        /// Not claimable before this instant (nil: now, plus `delay`).
        public var runAt: Date?
        /// Not claimable before now + delay.
        public var delay: Duration?
        /// Attempts allowed in all. Default 4 (MAX_RETRIES 3 + 1).
        public var maxAttempts: Int = 4
        /// A caller key that makes repeated enqueues return the first execution.
        public var idempotencyKey: String?
        /// This execution's own timeout.
        public var timeout: Duration?
        /// The enqueuer's W3C traceparent.
        public var traceContext: String?

        public init(jobType: String) {
            self.jobType = jobType
        }
    }

    /// A request that was refused before reaching the database.
    public struct InvalidRequest: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Checks a request against the rules the database also enforces, with clearer messages.
    public static func validate(_ request: EnqueueRequest) throws(InvalidRequest) {
        guard NameRule.isValid(request.jobType) else {
            throw InvalidRequest(description: "invalid job type '\(request.jobType.prefix(80))': expected \(NameRule.description)")
        }
        guard NameRule.isValid(request.queue) else {
            throw InvalidRequest(description: "invalid queue name '\(request.queue.prefix(80))': expected \(NameRule.description)")
        }
        guard request.maxAttempts >= 1 else {
            throw InvalidRequest(description: "max attempts must be at least 1 (got \(request.maxAttempts))")
        }
        if let timeout = request.timeout, timeout <= .zero {
            throw InvalidRequest(description: "timeout must be positive")
        }
        guard JSONText.isValid(request.payload) else {
            throw InvalidRequest(description: "payload is not valid JSON (or nested more than 512 levels deep)")
        }
    }

    static let enqueueSQL = """
        SELECT enqueue_execution(
            p_job_type => $1, p_payload => $2::jsonb, p_queue => $3, p_priority => $4::smallint,
            p_run_at => $5::timestamptz, p_delay => make_interval(secs => $6::double precision),
            p_max_attempts => $7::integer, p_idempotency_key => $8, p_timeout_seconds => $9::double precision,
            p_trace_context => $10) AS execution_id
        """

    /// Enqueues one execution (inside the connection's current transaction, if any).
    /// - Returns: its execution_id (the first one's, for a repeated idempotency key).
    @discardableResult
    public static func enqueue(_ request: EnqueueRequest, on connection: PGConnection) async throws -> Int64 {
        try validate(request)
        let rows = try await connection.query(enqueueSQL, [
            request.jobType, PGJSON(request.payload), request.queue, Int(request.priority.rawValue),
            request.runAt, request.delay.map(\.seconds) ?? 0, request.maxAttempts, request.idempotencyKey,
            request.timeout.map(\.seconds), request.traceContext,
        ], name: "enqueue_execution")
        return try rows[0].decode("execution_id", as: Int64.self)
    }

    /// Enqueues many executions in one statement (one transaction, one notification per queue).
    /// Idempotency keys are not supported here: use ``enqueue(_:on:)`` for those.
    /// - Returns: the new execution ids, in request order.
    public static func enqueueMany(_ requests: [EnqueueRequest], on connection: PGConnection) async throws -> [Int64] {
        guard !requests.isEmpty else { return [] }
        for request in requests {
            try validate(request)
            if request.idempotencyKey != nil {
                throw InvalidRequest(description: "bulk enqueue does not take idempotency keys; enqueue those one by one")
            }
        }
        let rows = try await connection.query("""
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[], $8::text[])
                    WITH ORDINALITY AS r(job_type, payload, queue, priority, run_at, max_attempts, timeout_seconds, trace_context, n)),
            inserted AS (
                INSERT INTO executions (job_type, payload, queue, priority, run_at, max_attempts, timeout_seconds, trace_context)
                SELECT job_type, payload::jsonb, queue, priority, coalesce(run_at::timestamptz, now()), max_attempts,
                       timeout_seconds::double precision, trace_context
                  FROM input ORDER BY n
                RETURNING execution_id, queue),
            notified AS (
                SELECT pg_notify($9, queue) FROM (SELECT DISTINCT queue FROM inserted) q)
            SELECT execution_id FROM inserted, (SELECT count(*) FROM notified) AS n ORDER BY execution_id
            """, [
                requests.map(\.jobType), requests.map(\.payload), requests.map(\.queue),
                requests.map { Int32($0.priority.rawValue) },
                requests.map { request -> String? in
                    if let runAt = request.runAt { return PGTimestampText.format(runAt) }
                    if let delay = request.delay { return PGTimestampText.format(Date().addingTimeInterval(delay.seconds)) }
                    return nil
                },
                requests.map { Int32($0.maxAttempts) },
                requests.map { $0.timeout.map { String($0.seconds) } },
                requests.map(\.traceContext),
                channel,
            ], name: "enqueue_many")
        return try rows.map { try $0.decode(at: 0, as: Int64.self) }
    }

    /// Queues a failed or cancelled execution again. - Returns: false when it was in another state.
    public static func retry(_ executionID: Int64, on connection: PGConnection) async throws -> Bool {
        try await connection.query("SELECT retry_execution($1) AS ok", [executionID])[0].decode("ok", as: Bool.self)
    }

    /// Cancels a queued or running execution. - Returns: false when it had already finished.
    public static func cancel(_ executionID: Int64, on connection: PGConnection) async throws -> Bool {
        try await connection.query("SELECT cancel_execution($1) AS ok", [executionID])[0].decode("ok", as: Bool.self)
    }

    /// Deletes idempotency records older than `age`. - Returns: how many were deleted.
    public static func cleanupIdempotencyRecords(olderThan age: Duration, on connection: PGConnection) async throws -> Int {
        try await connection.query(
            "SELECT cleanup_old_idempotency_records(make_interval(secs => $1)) AS n", [age.seconds]
        )[0].decode("n", as: Int.self)
    }
}

/// Timestamps as text for array parameters (PGClient formats single values itself).
enum PGTimestampText {
    static func format(_ date: Date) -> String {
        if case .text(let text, _) = date.pgValue { return text }
        return ""
    }
}
