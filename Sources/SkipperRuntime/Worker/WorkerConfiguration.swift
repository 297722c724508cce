import SkipperStore

/// What a runner serves and how it paces itself. Parsed once, at the edge, by the executable.
public struct WorkerConfiguration: Sendable {
    /// Which kind of work it takes (WORKER_MODE). Default `default`.
    public var mode: WorkerMode = .default
    /// Queues served, in no particular order (QUEUE_NAME). Default `["default"]`.
    public var queues: [String] = ["default"]
    /// Priorities served (WORKER_PRIORITIES). Default all.
    public var priorities: [Priority] = Priority.allCases
    /// Job types served (WORKER_JOB_TYPES); nil means every type with a handler.
    public var jobTypes: [String]? = nil
    /// Handlers running at once (WORKER_CONCURRENCY). Default 10.
    public var concurrency: Int = 10
    /// Fallback poll when no notification arrives (POLL_INTERVAL). Default 10 s.
    public var pollInterval: Duration = .seconds(10)
    /// Heartbeat period (HEARTBEAT_INTERVAL). Default 30 s.
    public var heartbeatInterval: Duration = .seconds(30)
    /// Default handler timeout when the execution has none (JOB_TIMEOUT). Default 5 min.
    public var jobTimeout: Duration = .seconds(300)
    /// Where the listener connects for LISTEN (LISTEN_DATABASE_URL); nil: the worker's own
    /// database — unless that one is pooled per transaction, where a LISTEN is lost with
    /// its transaction: the runner then does not listen (claims wait for POLL_INTERVAL,
    /// cancellations for the next heartbeat).
    public var listenDatabase: Database? = nil
    /// How long running handlers may finish after SIGTERM (SHUTDOWN_GRACE). Default 30 s.
    public var shutdownGrace: Duration = .seconds(30)
    /// How long a cancelled execution's handler may end by itself after SIGTERM before it is
    /// killed (CANCEL_GRACE). Default 10 s.
    public var cancelGrace: Duration = .seconds(10)
    /// After this long without a successful heartbeat the runner presumes itself declared dead
    /// (STALE_THRESHOLD_MINUTES, shared with cleanup-daemon). Default 2 min.
    public var staleThreshold: Duration = .seconds(120)
    /// Largest handler result kept (bytes of stdout). Default 1 MiB.
    public var resultLimitBytes: Int = 1 << 20
    /// Bytes of a failing handler's stderr kept as its error. Default 4 KiB.
    public var errorTailBytes: Int = 4096
    /// Executions claimed ahead of free slots, started as slots free (WORKER_PREFETCH); nil means
    /// 4 × concurrency. 0 claims only for free slots.
    public var prefetch: Int? = nil
    /// Completions written in one statement at most. Default 500.
    public var completionBatchSize: Int = 500
    /// The version string reported in the heartbeat row.
    public var version: String = SkipperVersion.current

    public init() {}

    /// ``prefetch``, or its default of 4 × concurrency.
    public var effectivePrefetch: Int { prefetch ?? configurationDefaultPrefetch }

    private var configurationDefaultPrefetch: Int { concurrency * 4 }

    /// The job types this runner claims, given the handlers it has (filtered by WORKER_JOB_TYPES).
    public func claimableJobTypes(registry: HandlerRegistry) -> [String] {
        guard mode != .schedulerOnly else { return [] }
        let available = registry.jobTypes
        guard let jobTypes else { return available.sorted() }
        return jobTypes.filter { available.contains($0) }.sorted()
    }
}
