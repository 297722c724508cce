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
    public static let connection = "connection"
}

/// Every `status` value a Skipper log line carries (DESIGN §5 and the ones added since), in
/// one place: docs/operations.md lists them, and operators alert on them.
public enum LogStatus {
    // The worker's life.
    public static let starting = "starting"
    public static let registered = "registered"
    public static let reregistering = "reregistering"
    public static let stopping = "stopping"
    public static let stopped = "stopped"
    /// The listener does not run (a transaction-mode pooler without LISTEN_DATABASE_URL).
    public static let notListening = "not_listening"
    public static let metrics = "metrics"

    // One execution.
    public static let checkingJobs = "checking_jobs"
    public static let jobClaimed = "job_claimed"
    public static let jobCompletedSuccess = "job_completed_success"
    public static let jobFailed = "job_failed"
    /// An operator cancelled the execution while it ran; its handler was stopped.
    public static let jobCancelled = "job_cancelled"
    /// Its handler was not started or was stopped because this runner may have been declared dead.
    public static let abandoned = "abandoned"
    /// Given back at shutdown without its attempt counted.
    public static let released = "released"
    /// The fence refused an outcome: the execution was rescued, cancelled or re-claimed meanwhile.
    public static let outcomeRefused = "outcome_refused"
    /// Claims the database holds under this runner that it did not know of went back to the queue.
    public static let strandedReleased = "stranded_claims_released"

    // The database.
    public static let error = "error"
    public static let reconnected = "reconnected"
    public static let migrated = "migrated"
    /// `runner migrate` kept the SQL API of a newer version.
    public static let kept = "kept"

    // cleanup-daemon.
    public static let workerReaped = "worker_reaped"
    public static let passComplete = "pass_complete"
    public static let thresholdTooTight = "threshold_too_tight"
}

/// Every metric name Skipper exports, in one place (docs/operations.md lists them).
public enum MetricName {
    // runner
    public static let jobsClaimed = "jobs_claimed_total"
    public static let jobsSucceeded = "jobs_succeeded_total"
    public static let jobsFailed = "jobs_failed_total"
    public static let jobsReleased = "jobs_released_total"
    public static let jobsCancelled = "jobs_cancelled_total"
    public static let jobLatency = "job_latency_ms"
    public static let queueWait = "queue_wait_ms"
    public static let activeJobs = "active_jobs"
    public static let workerUtilization = "worker_utilization"
    public static let heartbeatAge = "heartbeat_age_seconds"
    public static let queueDepth = "queue_depth"
    public static let queueOldestReady = "queue_oldest_ready_seconds"
    // both
    public static let databaseErrors = "database_errors_total"
    // cleanup-daemon
    public static let workersReaped = "workers_reaped_total"
    public static let executionsRescued = "executions_rescued_total"
    public static let idempotencyRecordsDeleted = "idempotency_records_deleted_total"
    public static let executionsPruned = "executions_pruned_total"
    public static let reaperPasses = "reaper_passes_total"
}
