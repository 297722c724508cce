import Logging
import SkipperStore

/// LISTENs for enqueue notifications (waking the claim loop for this runner's queues, and
/// lowering its resume points to executions announced behind them) and for cancellations of
/// executions this runner holds, on a connection of its own.
struct Listener: Sendable {
    let connector: any StoreConnector
    let queues: Set<String>
    let lifecycle: WorkerLifecycle
    let wake: WakeSignal
    let resumePoints: ClaimResumePoints
    let cancellations: Cancellations
    let logger: Logger

    func run() async {
        let connection = ManagedConnection(connector: connector, role: "listen", logger: logger)
        var channels: Notifications.Channels?
        while !Task.isCancelled {
            do throws(StoreError) {
                let db = try await connection.get()
                if channels == nil || db.isBroken {
                    channels = try await Notifications.listen(on: db)
                    connection.succeeded()
                    resumePoints.setListening(true)
                    // Anything enqueued while we were not listening is found by one claim now.
                    wake.signal()
                }
                guard let channels,
                    let notification = try await Notifications.next(on: db, channels: channels, timeout: .seconds(60))
                else { continue }
                switch notification {
                case .wake(let queue) where queues.contains(queue):
                    wake.signal()
                case .ready(let probe, let before) where queues.contains(probe.queue):
                    resumePoints.lower(probe, to: before)
                    wake.signal()
                case .cancelled(let workerID, let executionID) where workerID == lifecycle.workerID:
                    cancellations.stop(executionID, workerID: workerID, learnedFrom: "notification")
                default:
                    break
                }
            } catch {
                channels = nil
                // Announcements may be missed from now on: claims keep the commit margin again.
                resumePoints.setListening(false)
                if Task.isCancelled { break }
                await connection.failed(error)
            }
        }
        await connection.close()
    }
}
