/// Where an execution is in its life (`executions.status`).
public enum ExecutionStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Waiting for its run_at, or ready to be claimed.
    case queued
    /// Claimed by a runner (`worker_id`), its handler running or about to.
    case running
    /// Its handler succeeded.
    case completed
    /// Its last attempt failed.
    case failed
    /// An operator cancelled it.
    case cancelled

    public var description: String { rawValue }
}

/// What a runner's row in `worker_heartbeats` says about it.
public enum WorkerStatus: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Alive and claiming.
    case running
    /// Shutting down: no new claims.
    case stopping
    /// Exited cleanly.
    case stopped
    /// Declared dead by the reaper; its executions were rescued.
    case dead

    public var description: String { rawValue }
}
