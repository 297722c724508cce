/// Which kind of work a runner takes (WORKER_MODE).
public enum WorkerMode: String, Sendable, CaseIterable {
    /// Serves every priority with a small footprint (concurrency defaults lower); for small hosts.
    case thin
    /// Serves the configured queues, priorities and job types.
    case `default`
    /// Serves only the configured priorities (WORKER_PRIORITIES is required to narrow it).
    case specialized
    /// Serves only the configured job types (WORKER_JOB_TYPES is required).
    case jobSpecialized = "job-specialized"
    /// Claims nothing: it keeps a heartbeat and says so (reserved for the scheduler).
    case schedulerOnly = "scheduler-only"
}
