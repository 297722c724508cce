import SkipperStore
import Tracing

/// The cleanup daemon's span of a pass that rescued executions: `skipper rescue`, an event per
/// rescued execution and a link to each one's trace, so the trace of a job whose runner died shows
/// where it went. Passes that rescue nothing make no span.
enum RescueSpan {
    static func record(_ rescued: [ReaperStore.Rescued], deadWorkers: Int, startedAt: DefaultTracerClock.Instant) {
        guard !rescued.isEmpty else { return }
        let span = InstrumentationSystem.tracer.startSpan("skipper rescue", context: .topLevel, ofKind: .internal, at: startedAt)
        guard span.isRecording else { return span.end() }
        span.attributes["messaging.system"] = "skipper"
        span.attributes["skipper.executions_rescued"] = rescued.count
        span.attributes["skipper.workers_reaped"] = deadWorkers
        for execution in rescued {
            let attributes: SpanAttributes = [
                "messaging.message.id": .string(String(execution.executionID)),
                "messaging.destination.name": .string(execution.queue),
                "skipper.job_type": .string(execution.jobType),
                "skipper.attempt": .int64(Int64(execution.attempt)),
                "skipper.worker_id": .string(execution.workerID ?? "(none)"),
                "skipper.new_status": .string(execution.status.rawValue),
            ]
            span.addEvent(SpanEvent(name: "execution rescued", attributes: attributes))
            if let parent = execution.traceContext.flatMap(TraceParent.init) {
                span.addLink(SpanLink(context: parent.context(), attributes: attributes))
            }
        }
        span.end()
    }
}
