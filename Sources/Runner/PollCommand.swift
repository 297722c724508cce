import ArgumentParser
import Logging
import ServiceLifecycle
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner poll`: the long-running worker, with its HTTP endpoint, metrics log line and systemd notifications.
struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Claim and run executions until SIGTERM or SIGINT (then finish or give back what runs, and exit 0).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var worker: WorkerOptions
    @OptionGroup var observability: ObservabilityOptions
    @OptionGroup var scheduling: SchedulerOptions

    func run() async throws {
        let context = try await common.prepare(label: "skipper.runner")
        let (configuration, handlers, port) = try usage { () throws(ConfigurationError) in try self.worker.resolve(context.source) }
        let http = try usage { () throws(ConfigurationError) in try observability.resolve(context.source) }
        let scheduler = try usage { () throws(ConfigurationError) in try scheduling.resolve(context.source, mode: configuration.mode) }
        let logger = context.logger
        let registry = HTTPEndpoint.bootstrapMetrics()
        let tracing = try usage { () throws(ConfigurationError) in
            try TracingBackend.bootstrap(serviceName: "skipper-runner", logger: logger)
        }
        if let schedules = scheduler.schedules {
            do {
                try await SchedulerOptions.apply(schedules, handlers: handlers, database: context.database, logger: logger)
            } catch {
                throw runtimeFailure(error, logger: logger)
            }
        }
        let systemd = SystemdNotifier()
        let metrics = WorkerMetrics(concurrency: configuration.concurrency)
        var observer = metrics.observer(
            onReady: { systemd.notify("READY=1") },
            onHeartbeat: { if systemd.watchdogInterval != nil { systemd.notify("WATCHDOG=1") } })
        observer.onStopping = { systemd.notify("STOPPING=1") }
        if let watchdog = systemd.watchdogInterval, watchdog < configuration.heartbeatInterval {
            logger.warning("WatchdogSec is shorter than twice HEARTBEAT_INTERVAL: systemd will kill a healthy runner", metadata: [
                "watchdog_ms": "\(watchdog.milliseconds * 2)", "heartbeat_interval_ms": "\(configuration.heartbeatInterval.milliseconds)",
            ])
        }
        let service = Worker(
            configuration: configuration, connector: context.database, handlers: handlers, logger: logger,
            observer: observer)
        let schedulerService = scheduler.enabled
            ? Scheduler(interval: scheduler.interval, connector: context.database, logger: logger) : nil
        // Shut down in reverse order: the worker first (it drains), the endpoint, then the span
        // exporter last (it flushes what the others ended).
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let tracing { services.append(.init(service: tracing)) }
        if port > 0 {
            let staleAfter = max(configuration.heartbeatInterval * 2, .seconds(5))
            services.append(.init(service: HTTPEndpoint.service(
                host: http.host, port: port, registry: registry, database: context.database, logger: logger,
                beforeScrape: { metrics.refreshGauges(heartbeatAge: service.heartbeatAge) },
                health: {
                    let age = service.heartbeatAge
                    var problems: [String] = []
                    if age > staleAfter.seconds { problems.append("heartbeat is \(Int(age)) s old") }
                    if service.isDeclaredDead { problems.append("declared dead; re-registering") }
                    var fields = [("worker_id", service.workerID), ("heartbeat_age_seconds", String(format: "%.1f", age)),
                                  ("active_jobs", String(service.activeJobs))]
                    if let schedulerService {
                        let passAge = schedulerService.lastPassAge
                        fields.append(("scheduler_last_pass_seconds_ago", passAge.map { String(format: "%.1f", $0) } ?? "never"))
                        if configuration.mode == .schedulerOnly, (passAge ?? .infinity) > max(schedulerService.interval.seconds * 5, staleAfter.seconds) {
                            problems.append(passAge == nil ? "the scheduler has not completed a pass" : "the scheduler's last pass was \(Int(passAge!)) s ago")
                        }
                    }
                    return HealthReport(fields: fields, problems: problems)
                })))
        }
        services.append(.init(service: QueueDepthSampler(
            connector: context.database, interval: http.depthInterval, logger: logger)))
        if let interval = http.logInterval {
            services.append(.init(service: MetricsLogLine(metrics: metrics, interval: interval, logger: logger)))
        }
        if let schedulerService { services.append(.init(service: schedulerService)) }
        services.append(.init(service: service))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw runtimeFailure(error, logger: logger)
        }
    }
}
