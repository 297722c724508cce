import Logging
import SkipperStore
import Tracing

/// Runs one claimed execution inside the worker: refuses to start it when the runner may have
/// been declared dead or the execution was cancelled, runs the attempt (``Attempt``), and hands
/// its outcome to the ``OutcomeWriter`` — or drops it when there is nothing the fence would take.
struct ExecutionRunner: Sendable {
    let handlers: HandlerRegistry
    let configuration: WorkerConfiguration
    let lifecycle: WorkerLifecycle
    let ledger: ClaimLedger
    let outcomes: OutcomeWriter
    let spans: AttemptSpans
    let watchdog: DeadlineWatchdog
    let observer: WorkerObserver
    let logger: Logger

    /// Runs `execution`, claimed under identity number `generation`.
    func execute(_ execution: ClaimedExecution, generation: Int) async {
        defer { lifecycle.ended() }
        let span = spans.start(for: execution)
        let jobLogger = span.annotate(Attempt.logger(for: execution, base: logger))
        jobLogger.info("claimed", metadata: [LogKey.status: "\(LogStatus.jobClaimed)"])
        // A runner that was frozen (SIGSTOP, a paused VM) past the stale threshold may have been
        // declared dead and its claims given away: it must not start their handlers now.
        if PresumedDeath.ifSilent(
            lifecycle: lifecycle, threshold: configuration.staleThreshold, logger: logger,
            reason: "no heartbeat for longer than the stale threshold before a handler started")
        {
            jobLogger.warning("not starting the handler: this runner may have been declared dead", metadata: [
                LogKey.status: "\(LogStatus.abandoned)",
            ])
            drop(execution, cancelled: false, span: span, reason: "the runner may have been declared dead")
            return
        }
        let control = AttemptControl()
        guard ledger.starting(execution.executionID, control: control) else {
            jobLogger.notice("not starting the handler: the execution was cancelled", metadata: [LogKey.status: "\(LogStatus.jobCancelled)"])
            drop(execution, cancelled: true, span: span, reason: "cancelled")
            return
        }
        // The handler runs in the span's context: its TRACEPARENT, and spans it makes, continue it.
        let (result, duration) = await ServiceContext.withValue(span.span.context) {
            await Attempt.run(
                span.handlerView(of: execution), handlers: handlers, defaultTimeout: configuration.jobTimeout, logger: jobLogger,
                watchdog: watchdog, control: control)
        }
        ledger.ended(execution.executionID)
        let state = lifecycle.current
        let outcome: ExecutionOutcome?
        switch result {
        case .ended(let ended):
            outcome = ended
        case .cancelled:
            // The row already says cancelled; the fence would refuse anything written now.
            drop(execution, cancelled: true, span: span, reason: "cancelled while running")
            outcome = nil
        case .interrupted where state.phase == .presumedDead || state.generation != generation:
            jobLogger.warning("handler stopped: this runner was declared dead, its claim is void", metadata: [
                LogKey.status: "\(LogStatus.abandoned)",
            ])
            drop(execution, cancelled: false, span: span, reason: "the runner was declared dead")
            outcome = nil
        case .interrupted:
            jobLogger.notice("handler stopped at shutdown; giving the execution back", metadata: [LogKey.status: "\(LogStatus.released)"])
            outcome = state.shutdownRequested ? .released : .failed(error: "handler interrupted")
        }
        if let outcome {
            span.attemptEnded(outcome)
            spans.awaitOutcome(of: execution.executionID, span)
            observer.finished(execution, outcome: outcome, duration: duration)
            outcomes.submit(ExecutionStore.Outcome(
                executionID: execution.executionID, attempt: execution.attempt, workerID: execution.workerID, outcome: outcome))
        }
    }

    /// An attempt that ends without an outcome to write.
    private func drop(_ execution: ClaimedExecution, cancelled: Bool, span: AttemptSpan, reason: String) {
        span.endWithoutOutcome(reason: reason)
        ledger.finished(execution.executionID, attempt: execution.attempt)
        observer.dropped(execution, cancelled: cancelled)
    }
}
