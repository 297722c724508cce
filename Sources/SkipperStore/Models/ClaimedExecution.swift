import Foundation
import PGClient

/// An execution this runner holds: what a handler needs to do the work.
public struct ClaimedExecution: Sendable {
    /// The execution's id.
    public var executionID: Int64
    /// The queue it came from.
    public var queue: String
    /// Which handler runs it.
    public var jobType: String
    /// Its priority.
    public var priority: Priority
    /// The handler's input, as JSON text.
    public var payload: String
    /// This attempt's number (1 for the first).
    public var attempt: Int
    /// Attempts allowed in all.
    public var maxAttempts: Int
    /// When it became claimable.
    public var runAt: Date
    /// The caller's idempotency key, if any.
    public var idempotencyKey: String?
    /// Its own timeout, if it has one.
    public var timeout: Duration?
    /// The enqueuer's W3C traceparent, if any.
    public var traceContext: String?
    /// The runner identity that claimed it (part of the fence).
    public var workerID: String
}

/// How a handler's attempt ended.
public enum ExecutionOutcome: Sendable {
    /// Success, with the result JSON (nil for none).
    case succeeded(result: String?)
    /// A failed attempt with the error text to record.
    case failed(error: String)
    /// Not run to the end because the runner is stopping: give it back without spending the attempt.
    case released
}
