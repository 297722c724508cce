import Logging
import SkipperStore
import Synchronization

/// Runs one attempt of a claimed execution: finds the handler, applies the timeout (the
/// execution's own, else the handler's, else the runner's JOB_TIMEOUT), and turns what happened
/// into an outcome, logging `job_completed_success` or `job_failed`.
enum Attempt {
    /// What became of the attempt.
    enum Result: Sendable {
        /// It ended by itself (success, failure or timeout).
        case ended(ExecutionOutcome)
        /// The task was cancelled first (shutdown or a lost claim); the caller decides.
        case interrupted
        /// The runner stopped it because its execution was cancelled (``AttemptControl``).
        case cancelled
    }

    private enum Race: Sendable {
        case finished(Swift.Result<String?, any Error>)
        case timedOut
        case interrupted
        case cancelled
    }

    static func run(
        _ execution: ClaimedExecution, handlers: HandlerRegistry, defaultTimeout: Duration, logger: Logger,
        watchdog: DeadlineWatchdog, control: AttemptControl = AttemptControl()
    ) async -> (Result, Duration) {
        let started = ContinuousClock.now
        let handler = handlers.handler(for: execution.jobType)
        let timeout = execution.timeout ?? handler?.timeout ?? defaultTimeout
        let race: Race
        if let handler {
            race = await runWatched(handler, execution, timeout: timeout, watchdog: watchdog, control: control, logger: logger)
        } else {
            race = .finished(.failure(MissingHandler(jobType: execution.jobType)))
        }
        let duration = ContinuousClock.now - started
        if Task.isCancelled { return (.interrupted, duration) }
        var metadata: Logger.Metadata = [LogKey.durationMS: "\(duration.milliseconds)"]
        switch race {
        case .finished(.success(let result)):
            metadata[LogKey.status] = "\(LogStatus.jobCompletedSuccess)"
            logger.info("completed", metadata: metadata)
            return (.ended(.succeeded(result: result.map(JSONText.result))), duration)
        case .finished(.failure(let error)):
            let text = "\(error)".isEmpty ? "handler failed" : "\(error)"
            metadata[LogKey.status] = "\(LogStatus.jobFailed)"
            metadata[LogKey.error] = "\(text)"
            logger.warning("failed", metadata: metadata)
            return (.ended(.failed(error: text)), duration)
        case .timedOut:
            let text = "timed out: the handler ran longer than its timeout of \(timeout.seconds.formatted()) s and was killed"
            metadata[LogKey.status] = "\(LogStatus.jobFailed)"
            metadata[LogKey.error] = "\(text)"
            logger.warning("timed out", metadata: metadata)
            return (.ended(.failed(error: text)), duration)
        case .interrupted:
            return (.interrupted, duration)
        case .cancelled:
            metadata[LogKey.status] = "\(LogStatus.jobCancelled)"
            logger.notice("handler stopped: the execution was cancelled", metadata: metadata)
            return (.cancelled, duration)
        }
    }

    /// Runs the handler in a task of its own that the watchdog cancels at the deadline and the
    /// control cancels when the execution is cancelled. The task is unstructured only so that
    /// they can hold its handle; it is always awaited here, and cancelling this task cancels it too.
    private static func runWatched(
        _ handler: any JobHandler, _ execution: ClaimedExecution, timeout: Duration, watchdog: DeadlineWatchdog,
        control: AttemptControl, logger: Logger
    ) async -> Race {
        let work = AttemptControl.$current.withValue(control) {
            Task { try await handler.run(execution, logger: logger) }
        }
        control.attach { work.cancel() }
        let timedOut = Atomic<Bool>(false)
        let id = watchdog.schedule(at: .now + timeout) {
            timedOut.store(true, ordering: .relaxed)
            work.cancel()
        }
        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        watchdog.cancel(id)
        if timedOut.load(ordering: .relaxed) { return .timedOut }
        if Task.isCancelled { return .interrupted }
        if control.isStopRequested { return .cancelled }
        return .finished(result)
    }

    /// A claimed job type without a handler (only possible when the handlers changed mid-claim).
    struct MissingHandler: Error, CustomStringConvertible {
        let jobType: String
        var description: String { "no handler for job type '\(jobType)' on this runner" }
    }

    /// The job-scoped logger: execution id, job type, attempt, worker id and queue on every line.
    static func logger(for execution: ClaimedExecution, base: Logger) -> Logger {
        var logger = base
        logger[metadataKey: LogKey.executionID] = "\(execution.executionID)"
        logger[metadataKey: LogKey.jobType] = "\(execution.jobType)"
        logger[metadataKey: LogKey.attempt] = "\(execution.attempt)"
        logger[metadataKey: LogKey.workerID] = "\(execution.workerID)"
        logger[metadataKey: LogKey.queue] = "\(execution.queue)"
        return logger
    }
}
