import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SkipperCLI
import SkipperRuntime
import SkipperStore
import Synchronization

/// `cleanup-daemon`: rescues the executions of dead runners and keeps history tidy.
@main
struct CleanupDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup-daemon",
        abstract: "Declare runners with stale heartbeats dead, rescue their executions, and prune old records.",
        discussion: """
            Several daemons may run at once. Settings come from flags, then the environment, then --env-file. \
            Retentions take a duration (24h, 7d, 30 days) or 'off'. Exit codes: 0 ok (--once: one pass done); \
            1 runtime failure; 64 invalid configuration.
            """,
        version: SkipperVersion.description)

    @OptionGroup var common: CommonOptions
    @OptionGroup var observability: ObservabilityOptions

    @Option(name: .customLong("stale-threshold-minutes"), help: "A runner silent this long is dead (STALE_THRESHOLD_MINUTES; decimals allowed). Default 2.")
    var staleThresholdMinutes: String?

    @Option(name: .customLong("check-interval"), help: "Seconds between passes, or a duration (CHECK_INTERVAL). Default 60.")
    var checkInterval: String?

    @Option(name: .customLong("idempotency-retention"), help: "Delete idempotency records older than this (IDEMPOTENCY_RETENTION). Default 24h.")
    var idempotencyRetention: String?

    @Option(name: .customLong("completed-retention"), help: "Delete completed/cancelled executions older than this (COMPLETED_RETENTION). Default 7d.")
    var completedRetention: String?

    @Option(name: .customLong("failed-retention"), help: "Delete failed executions older than this (FAILED_RETENTION). Default 30d.")
    var failedRetention: String?

    @Option(name: .customLong("worker-retention"), help: "Delete stopped/dead worker rows older than this (WORKER_RETENTION). Default 7d.")
    var workerRetention: String?

    @Option(name: .customLong("housekeeping-interval"), help: "Time between housekeeping runs (HOUSEKEEPING_INTERVAL). Default 10m.")
    var housekeepingInterval: String?

    @Option(name: .customLong("metrics-port"), help: "Port of /metrics and /health; 0 turns it off (CLEANUP_METRICS_PORT). Default 8100.")
    var metricsPort: String?

    @Flag(help: "Run one pass (with housekeeping), then exit 0. For cron.")
    var once = false

    static func main() async {
        await runRootCommand(Self.self)
    }

    func run() async throws {
        let context = try await common.prepare(label: "skipper.cleanup")
        let (configuration, port) = try usage { () throws(ConfigurationError) in try resolve(context.source) }
        let http = try usage { () throws(ConfigurationError) in try observability.resolve(context.source) }
        let registry = HTTPEndpoint.bootstrapMetrics()
        let tracing = try usage { () throws(ConfigurationError) in
            try TracingBackend.bootstrap(serviceName: "skipper-cleanup-daemon", logger: context.logger)
        }
        let systemd = SystemdNotifier()
        let lastPass = Mutex(ContinuousClock.now)
        var observer = ReaperObserver()
        observer.onReady = { systemd.notify("READY=1") }
        observer.onStopping = { systemd.notify("STOPPING=1") }
        observer.onPass = { _ in
            lastPass.withLock { $0 = .now }
            if systemd.watchdogInterval != nil { systemd.notify("WATCHDOG=1") }
        }
        let reaper = Reaper(
            configuration: configuration, connector: context.database, logger: context.logger, observer: observer)
        if once {
            try await TracingBackend.withExporter(tracing, logger: context.logger) {
                do {
                    let connection = try await context.database.connect(role: "reaper", logger: context.logger)
                    _ = try await reaper.pass(on: connection, housekeeping: true)
                    await connection.close()
                } catch {
                    throw runtimeFailure(error, logger: context.logger)
                }
            }
            return
        }
        // The span exporter first, so that it stops last and flushes the last pass's span.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let tracing { services.append(.init(service: tracing)) }
        if port > 0 {
            let staleAfter = configuration.checkInterval * 3 + .seconds(10)
            services.append(.init(service: HTTPEndpoint.service(
                host: http.host, port: port, registry: registry, database: context.database, logger: context.logger,
                health: {
                    let age = (ContinuousClock.now - lastPass.withLock { $0 }).seconds
                    return HealthReport(
                        fields: [("last_pass_age_seconds", String(format: "%.1f", age))],
                        problems: age > staleAfter.seconds ? ["no pass for \(Int(age)) s"] : [])
                })))
        }
        services.append(.init(service: QueueDepthSampler(
            connector: context.database, interval: http.depthInterval, logger: context.logger)))
        services.append(.init(service: reaper))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: context.logger))
        do {
            try await group.run()
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }

    private func resolve(_ source: SettingsSource) throws(ConfigurationError) -> (ReaperConfiguration, Int) {
        var configuration = ReaperConfiguration()
        if let value = try source.read(Settings.staleThreshold, flag: staleThresholdMinutes) { configuration.staleThreshold = value }
        if let value = try source.read(Settings.checkInterval, flag: checkInterval) { configuration.checkInterval = value }
        if let value = try source.read(Settings.idempotencyRetention, flag: idempotencyRetention) { configuration.idempotencyRetention = value }
        if let value = try source.read(Settings.completedRetention, flag: completedRetention) { configuration.completedRetention = value }
        if let value = try source.read(Settings.failedRetention, flag: failedRetention) { configuration.failedRetention = value }
        if let value = try source.read(Settings.workerRetention, flag: workerRetention) { configuration.workerRetention = value }
        if let value = try source.read(Settings.housekeepingInterval, flag: housekeepingInterval) { configuration.housekeepingInterval = value }
        let port = try source.read(Settings.cleanupMetricsPort, flag: metricsPort) ?? 8100
        return (configuration, port)
    }
}
