import Tracing

/// The exporting tracer, except while ``CollectorPause`` says the collector is failing: then a
/// span is not recorded (it is counted as dropped) and stands for its parent's context, so a
/// handler's `TRACEPARENT` and the log lines name the enqueuer's trace as with tracing off.
struct PausingTracer<Base: Tracer>: Tracer {
    let base: Base
    let pause: CollectorPause
    let tally: SpanDropReporter.Tally
    private let reason: String

    init(base: Base, pause: CollectorPause, tally: SpanDropReporter.Tally) {
        self.base = base
        self.pause = pause
        self.tally = tally
        reason = "not recorded for \(pause.interval.seconds) s after an export failed"
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> PausingSpan<Base.Span> {
        if pause.isPaused {
            tally.dropped(1, reason: reason)
            return .skipped(NoOpTracer.NoOpSpan(context: context()))
        }
        return .recording(base.startSpan(
            operationName, context: context(), ofKind: kind, at: instant(), function: function, file: fileID, line: line))
    }

    func forceFlush() {}

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        base.extract(carrier, into: &context, using: extractor)
    }

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        base.inject(context, into: &carrier, using: injector)
    }
}

/// A span of ``PausingTracer``: the exporter's, or a no-op one while recording is paused.
enum PausingSpan<Recording: Span>: Span {
    case recording(Recording)
    case skipped(NoOpTracer.NoOpSpan)

    private var span: any Span {
        switch self {
        case .recording(let span): span
        case .skipped(let span): span
        }
    }

    var context: ServiceContext { span.context }
    var isRecording: Bool { span.isRecording }
    var operationName: String {
        get { span.operationName }
        nonmutating set { span.operationName = newValue }
    }
    var attributes: SpanAttributes {
        get { span.attributes }
        nonmutating set { span.attributes = newValue }
    }

    func setStatus(_ status: SpanStatus) { span.setStatus(status) }
    func addEvent(_ event: SpanEvent) { span.addEvent(event) }
    func addLink(_ link: SpanLink) { span.addLink(link) }
    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        span.recordError(error, attributes: attributes, at: instant())
    }
    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) { span.end(at: instant()) }
}
