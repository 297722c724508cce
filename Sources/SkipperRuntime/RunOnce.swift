import Foundation
import Logging
import SkipperStore
import Tracing

/// `runner run-once`: register, claim at most one execution, run it, write its outcome, stop.
package enum RunOnce {
    /// What happened.
    package enum Result: Sendable, Equatable {
        case nothingToDo
        case completed(Int64)
        /// The attempt failed; `status` is where the execution went (queued for a retry, or failed).
        case failed(Int64, status: String, error: String)
    }

    /// - Throws: ``StoreError``.
    package static func run(
        configuration: WorkerConfiguration, connector: any StoreConnector, handlers: HandlerRegistry, logger: Logger
    ) async throws(StoreError) -> Result {
        let connection = try await connector.connect(role: "run-once", logger: logger)
        do throws(StoreError) {
            let result = try await run(configuration: configuration, connection: connection, handlers: handlers, logger: logger)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    private static func run(
        configuration: WorkerConfiguration, connection: StoreConnection, handlers: HandlerRegistry, logger: Logger
    ) async throws(StoreError) -> Result {
        guard try await Migrator().isUpToDate(on: connection) else { throw StoreError.schemaNotReady }
        let workerID = WorkerRegistry.newWorkerID()
        let jobTypes = configuration.claimableJobTypes(registry: handlers)
        try await WorkerRegistry.register(WorkerRegistry.Registration(
            workerID: workerID, hostname: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
            mode: configuration.mode, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes,
            concurrency: 1, heartbeatInterval: configuration.heartbeatInterval, version: configuration.version), on: connection)
        let claimed = try await ExecutionStore.claim(
            on: connection, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes,
            limit: 1, workerID: workerID)
        guard let execution = claimed.first else {
            try await WorkerRegistry.markStopped(workerID: workerID, on: connection)
            return .nothingToDo
        }
        let span = AttemptSpan.start(for: execution)
        let jobLogger = span.annotate(Attempt.logger(for: execution, base: logger))
        jobLogger.info("claimed", metadata: [LogKey.status: "\(LogStatus.jobClaimed)"])
        let (attempt, _) = await ServiceContext.withValue(span.span.context) {
            await DeadlineWatchdog.running { watchdog in
                await Attempt.run(
                    span.handlerView(of: execution), handlers: handlers, defaultTimeout: configuration.jobTimeout, logger: jobLogger,
                    watchdog: watchdog)
            }
        }
        let outcome: ExecutionOutcome
        switch attempt {
        case .ended(let ended): outcome = ended
        case .interrupted: outcome = .released
        case .cancelled: outcome = .failed(error: "cancelled")  // the fence refuses it: the row says cancelled
        }
        let item = ExecutionStore.Outcome(executionID: execution.executionID, attempt: execution.attempt, workerID: workerID, outcome: outcome)
        let written = try await ExecutionStore.write([item], on: connection)
        span.attemptEnded(outcome)
        span.outcomeWritten(OutcomeWriter.Written(item: item, result: written))
        try await WorkerRegistry.markStopped(workerID: workerID, on: connection)
        let status = written.accepted[execution.executionID]?.rawValue ?? "refused by the fence"
        switch outcome {
        case .succeeded:
            return written.accepted[execution.executionID] == .completed
                ? .completed(execution.executionID) : .failed(execution.executionID, status: status, error: "outcome refused")
        case .failed(let error): return .failed(execution.executionID, status: status, error: error)
        case .released: return .failed(execution.executionID, status: status, error: "interrupted")
        }
    }
}
