import SkipperStore
import Tracing

/// The producer span of an enqueue (`<job_type> send`, or `skipper send` for a batch), whose
/// context is stored as the executions' `trace_context` so that each attempt's span is its child.
public struct EnqueueSpan: Sendable {
    private let span: any Span

    /// Starts the span, a child of `parent` (a W3C traceparent) when one is given.
    public init(name: String, queue: String?, count: Int, parent: String?) {
        let context = parent.flatMap(TraceParent.init)?.context() ?? .topLevel
        span = InstrumentationSystem.tracer.startSpan(name, context: context, ofKind: .producer)
        guard span.isRecording else { return }
        var attributes: SpanAttributes = [
            "messaging.system": "skipper", "messaging.operation.type": "send", "messaging.operation.name": "send",
        ]
        if let queue { attributes["messaging.destination.name"] = queue }
        if count > 1 { attributes["messaging.batch.message_count"] = count }
        span.attributes = attributes
    }

    /// What to store as `trace_context`: this span, or `fallback` (what was given) when tracing is off.
    public func traceContext(or fallback: String?) -> String? {
        TraceParent(of: span.context)?.value ?? fallback
    }

    /// Ends the span with the ids enqueued, or the error that stopped it.
    public func end(ids: [Int64], error: (any Error)? = nil) {
        if let error {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: "\(error)"))
        } else if ids.count == 1 {
            span.attributes["messaging.message.id"] = String(ids[0])
        }
        span.end()
    }
}
