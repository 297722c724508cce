/// Metadata keys of Skipper's structured log lines (stable: operators grep for them).
package enum LogKey {
    package static let status = "status"
    package static let executionID = "execution_id"
    package static let jobType = "job_type"
    package static let queue = "queue"
    package static let workerID = "worker_id"
    package static let attempt = "attempt"
    package static let durationMS = "duration_ms"
    package static let error = "error"
    package static let connection = "connection"
    /// The W3C trace id of the execution's trace (the attempt's span when tracing is on).
    package static let traceID = "trace_id"
    /// The span id: the attempt's span, or the enqueuer's when tracing is off.
    package static let spanID = "span_id"
}

/// Every `status` value a Skipper log line carries (DESIGN §5 and the ones added since), in
/// one place: docs/operations.md lists them, and operators alert on them.
package enum LogStatus {
    // The worker's life.
    package static let starting = "starting"
    package static let registered = "registered"
    package static let reregistering = "reregistering"
    package static let stopping = "stopping"
    package static let stopped = "stopped"
    /// The listener does not run (a transaction-mode pooler without LISTEN_DATABASE_URL).
    package static let notListening = "not_listening"
    package static let metrics = "metrics"

    // One execution.
    package static let checkingJobs = "checking_jobs"
    package static let jobClaimed = "job_claimed"
    package static let jobCompletedSuccess = "job_completed_success"
    package static let jobFailed = "job_failed"
    /// An operator cancelled the execution while it ran; its handler was stopped.
    package static let jobCancelled = "job_cancelled"
    /// Its handler was not started or was stopped because this runner may have been declared dead.
    package static let abandoned = "abandoned"
    /// Given back at shutdown without its attempt counted.
    package static let released = "released"
    /// The fence refused an outcome: the execution was rescued, cancelled or re-claimed meanwhile.
    package static let outcomeRefused = "outcome_refused"
    /// Claims the database holds under this runner that it did not know of went back to the queue.
    package static let strandedReleased = "stranded_claims_released"

    // The database.
    package static let error = "error"
    package static let reconnected = "reconnected"
    package static let migrated = "migrated"
    /// `runner migrate` kept the SQL API of a newer version.
    package static let kept = "kept"

    // cleanup-daemon.
    package static let workerReaped = "worker_reaped"
    package static let passComplete = "pass_complete"
    package static let thresholdTooTight = "threshold_too_tight"

    // The scheduler.
    /// A schedule's slot fired (its execution enqueued).
    package static let scheduleFired = "schedule_fired"
    /// A schedule's cron or time zone cannot be read: it does not fire until fixed.
    package static let scheduleProblem = "schedule_problem"
    /// Slots missed while no scheduler ran that its catch-up policy does not fire.
    package static let scheduleSlotsDropped = "schedule_slots_dropped"
    /// The schedules file was applied at start (each change).
    package static let schedulesApplied = "schedules_applied"

    // Tracing.
    /// Spans were dropped (export queue full, or the collector failed or was too slow); at most one a minute.
    package static let spansDropped = "spans_dropped"

    /// Every status, for the documentation test.
    package static let all = [starting, registered, reregistering, stopping, stopped, notListening, metrics, checkingJobs, jobClaimed, jobCompletedSuccess, jobFailed, jobCancelled, abandoned, released, outcomeRefused, strandedReleased, error, reconnected, migrated, kept, workerReaped, passComplete, thresholdTooTight, scheduleFired, scheduleProblem, scheduleSlotsDropped, schedulesApplied, spansDropped]
}

/// Every metric name Skipper exports, in one place (docs/operations.md lists them).
package enum MetricName {
    // runner
    package static let jobsClaimed = "jobs_claimed_total"
    package static let jobsSucceeded = "jobs_succeeded_total"
    package static let jobsFailed = "jobs_failed_total"
    package static let jobsReleased = "jobs_released_total"
    package static let jobsCancelled = "jobs_cancelled_total"
    package static let jobLatency = "job_latency_ms"
    package static let queueWait = "queue_wait_ms"
    package static let activeJobs = "active_jobs"
    package static let workerUtilization = "worker_utilization"
    package static let heartbeatAge = "heartbeat_age_seconds"
    package static let queueDepth = "queue_depth"
    package static let queueOldestReady = "queue_oldest_ready_seconds"
    // both
    package static let databaseErrors = "database_errors_total"
    // cleanup-daemon
    package static let workersReaped = "workers_reaped_total"
    package static let executionsRescued = "executions_rescued_total"
    package static let idempotencyRecordsDeleted = "idempotency_records_deleted_total"
    package static let executionsPruned = "executions_pruned_total"
    package static let reaperPasses = "reaper_passes_total"

    /// Every metric name, for the documentation test.
    package static let schedulesFired = "schedules_fired_total"
    package static let scheduleLag = "schedule_lag_seconds"
    // both, with tracing on
    package static let spansDropped = "otel_spans_dropped_total"

    package static let all = [jobsClaimed, jobsSucceeded, jobsFailed, jobsReleased, jobsCancelled, jobLatency, queueWait, activeJobs, workerUtilization, heartbeatAge, queueDepth, queueOldestReady, databaseErrors, workersReaped, executionsRescued, idempotencyRecordsDeleted, executionsPruned, reaperPasses, schedulesFired, scheduleLag, spansDropped]
}
