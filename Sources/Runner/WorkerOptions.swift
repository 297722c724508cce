import ArgumentParser
import SkipperCLI
import SkipperCommandHandlers
import SkipperRuntime
import SkipperStore

/// The settings of a runner that claims work (`poll`, `run-once`).
struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("mode"), help: "thin, default, specialized, job-specialized or scheduler-only (WORKER_MODE).")
    var mode: String?

    @Option(name: .customLong("max-jobs"), help: "Handlers running at once (WORKER_CONCURRENCY). Default 10.")
    var maxJobs: String?

    @Option(name: .customLong("prefetch"), help: "Executions claimed ahead of free slots (WORKER_PREFETCH). Default 4 × concurrency; 0 = none.")
    var prefetch: String?

    @Option(name: .customLong("queue-name"), help: "Queue to serve; repeatable or a comma list (QUEUE_NAME). Default 'default'.")
    var queueNames: [String] = []

    @Option(name: .customLong("priorities"), help: "Comma list of high, normal, low (WORKER_PRIORITIES). Default all.")
    var priorities: String?

    @Option(name: .customLong("job-types"), help: "Comma list of job types to claim (WORKER_JOB_TYPES). Default: all with a handler.")
    var jobTypes: String?

    @Option(name: .customLong("poll-interval"), help: "Fallback poll when no notification comes (POLL_INTERVAL). Default 10s.")
    var pollInterval: String?

    @Option(name: .customLong("heartbeat-interval"), help: "Heartbeat period (HEARTBEAT_INTERVAL). Default 30s.")
    var heartbeatInterval: String?

    @Option(name: .customLong("job-timeout"), help: "Handler timeout unless the execution or handler has one (JOB_TIMEOUT). Default 5m.")
    var jobTimeout: String?

    @Option(name: .customLong("shutdown-grace"), help: "Time running handlers get after SIGTERM (SHUTDOWN_GRACE). Default 30s.")
    var shutdownGrace: String?

    @Option(name: .customLong("cancel-grace"), help: "Time a cancelled execution's handler gets after SIGTERM before SIGKILL (CANCEL_GRACE). Default 10s.")
    var cancelGrace: String?

    @Option(name: .customLong("handlers"), help: "YAML file mapping job types to commands (HANDLERS_FILE).")
    var handlersFile: String?

    @Option(name: .customLong("stale-threshold-minutes"), help: "Presume this runner dead after this long without a heartbeat (STALE_THRESHOLD_MINUTES). Default 2.")
    var staleThresholdMinutes: String?

    @Option(name: .customLong("metrics-port"), help: "Port of /metrics and /health; 0 turns it off (METRICS_PORT). Default 8000.")
    var metricsPort: String?

    @Option(name: .customLong("listen-database-url"), help: "Where LISTEN connects, e.g. directly to PostgreSQL behind a transaction-mode PgBouncer (LISTEN_DATABASE_URL). Default DATABASE_URL.")
    var listenDatabaseURL: String?

    /// The worker configuration and handlers these options and the environment describe, and
    /// the HTTP endpoint's port.
    func resolve(_ source: SettingsSource) throws(ConfigurationError) -> (WorkerConfiguration, HandlerRegistry, Int) {
        var configuration = WorkerConfiguration()
        if let value = try source.read(Settings.mode, flag: mode) { configuration.mode = value }
        if configuration.mode == .thin { configuration.concurrency = 2 }
        if let value = try source.read(Settings.concurrency, flag: maxJobs) { configuration.concurrency = value }
        if let value = try source.read(Settings.prefetch, flag: prefetch) { configuration.prefetch = value }
        let queueFlag = queueNames.isEmpty ? nil : queueNames.joined(separator: ",")
        if let value = try source.read(Settings.queues, flag: queueFlag) { configuration.queues = value }
        if let value = try source.read(Settings.priorities, flag: priorities) {
            configuration.priorities = value
        } else if configuration.mode == .specialized {
            throw ConfigurationError(setting: Settings.priorities.label, value: "", expected: "the priorities a specialized runner serves")
        }
        if let value = try source.read(Settings.jobTypes, flag: jobTypes) {
            configuration.jobTypes = value
        } else if configuration.mode == .jobSpecialized {
            throw ConfigurationError(setting: Settings.jobTypes.label, value: "", expected: "the job types a job-specialized runner serves")
        }
        if let value = try source.read(Settings.pollInterval, flag: pollInterval) { configuration.pollInterval = value }
        if let value = try source.read(Settings.heartbeatInterval, flag: heartbeatInterval) { configuration.heartbeatInterval = value }
        if let value = try source.read(Settings.jobTimeout, flag: jobTimeout) { configuration.jobTimeout = value }
        if let value = try source.read(Settings.shutdownGrace, flag: shutdownGrace) { configuration.shutdownGrace = value }
        if let value = try source.read(Settings.cancelGrace, flag: cancelGrace) { configuration.cancelGrace = value }
        if let value = try source.read(Settings.staleThreshold, flag: staleThresholdMinutes) { configuration.staleThreshold = value }
        configuration.listenDatabase = try source.listenDatabase(flag: listenDatabaseURL)
        let port = try source.read(Settings.metricsPort, flag: metricsPort) ?? 8000
        var registry = HandlerRegistry()
        if let path = try source.read(Settings.handlersFile, flag: handlersFile) {
            for (jobType, handler) in try commandHandlers(path: path, configuration: configuration) {
                registry.register(jobType, handler)
            }
        }
        return (configuration, registry, port)
    }

    /// The command handlers of a handlers file, each started through the guard beside `runner`.
    private func commandHandlers(path: String, configuration: WorkerConfiguration) throws(ConfigurationError) -> [(String, CommandHandler)] {
        let file: HandlersFile
        do {
            file = try HandlersFile.load(path: path)
        } catch {
            throw ConfigurationError(setting: Settings.handlersFile.label, value: path, expected: "a valid handlers file: \(error.reason)")
        }
        guard let guardPath = HandlerGuard.locate() else {
            throw ConfigurationError(
                setting: Settings.handlersFile.label, value: path,
                expected: "command handlers need \(HandlerGuard.executableName) installed beside runner (it ends handlers when their runner dies)")
        }
        return file.definitions.map { jobType, definition in
            (jobType, CommandHandler(
                definition: definition, guardPath: guardPath, resultLimitBytes: configuration.resultLimitBytes,
                errorTailBytes: configuration.errorTailBytes))
        }
    }
}
