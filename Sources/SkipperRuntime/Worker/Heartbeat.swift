import Logging
import SkipperStore

/// Writes the runner's heartbeat every HEARTBEAT_INTERVAL on a connection of its own, learns
/// from it whether the reaper declared this runner dead, and checks the executions it holds
/// for cancellations whose notification it missed. When no heartbeat could be written for
/// longer than the stale threshold, it presumes the runner dead.
struct Heartbeat: Sendable {
    let connector: any StoreConnector
    let configuration: WorkerConfiguration
    let lifecycle: WorkerLifecycle
    let ledger: ClaimLedger
    let cancellations: Cancellations
    let observer: WorkerObserver
    let logger: Logger

    func run() async {
        let connection = ManagedConnection(connector: connector, role: "heartbeat", logger: logger)
        while !Task.isCancelled {
            let state = lifecycle.current
            if state.phase == .serving {
                do throws(StoreError) {
                    let db = try await connection.get()
                    let result = try await WorkerRegistry.beat(
                        workerID: state.workerID, activeJobs: state.active,
                        status: state.shutdownRequested ? .stopping : .running, on: db)
                    connection.succeeded()
                    if result == .declaredDead {
                        PresumedDeath.declare(
                            state.workerID, lifecycle: lifecycle, logger: logger,
                            reason: "its heartbeat row says dead (the reaper rescued its executions)")
                    } else {
                        lifecycle.heartbeatWritten(by: state.workerID)
                        observer.heartbeat()
                        // A cancellation whose notification was missed (the listen connection was
                        // down) is found here at the latest.
                        for id in try await ExecutionStore.cancelled(among: ledger.heldIDs, on: db) {
                            cancellations.stop(id, workerID: state.workerID, learnedFrom: "heartbeat")
                        }
                    }
                } catch {
                    PresumedDeath.ifSilent(
                        lifecycle: lifecycle, threshold: configuration.staleThreshold, logger: logger,
                        reason: "no heartbeat could be written for longer than the stale threshold")
                    await connection.failed(error, cap: configuration.heartbeatInterval)
                    continue
                }
            }
            try? await Task.sleep(for: configuration.heartbeatInterval)
        }
        await connection.close()
    }
}

/// The one way the runner comes to presume itself dead, with its log line.
enum PresumedDeath {
    /// The reaper declared `workerID` dead (or its row is gone).
    static func declare(_ workerID: String, lifecycle: WorkerLifecycle, logger: Logger, reason: String) {
        guard lifecycle.presumeDead(workerID) else { return }
        log(workerID, logger: logger, reason: reason)
    }

    /// No heartbeat was written for longer than `threshold`: the reaper may have given the
    /// executions away. - Returns: whether the runner now presumes itself dead.
    @discardableResult
    static func ifSilent(lifecycle: WorkerLifecycle, threshold: Duration, logger: Logger, reason: String) -> Bool {
        if let workerID = lifecycle.presumeDeadIfSilent(longerThan: threshold) {
            log(workerID, logger: logger, reason: reason)
            return true
        }
        return lifecycle.current.phase == .presumedDead
    }

    private static func log(_ workerID: String, logger: Logger, reason: String) {
        logger.error("this runner is presumed dead: stopping its handlers and re-registering", metadata: [
            LogKey.status: "\(LogStatus.error)", LogKey.workerID: "\(workerID)", "reason": "\(reason)",
        ])
    }
}
