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
            return PausingSpan(skippedWithin: context())
        }
        return PausingSpan(recording: base.startSpan(
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

/// A span of ``PausingTracer``: the exporter's (`recording`), or, while recording is paused, none
/// and only the parent's context.
struct PausingSpan<Recording: Span>: Span {
    /// The exporter's span; nil when it was not recorded.
    let recording: Recording?
    private let parent: ServiceContext

    init(recording: Recording) {
        self.recording = recording
        parent = recording.context
    }

    init(skippedWithin parent: ServiceContext) {
        recording = nil
        self.parent = parent
    }

    var context: ServiceContext { recording?.context ?? parent }
    var isRecording: Bool { recording?.isRecording ?? false }
    var operationName: String {
        get { recording?.operationName ?? "" }
        nonmutating set { recording?.operationName = newValue }
    }
    var attributes: SpanAttributes {
        get { recording?.attributes ?? [:] }
        nonmutating set { recording?.attributes = newValue }
    }

    func setStatus(_ status: SpanStatus) { recording?.setStatus(status) }
    func addEvent(_ event: SpanEvent) { recording?.addEvent(event) }
    func addLink(_ link: SpanLink) { recording?.addLink(link) }
    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        recording?.recordError(error, attributes: attributes, at: instant())
    }
    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) { recording?.end(at: instant()) }
}
