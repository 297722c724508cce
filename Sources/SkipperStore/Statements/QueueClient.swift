import Foundation
import PGClient

/// What applications and operators do to the queue from Swift: enqueue, retry, cancel, and
/// read its state. Every call goes through the SQL API of `sql/functions.sql`, so Swift and
/// other languages share one definition of each operation.
public enum QueueClient {
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
        /// The request's field that was refused (`job_type`, `queue`, `max_attempts`, `timeout`,
        /// `payload`, `idempotency_key`).
        public var field: String
        /// Why, in words.
        public var reason: String
        /// Which request of a batch (0-based), when it came from one.
        public var index: Int?

        public var description: String { (index.map { "request \($0): " } ?? "") + reason }
    }

    /// Checks a request against the rules the database also enforces, with clearer messages.
    public static func validate(_ request: EnqueueRequest) throws(InvalidRequest) {
        guard NameRule.isValid(request.jobType) else {
            throw InvalidRequest(field: "job_type", reason: "invalid job type '\(request.jobType.prefix(80))': expected \(NameRule.description)")
        }
        guard NameRule.isValid(request.queue) else {
            throw InvalidRequest(field: "queue", reason: "invalid queue name '\(request.queue.prefix(80))': expected \(NameRule.description)")
        }
        guard request.maxAttempts >= 1 else {
            throw InvalidRequest(field: "max_attempts", reason: "max attempts must be at least 1 (got \(request.maxAttempts))")
        }
        if let timeout = request.timeout, timeout <= .zero {
            throw InvalidRequest(field: "timeout", reason: "timeout must be positive")
        }
        guard JSONText.isValid(request.payload) else {
            throw InvalidRequest(field: "payload", reason: "payload is not valid JSON (or nested more than 512 levels deep)")
        }
    }

    static let enqueue = StoreStatement("enqueue_execution", """
        SELECT enqueue_execution(
            p_job_type => $1, p_payload => $2::jsonb, p_queue => $3, p_priority => $4::smallint,
            p_run_at => $5::timestamptz, p_delay => make_interval(secs => $6::double precision),
            p_max_attempts => $7::integer, p_idempotency_key => $8, p_timeout_seconds => $9::double precision,
            p_trace_context => $10) AS execution_id
        """)

    /// Enqueues one execution (inside the connection's current transaction, if any).
    /// - Returns: its execution_id (the first one's, for a repeated idempotency key).
    /// - Throws: ``InvalidRequest`` before the database, or ``StoreError``.
    @discardableResult
    public static func enqueue(_ request: EnqueueRequest, on connection: StoreConnection) async throws -> Int64 {
        try validate(request)
        return try await connection.rows("enqueue") { db in
            let rows = try await db.query(enqueue.text, [
                request.jobType, PGJSON(request.payload), request.queue, Int(request.priority.rawValue),
                request.runAt, request.delay.map(\.seconds) ?? 0, request.maxAttempts, request.idempotencyKey,
                request.timeout.map(\.seconds), request.traceContext,
            ], name: enqueue.name)
            return try rows[0].decode("execution_id", as: Int64.self)
        }
    }

    // Through the SQL API's bulk function, so that the payload limit and the server's clock
    // (delays count from the server's now()) are the same as for one enqueue.
    static let enqueueMany = StoreStatement("enqueue_executions", """
        SELECT enqueue_executions($1::text[], $2::jsonb[], $3::text[], $4::smallint[], $5::timestamptz[],
                                  $6::double precision[], $7::integer[], $8::double precision[], $9::text[]) AS execution_id
        """)

    /// Enqueues many executions in one statement (one transaction, one notification per queue).
    /// Idempotency keys are not supported here: use ``enqueue(_:on:)`` for those.
    /// - Returns: the new execution ids, in request order.
    /// - Throws: ``InvalidRequest`` (with the index of the request) before the database, or ``StoreError``.
    public static func enqueueMany(_ requests: [EnqueueRequest], on connection: StoreConnection) async throws -> [Int64] {
        guard !requests.isEmpty else { return [] }
        for (index, request) in requests.enumerated() {
            do {
                try validate(request)
            } catch {
                throw InvalidRequest(field: error.field, reason: error.reason, index: index)
            }
            if request.idempotencyKey != nil {
                throw InvalidRequest(
                    field: "idempotency_key", reason: "bulk enqueue does not take idempotency keys; enqueue those one by one", index: index)
            }
        }
        return try await connection.rows("enqueue in bulk") { db in
            let rows = try await db.query(enqueueMany.text, [
                requests.map(\.jobType), requests.map(\.payload), requests.map(\.queue),
                requests.map { Int32($0.priority.rawValue) },
                requests.map { $0.runAt.map(PGTimestampText.format) },
                requests.map { $0.delay.map(\.seconds) },
                requests.map { Int32($0.maxAttempts) },
                requests.map { $0.timeout.map(\.seconds) },
                requests.map(\.traceContext),
            ], name: enqueueMany.name)
            return try rows.map { try $0.decode("execution_id", as: Int64.self) }
        }
    }

    /// Queues a failed or cancelled execution again. - Returns: false when it was in another state.
    public static func retry(_ executionID: Int64, on connection: StoreConnection) async throws(StoreError) -> Bool {
        try await connection.rows("retry") { db in
            try await db.query("SELECT retry_execution($1) AS ok", [executionID], name: "retry_execution")[0].decode("ok", as: Bool.self)
        }
    }

    /// Cancels a queued or running execution. - Returns: false when it had already finished.
    public static func cancel(_ executionID: Int64, on connection: StoreConnection) async throws(StoreError) -> Bool {
        try await connection.rows("cancel") { db in
            try await db.query("SELECT cancel_execution($1) AS ok", [executionID], name: "cancel_execution")[0].decode("ok", as: Bool.self)
        }
    }

    /// Deletes idempotency records older than `age`. - Returns: how many were deleted.
    public static func cleanupIdempotencyRecords(olderThan age: Duration, on connection: StoreConnection) async throws(StoreError) -> Int {
        try await connection.rows("clean idempotency records") { db in
            try await db.query(
                "SELECT cleanup_old_idempotency_records(make_interval(secs => $1)) AS n", [age.seconds],
                name: "cleanup_idempotency_records")[0].decode("n", as: Int.self)
        }
    }

    /// Whether an execution exists, and in which status (`runner retry`/`cancel` explain a refusal with it).
    public static func status(of executionID: Int64, on connection: StoreConnection) async throws(StoreError) -> ExecutionStatus? {
        try await connection.rows("read an execution's status") { db in
            try await db.query("SELECT status FROM executions WHERE execution_id = $1", [executionID], name: "execution_status")
                .first.map { ExecutionStatus(rawValue: try $0.decode("status", as: String.self)) } ?? nil
        }
    }
}

/// Timestamps as text for array parameters (PGClient formats single values itself).
enum PGTimestampText {
    static func format(_ date: Date) -> String {
        if case .text(let text, _) = date.pgValue { return text }
        return ""
    }
}
