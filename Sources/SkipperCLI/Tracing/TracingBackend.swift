import Foundation
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Tracing, configured only by the standard OpenTelemetry environment (read by swift-otel):
/// on when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, off when
/// neither is, or `OTEL_TRACES_EXPORTER=none`, or `OTEL_SDK_DISABLED=true`. Off, nothing is
/// bootstrapped: spans are swift-distributed-tracing's no-ops and handlers get the enqueuer's
/// traceparent as stored. On, spans go in batches over OTLP/HTTP (protobuf, or JSON with
/// `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) from a bounded queue; an export that takes longer than
/// a second is given up (counted as dropped), so shutdown flushes within about a second; after a
/// failed export no span is recorded for 5 s (each counted as dropped), so a collector that is
/// down or hanging costs the runner almost nothing.
public enum TracingBackend {
    /// Whether the environment turns tracing on.
    public static func isEnabled(in environment: [String: String]) -> Bool {
        let exporter = environment["OTEL_TRACES_EXPORTER"]?.lowercased()
        if exporter == "none" || environment["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return false }
        return [environment["OTEL_EXPORTER_OTLP_ENDPOINT"], environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]]
            .contains { !($0 ?? "").isEmpty }
    }

    /// Bootstraps the process's tracer from the environment when tracing is on, and returns the
    /// service that exports its spans (run it first in the service group, so that it stops last
    /// and flushes what the others ended); nil when tracing is off.
    /// - Parameter serviceName: `service.name` unless `OTEL_SERVICE_NAME` says otherwise.
    /// - Throws: ``ConfigurationError`` naming the OTEL_ setting swift-otel could not accept.
    public static func bootstrap(
        serviceName: String, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> (any Service)? {
        guard isEnabled(in: environment) else { return nil }
        let protocolName = environment["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? environment["OTEL_EXPORTER_OTLP_PROTOCOL"]
        if let protocolName, !["http/protobuf", "http/json"].contains(protocolName) {
            throw ConfigurationError(
                setting: "OTEL_EXPORTER_OTLP_PROTOCOL", value: protocolName,
                expected: "http/protobuf or http/json (this build exports over OTLP/HTTP; gRPC is not built in)")
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.batchSpanProcessor.exportTimeout = .seconds(1)
        // OpenTelemetry's defaults (2,048 / 512) are sized for a service's requests; a runner ends
        // thousands of spans a second, and one batch is in flight at a time.
        configuration.traces.batchSpanProcessor.maxQueueSize = 8192
        configuration.traces.batchSpanProcessor.maxExportBatchSize = 2048
        configuration.traces.otlpExporter.timeout = .seconds(1)
        let tally = SpanDropReporter.Tally(logger: logger)
        let pause = CollectorPause()
        configuration.diagnosticLogger = .custom(Logger(label: "skipper.otel") { _ in
            SpanDropReporter(tally: tally, pause: pause)
        })
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(PausingTracer(base: backend.factory, pause: pause, tally: tally))
            return backend.service
        } catch {
            throw ConfigurationError(setting: "OTEL_* (tracing)", value: "\(error)", expected: "a configuration swift-otel accepts")
        }
    }

    /// Runs `body` with `service` (the exporter of ``bootstrap(serviceName:logger:environment:)``)
    /// running beside it, then stops the service so that it flushes: for one-shot commands.
    public static func withExporter<T: Sendable>(
        _ service: (any Service)?, logger: Logger, _ body: () async throws -> T
    ) async throws -> T {
        guard let service else { return try await body() }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            let result: T
            do {
                result = try await body()
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}
