import Logging

/// Metadata keys of Skipper's structured log lines (stable: operators grep for them).
public enum LogKey {
    public static let status = "status"
    public static let executionID = "execution_id"
    public static let jobType = "job_type"
    public static let queue = "queue"
    public static let workerID = "worker_id"
    public static let attempt = "attempt"
    public static let durationMS = "duration_ms"
    public static let error = "error"
}

/// The `status` values of DESIGN §5, logged at the key moments.
public enum LogStatus {
    public static let starting = "starting"
    public static let checkingJobs = "checking_jobs"
    public static let jobClaimed = "job_claimed"
    public static let jobCompletedSuccess = "job_completed_success"
    public static let jobFailed = "job_failed"
    /// An operator cancelled the execution while it ran; its handler was stopped.
    public static let jobCancelled = "job_cancelled"
    /// Claims the database holds under this runner that it did not know of went back to the queue.
    public static let strandedReleased = "stranded_claims_released"
    public static let error = "error"
    public static let stopping = "stopping"
}
