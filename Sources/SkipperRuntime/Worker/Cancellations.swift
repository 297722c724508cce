import Logging

/// Stops the handler of an execution an operator cancelled, if this runner runs it: SIGTERM
/// (or task cancellation for an in-process handler), then SIGKILL after CANCEL_GRACE. Both the
/// listener (a notification) and the heartbeat (its check, for a missed one) call it.
struct Cancellations: Sendable {
    let ledger: ClaimLedger
    let watchdog: DeadlineWatchdog
    let grace: Duration
    let logger: Logger

    func stop(_ executionID: Int64, workerID: String, learnedFrom source: String) {
        guard case .running(let control) = ledger.cancel(executionID), !control.isStopRequested else { return }
        logger.notice("execution cancelled: stopping its handler", metadata: [
            LogKey.status: "\(LogStatus.jobCancelled)", LogKey.executionID: "\(executionID)", LogKey.workerID: "\(workerID)",
            "grace_ms": "\(grace.milliseconds)", "learned_from": "\(source)",
        ])
        if control.requestStop() {
            watchdog.schedule(at: .now + grace) { control.forceStop() }
        } else {
            control.forceStop()
        }
    }
}
