import SkipperStore
import Synchronization

/// What a runner knows it holds in the database: every execution it claimed under its current
/// worker id whose outcome is not yet written (running, prefetched, or waiting for the outcome
/// writer), and the attempts running now.
///
/// Two checks read it. Stranded claims: rows `running` under this worker that are not held here
/// were claimed by a statement whose reply was lost, and go back to the queue
/// (``ExecutionStore/releaseStranded(workerID:held:on:)``). Cancellations: an operator's cancel
/// names an execution, and the ledger finds the attempt to stop.
final class ClaimLedger: Sendable {
    /// Where a cancelled execution is in this runner.
    enum CancelTarget {
        /// Its handler runs: stop it through this control.
        case running(AttemptControl)
        /// Claimed (prefetched) and not started: it will not start.
        case notStarted
        /// Not held here (another runner's, or already finished).
        case notHeld
    }

    private struct State {
        var held: [Int64: Int] = [:]
        var running: [Int64: AttemptControl] = [:]
        var cancelledBeforeStart: Set<Int64> = []
    }

    private let state = Mutex(State())

    /// Executions a claim returned.
    func claimed(_ executions: some Sequence<ClaimedExecution>) {
        state.withLock { state in
            for execution in executions { state.held[execution.executionID] = execution.attempt }
        }
    }

    /// The ids held now.
    var heldIDs: [Int64] { state.withLock { Array($0.held.keys) } }

    /// How many executions are held now.
    var heldCount: Int { state.withLock { $0.held.count } }

    /// The attempt is no longer this runner's to write: its outcome was written or refused, or it
    /// was dropped (cancelled, abandoned).
    func finished(_ executionID: Int64, attempt: Int) {
        state.withLock { state in
            if state.held[executionID] == attempt { state.held[executionID] = nil }
            state.cancelledBeforeStart.remove(executionID)
        }
    }

    /// Forgets everything (the runner registered under a new worker id; the old one's rows are the reaper's).
    func forgetAll() {
        state.withLock { $0 = State() }
    }

    /// Records that the execution's handler starts under `control`. - Returns: false when the
    /// execution was cancelled before it started (it must not start).
    func starting(_ executionID: Int64, control: AttemptControl) -> Bool {
        state.withLock { state in
            if state.cancelledBeforeStart.remove(executionID) != nil { return false }
            state.running[executionID] = control
            return true
        }
    }

    /// The execution's handler ended.
    func ended(_ executionID: Int64) {
        state.withLock { _ = $0.running.removeValue(forKey: executionID) }
    }

    /// Finds a cancelled execution.
    func cancel(_ executionID: Int64) -> CancelTarget {
        state.withLock { state in
            guard state.held[executionID] != nil else { return .notHeld }
            if let control = state.running[executionID] { return .running(control) }
            state.cancelledBeforeStart.insert(executionID)
            return .notStarted
        }
    }
}
