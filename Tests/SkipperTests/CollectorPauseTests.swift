import Logging
@testable import SkipperCLI
import Synchronization
import Testing
import Tracing

/// The lines a logger was given, for the assertions about swift-otel's diagnostics.
private final class LogLines: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(lines: self) }
    }

    struct Handler: LogHandler {
        let lines: LogLines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { $1 }.map { "\($0)=\($1)" }.sorted()
            lines.lines.withLock { $0.append(([event.message.description] + fields).joined(separator: " ")) }
        }
    }
}

private enum RequestID: ServiceContextKey {
    typealias Value = String
}

@Suite("tracing: pause after a failed export")
struct CollectorPauseTests {
    @Test func aFailedExportPausesRecordingForTheInterval() async throws {
        let long = CollectorPause(interval: .seconds(30))
        #expect(!long.isPaused)
        long.exportFailed()
        #expect(long.isPaused)

        let short = CollectorPause(interval: .milliseconds(50))
        short.exportFailed()
        try await Task.sleep(for: .milliseconds(300))
        #expect(!short.isPaused)
    }

    @Test func theReportersFailedBatchLinePausesAndIsCounted() {
        let lines = LogLines()
        let pause = CollectorPause(interval: .seconds(30))
        let reporter = Logger(label: "otel") { _ in
            SpanDropReporter(tally: SpanDropReporter.Tally(logger: lines.logger), pause: pause)
        }
        reporter.debug("Exported batch.", metadata: ["batch_size": "12"])
        #expect(!pause.isPaused)
        reporter.warning("Failed to export batch.", metadata: ["batch_size": "512", "error": "timed out"])
        #expect(pause.isPaused)
        let warnings = lines.lines.withLock { $0 }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("spans=512") == true, "\(warnings)")
    }

    @Test func whilePausedASpanIsNotRecordedAndStandsForItsParent() throws {
        let lines = LogLines()
        let pause = CollectorPause(interval: .seconds(30))
        let tracer = PausingTracer(base: NoOpTracer(), pause: pause, tally: SpanDropReporter.Tally(logger: lines.logger))
        var parent = ServiceContext.topLevel
        parent[RequestID.self] = "request-7"

        #expect(tracer.startSpan("noop process", context: parent, ofKind: .consumer).recording != nil,
                "a span before any failed export is the exporter's")
        pause.exportFailed()
        let skipped = tracer.startSpan("noop process", context: parent, ofKind: .consumer)
        #expect(skipped.recording == nil, "a span while paused is not recorded")
        #expect(!skipped.isRecording)
        #expect(skipped.context[RequestID.self] == "request-7")
        let warnings = lines.lines.withLock { $0 }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("after an export failed") == true, "\(warnings)")
    }
}
