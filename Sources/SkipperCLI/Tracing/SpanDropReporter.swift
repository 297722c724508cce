import Logging
import Metrics
import SkipperRuntime
import Synchronization

/// The log handler of swift-otel's own diagnostics. It turns what matters to an operator into
/// Skipper's terms: spans lost (the export queue was full, or a batch failed or timed out) are
/// counted in `otel_spans_dropped_total`, and at most one warning a minute (`status=spans_dropped`)
/// says how many and why, so a collector that is down never floods the runner's log. A failed
/// export also pauses recording (``CollectorPause``).
struct SpanDropReporter: LogHandler {
    /// What the reporter has seen since its last warning; shared by every copy of the handler.
    final class Tally: Sendable {
        private struct State {
            var dropped = 0
            var lastReason = ""
            var lastWarning: ContinuousClock.Instant?
        }

        private let state = Mutex(State())
        private let counter: Counter
        let logger: Logger
        let interval: Duration

        init(logger: Logger, interval: Duration = .seconds(60)) {
            self.logger = logger
            self.interval = interval
            // Exposed from the start (at 0), so that a rate alert has a series to read.
            counter = Counter(label: MetricName.spansDropped)
            counter.increment(by: 0)
        }

        func dropped(_ count: Int, reason: String) {
            counter.increment(by: count)
            let report: (Int, String)? = state.withLock { state in
                state.dropped += count
                state.lastReason = reason
                let now = ContinuousClock.now
                if let last = state.lastWarning, now - last < interval { return nil }
                state.lastWarning = now
                defer { state.dropped = 0 }
                return (state.dropped, state.lastReason)
            }
            if let (count, reason) = report {
                logger.warning("trace spans dropped", metadata: [
                    LogKey.status: "\(LogStatus.spansDropped)", "spans": "\(count)", "reason": "\(reason)",
                    "next_warning_in_s": "\(interval.seconds)",
                ])
            }
        }
    }

    let tally: Tally
    /// Paused after every failed export.
    let pause: CollectorPause
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .warning else { return }
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }
        let message = event.message.description
        if message.hasPrefix("Spans were dropped"), let count = fields["dropped_count"].flatMap({ Int("\($0)") }) {
            tally.dropped(count, reason: "the export queue was full (OTEL_BSP_MAX_QUEUE_SIZE)")
        } else if message.hasPrefix("Failed to export batch"), let count = fields["batch_size"].flatMap({ Int("\($0)") }) {
            pause.exportFailed()
            let cause = event.error.map { "\($0)" } ?? fields["error"].map { "\($0)" } ?? "unknown"
            tally.dropped(count, reason: "the collector did not take a batch: \(cause)")
        }
    }
}
