/// One range a claim reads: the queued executions of one queue, priority and job type.
package struct ClaimProbe: Hashable, Sendable {
    package var queue: String
    package var priority: Priority
    package var jobType: String

    package init(queue: String, priority: Priority, jobType: String) {
        self.queue = queue
        self.priority = priority
        self.jobType = jobType
    }
}

/// Where a probe's next claim resumes: only executions after this (run_at, execution_id) are
/// read (`p_after` of `claim_executions`, sql/functions.sql). run_at is in microseconds since
/// 1970, the server's own resolution, so a position goes back to the server exactly as it came.
package struct ResumePoint: Hashable, Sendable, Comparable {
    package var runAtMicroseconds: Int64
    package var executionID: Int64

    package init(runAtMicroseconds: Int64, executionID: Int64) {
        self.runAtMicroseconds = runAtMicroseconds
        self.executionID = executionID
    }

    /// The point just before an execution at this position: a claim resuming there reads it.
    package static func before(runAtMicroseconds: Int64, executionID: Int64) -> ResumePoint {
        ResumePoint(runAtMicroseconds: runAtMicroseconds, executionID: executionID - 1)
    }

    package static func < (lhs: ResumePoint, rhs: ResumePoint) -> Bool {
        (lhs.runAtMicroseconds, lhs.executionID) < (rhs.runAtMicroseconds, rhs.executionID)
    }
}

/// What one claim returned: the executions, in claim order, and where each probe that yielded
/// one resumes.
package struct ClaimBatch: Sendable {
    package var executions: [ClaimedExecution]
    package var resumePoints: [ClaimProbe: ResumePoint]
}
