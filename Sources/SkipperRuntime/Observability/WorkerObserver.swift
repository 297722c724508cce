import SkipperStore
/// Hooks the worker calls at its key moments, for metrics and for readiness signals
/// (systemd READY=1, /health). All hooks are optional closures; the default does nothing.
public struct WorkerObserver: Sendable {
    /// Registered for the first time: ready to serve.
    public var onReady: @Sendable () -> Void = {}
    /// Registered again under a new worker id after being presumed dead.
    public var onReregistered: @Sendable () -> Void = {}
    /// A claim returned these executions.
    public var onClaimed: @Sendable ([ClaimedExecution]) -> Void = { _ in }
    /// The number of executions whose attempt runs now changed (the worker's one count).
    public var onActiveChanged: @Sendable (Int) -> Void = { _ in }
    /// An attempt ended with an outcome to write.
    public var onFinished: @Sendable (ClaimedExecution, ExecutionOutcome, Duration) -> Void = { _, _, _ in }
    /// An attempt that ended without an outcome to write: its execution was cancelled (true), or
    /// the runner was presumed dead and its claim is void (false).
    public var onDropped: @Sendable (ClaimedExecution, _ cancelled: Bool) -> Void = { _, _ in }
    /// A heartbeat was written.
    public var onHeartbeat: @Sendable () -> Void = {}
    /// Shutdown began.
    public var onStopping: @Sendable () -> Void = {}

    public init() {}

    func ready() { onReady() }
    func reregistered() { onReregistered() }
    func claimed(_ executions: [ClaimedExecution]) { onClaimed(executions) }
    func activeChanged(_ active: Int) { onActiveChanged(active) }
    func finished(_ execution: ClaimedExecution, outcome: ExecutionOutcome, duration: Duration) { onFinished(execution, outcome, duration) }
    func dropped(_ execution: ClaimedExecution, cancelled: Bool) { onDropped(execution, cancelled) }
    func heartbeat() { onHeartbeat() }
    func stopping() { onStopping() }
}
