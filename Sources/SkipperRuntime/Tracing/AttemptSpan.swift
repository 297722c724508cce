import Foundation
import Logging
import SkipperStore
import Synchronization
import Tracing

/// The span of one attempt: `<job_type> process`, kind consumer, a child of the trace context the
/// enqueuer stored (`trace_context`), with the OpenTelemetry messaging attributes. It ends when the
/// attempt's outcome is written (so a failure says whether a retry was scheduled, and when), or at
/// once when the attempt ends without one. With tracing off every call here does nothing.
struct AttemptSpan: Sendable {
    let span: any Span
    /// What the handler continues (its `TRACEPARENT`) and the log lines name: this span when
    /// tracing is on, else the enqueuer's context as stored.
    let traceParent: TraceParent?

    /// Starts the span of `execution`'s attempt with `tracer` (the bootstrapped one unless told).
    static func start(
        for execution: ClaimedExecution, tracer: any Tracer = InstrumentationSystem.tracer, now: Date = Date()
    ) -> AttemptSpan {
        let enqueuer = execution.traceContext.flatMap(TraceParent.init)
        let span = tracer.startSpan(
            "\(execution.jobType) process", context: enqueuer?.context(using: tracer) ?? .topLevel, ofKind: .consumer)
        if span.isRecording {
            let attributes: SpanAttributes = [
                "messaging.system": "skipper",
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "messaging.destination.name": .string(execution.queue),
                "messaging.message.id": .string(String(execution.executionID)),
                "skipper.job_type": .string(execution.jobType),
                "skipper.attempt": .int64(Int64(execution.attempt)),
                "skipper.max_attempts": .int64(Int64(execution.maxAttempts)),
                "skipper.worker_id": .string(execution.workerID),
                "skipper.priority": .string(execution.priority.description),
                "skipper.queue_wait_ms": .int64(Int64(max(0, now.timeIntervalSince(execution.runAt)) * 1000)),
            ]
            span.attributes = attributes
        }
        return AttemptSpan(span: span, traceParent: TraceParent(of: span.context, using: tracer) ?? enqueuer)
    }

    /// The execution as its handler sees it: `traceContext` is what it continues.
    func handlerView(of execution: ClaimedExecution) -> ClaimedExecution {
        var view = execution
        view.traceContext = traceParent?.value ?? execution.traceContext
        return view
    }

    /// `logger` with `trace_id` and `span_id`, when there is a trace.
    func annotate(_ logger: Logger) -> Logger {
        var logger = logger
        for (key, value) in traceParent?.logMetadata ?? [] { logger[metadataKey: key] = "\(value)" }
        return logger
    }

    /// The attempt ended: a failure sets the span's status to error with its text.
    func attemptEnded(_ outcome: ExecutionOutcome?) {
        guard span.isRecording else { return }
        switch outcome {
        case .failed(let error):
            span.setStatus(SpanStatus(code: .error, message: error))
        case .released:
            span.addEvent(SpanEvent(name: "released", attributes: ["skipper.reason": "runner stopping"]))
        case .succeeded, nil:
            break
        }
    }

    /// Ends the span of an attempt that has no outcome to write (cancelled, or its claim void).
    func endWithoutOutcome(reason: String) {
        span.addEvent(SpanEvent(name: "abandoned", attributes: ["skipper.reason": .string(reason)]))
        span.end()
    }

    /// Ends the span once the outcome was written: an event when a retry was scheduled (with its
    /// delay), or when the fence refused the outcome.
    func outcomeWritten(_ written: OutcomeWriter.Written) {
        switch written.status {
        case nil:
            span.addEvent(SpanEvent(name: "outcome refused by the fence", attributes: [:]))
        case .queued where written.retryIn != nil:
            span.addEvent(SpanEvent(name: "retry scheduled", attributes: [
                "skipper.retry.delay_ms": .int64(Int64((written.retryIn ?? 0) * 1000)),
                "skipper.retry.attempt": .int64(Int64(written.attempt + 1)),
            ]))
        default:
            break
        }
        span.end()
    }
}

/// The spans of attempts whose outcome is being written, by execution id; only those with a
/// trace are kept, so with tracing off and no stored trace contexts this stays empty.
final class AttemptSpans: Sendable {
    private let open = Mutex<[Int64: AttemptSpan]>([:])
    /// The bootstrapped tracer, looked up once: finding it in `InstrumentationSystem` casts every
    /// instrument to `any Tracer`, which costs more than a span when done per attempt.
    private let tracer: any Tracer

    init(tracer: any Tracer = InstrumentationSystem.tracer) {
        self.tracer = tracer
    }

    /// Starts the span of `execution`'s attempt.
    func start(for execution: ClaimedExecution) -> AttemptSpan {
        AttemptSpan.start(for: execution, tracer: tracer)
    }

    /// Keeps `span` until the outcome of `executionID` is written.
    func awaitOutcome(of executionID: Int64, _ span: AttemptSpan) {
        guard span.traceParent != nil else { return }
        open.withLock { $0[executionID] = span }
    }

    /// Ends the span of a written outcome and returns it (for the log line that reports it).
    @discardableResult
    func written(_ written: OutcomeWriter.Written) -> AttemptSpan? {
        guard let span = open.withLock({ $0.removeValue(forKey: written.executionID) }) else { return nil }
        span.outcomeWritten(written)
        return span
    }
}
