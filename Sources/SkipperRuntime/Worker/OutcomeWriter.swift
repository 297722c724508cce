import Logging
import SkipperStore
import Synchronization

/// Writes finished attempts in batches on its own connection.
///
/// Handlers hand in outcomes with ``submit(_:)`` and move on; the writer takes everything
/// pending, writes it in one statement per kind, and takes the next batch that gathered
/// meanwhile, so batches grow with load and no timer delays a lone completion. An outcome is
/// forgotten only when the database accepted it or the fence refused it: after a lost
/// connection the same batch is written again on a new one.
final class OutcomeWriter: Sendable {
    private struct State {
        var pending: [ExecutionStore.Outcome] = []
        var finishing = false
    }

    private let state = Mutex(State())
    private let wake: WakeSignal
    private let connector: any StoreConnector
    private let batchSize: Int
    private let logger: Logger
    private let onWritten: @Sendable (Written) -> Void

    /// What became of one written outcome.
    struct Written: Sendable {
        /// The outcome as submitted.
        var item: ExecutionStore.Outcome
        /// The execution's new status, or nil when the fence refused the outcome.
        var status: ExecutionStatus?
        /// For a failed attempt queued again: seconds until its retry is due.
        var retryIn: Double?

        var executionID: Int64 { item.executionID }
        var attempt: Int { item.attempt }

        /// What `result` (of the statement that wrote `item`) says became of it.
        init(item: ExecutionStore.Outcome, result: ExecutionStore.WriteResult) {
            self.item = item
            status = result.accepted[item.executionID]
            retryIn = result.retryIn[item.executionID]
        }
    }

    /// - Parameter onWritten: called for each outcome once the database accepted or the fence refused it.
    init(connector: any StoreConnector, batchSize: Int, logger: Logger, watchdog: DeadlineWatchdog,
         onWritten: @escaping @Sendable (Written) -> Void) {
        self.wake = WakeSignal(watchdog: watchdog)
        self.connector = connector
        self.batchSize = batchSize
        self.logger = logger
        self.onWritten = onWritten
    }

    /// Queues an outcome for writing.
    func submit(_ outcome: ExecutionStore.Outcome) {
        state.withLock { $0.pending.append(outcome) }
        wake.signal()
    }

    /// Outcomes waiting to be written (not counting the batch being written).
    var pending: Int { state.withLock { $0.pending.count } }

    /// Asks ``run(finishDeadline:)`` to return once everything pending is written.
    func finish() {
        state.withLock { $0.finishing = true }
        wake.signal()
    }

    /// Writes until ``finish()`` was called and nothing is pending, or until `deadline` passes
    /// after finish (then what is left stays `running` for the reaper, and is logged).
    func run(finishDeadline: Duration) async {
        let connection = ManagedConnection(connector: connector, role: "outcomes", logger: logger)
        var finishStarted: ContinuousClock.Instant?
        while true {
            let (batch, finishing): ([ExecutionStore.Outcome], Bool) = state.withLock { state in
                let count = min(state.pending.count, batchSize)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return (batch, state.finishing)
            }
            if finishing, finishStarted == nil { finishStarted = .now }
            if batch.isEmpty {
                if finishing { break }
                await wake.wait(timeout: .seconds(1))
                continue
            }
            var written = false
            while !written {
                do throws(StoreError) {
                    let db = try await connection.get()
                    let result = try await write(batch, on: db)
                    connection.succeeded()
                    report(batch, result)
                    written = true
                } catch {
                    if let started = finishStarted, ContinuousClock.now - started > finishDeadline {
                        logger.error("giving up writing outcomes at shutdown; the executions stay running until the reaper rescues them", metadata: [
                            LogKey.status: "\(LogStatus.error)", "executions": "\(batch.map(\.executionID))", LogKey.error: "\(error)",
                        ])
                        state.withLock { $0.pending.removeAll() }
                        break
                    }
                    await connection.failed(error)
                }
            }
        }
        await connection.close()
    }

    /// Writes a batch. Only an error that the outcomes' own values caused (a result the database
    /// refuses) changes what is written: the batch is split so that the other outcomes land, and
    /// the refused one becomes a failed attempt that says why. Any other error is thrown, and the
    /// whole batch is written again after a backoff: a statement that was cancelled, timed out or
    /// failed for the server's own reasons must never turn a handler's success into a failure.
    private func write(_ batch: [ExecutionStore.Outcome], on db: StoreConnection) async throws(StoreError) -> ExecutionStore.WriteResult {
        do throws(StoreError) {
            return try await ExecutionStore.write(batch, on: db)
        } catch where error.kind == .refusedValues && batch.count > 1 {
            logger.warning("batch write refused a value, writing outcomes one by one", metadata: [LogKey.error: "\(error)"])
            var combined = ExecutionStore.WriteResult()
            for item in batch {
                let single = try await write([item], on: db)
                combined.accepted.merge(single.accepted) { $1 }
                combined.refused += single.refused
            }
            return combined
        } catch where error.kind == .refusedValues {
            var replacement = batch[0]
            replacement.outcome = .failed(error: "the outcome could not be stored: \(error.message)")
            logger.warning("outcome refused by the database, recorded as a failed attempt", metadata: [
                LogKey.executionID: "\(replacement.executionID)", LogKey.error: "\(error)",
            ])
            return try await ExecutionStore.write([replacement], on: db)
        }
    }

    private func report(_ batch: [ExecutionStore.Outcome], _ result: ExecutionStore.WriteResult) {
        for item in batch {
            onWritten(Written(item: item, result: result))
        }
    }
}
