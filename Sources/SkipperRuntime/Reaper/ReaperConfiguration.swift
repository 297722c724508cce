/// How `cleanup-daemon` finds dead runners and tidies history. Parsed once by the executable.
public struct ReaperConfiguration: Sendable {
    /// A runner whose last heartbeat is older than this is dead (STALE_THRESHOLD_MINUTES). Default 2 min.
    public var staleThreshold: Duration = .seconds(120)
    /// Time between passes (CHECK_INTERVAL). Default 60 s.
    public var checkInterval: Duration = .seconds(60)
    /// Idempotency records older than this are deleted (IDEMPOTENCY_RETENTION); nil keeps them. Default 24 h.
    public var idempotencyRetention: Duration? = .seconds(86_400)
    /// Completed and cancelled executions older than this are deleted (COMPLETED_RETENTION); nil keeps them. Default 7 days.
    public var completedRetention: Duration? = .seconds(7 * 86_400)
    /// Failed executions older than this are deleted (FAILED_RETENTION); nil keeps them. Default 30 days.
    public var failedRetention: Duration? = .seconds(30 * 86_400)
    /// Stopped and dead worker rows older than this are deleted (WORKER_RETENTION); nil keeps them. Default 7 days.
    public var workerRetention: Duration? = .seconds(7 * 86_400)
    /// Time between housekeeping runs (HOUSEKEEPING_INTERVAL). Default 10 min.
    public var housekeepingInterval: Duration = .seconds(600)
    /// Rows changed per statement (one short transaction each). Default 1,000.
    public var batchSize: Int = 1000

    public init() {}
}
