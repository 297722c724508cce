import Synchronization

/// Hooks the worker calls at its key moments, for metrics and for readiness signals
/// (systemd READY=1, /health). All hooks are optional closures; the default does nothing.
public struct WorkerObserver: Sendable {
    public var onReady: @Sendable () -> Void = {}
    public var onReregistered: @Sendable () -> Void = {}
    public var onClaimed: @Sendable ([ClaimedExecution]) -> Void = { _ in }
    public var onFinished: @Sendable (ClaimedExecution, ExecutionOutcome, Duration) -> Void = { _, _, _ in }
    /// An attempt that ended without an outcome to write: its execution was cancelled (true), or
    /// the runner was presumed dead and its claim is void (false).
    public var onDropped: @Sendable (ClaimedExecution, _ cancelled: Bool) -> Void = { _, _ in }
    public var onOutcomeWritten: @Sendable (ExecutionStore.Outcome, String) -> Void = { _, _ in }
    public var onHeartbeat: @Sendable () -> Void = {}
    public var onStopping: @Sendable () -> Void = {}

    public init() {}

    func ready() { onReady() }
    func reregistered() { onReregistered() }
    func claimed(_ executions: [ClaimedExecution]) { onClaimed(executions) }
    func finished(_ execution: ClaimedExecution, outcome: ExecutionOutcome, duration: Duration) { onFinished(execution, outcome, duration) }
    func dropped(_ execution: ClaimedExecution, cancelled: Bool) { onDropped(execution, cancelled) }
    func outcomeWritten(_ outcome: ExecutionStore.Outcome, status: String) { onOutcomeWritten(outcome, status) }
    func heartbeat() { onHeartbeat() }
    func stopping() { onStopping() }
}
