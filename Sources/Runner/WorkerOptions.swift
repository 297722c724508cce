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

    /// The worker configuration and handlers these options and the environment describe.
    func resolve(_ source: SettingsSource) throws(ConfigurationError) -> (WorkerConfiguration, HandlerRegistry, Int) {
        var configuration = WorkerConfiguration()
        if let text = source.value("WORKER_MODE", flag: mode) {
            guard let parsed = WorkerMode(rawValue: text.lowercased()) else {
                throw ConfigurationError(setting: "WORKER_MODE (--mode)", value: text,
                                         expected: WorkerMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            configuration.mode = parsed
        }
        if configuration.mode == .thin { configuration.concurrency = 2 }
        if let text = source.value("WORKER_CONCURRENCY", flag: maxJobs) {
            configuration.concurrency = try SettingParser.integer(text, setting: "WORKER_CONCURRENCY (--max-jobs)", range: 1...1000)
        }
        if let text = source.value("WORKER_PREFETCH", flag: prefetch) {
            configuration.prefetch = try SettingParser.integer(text, setting: "WORKER_PREFETCH (--prefetch)", range: 0...10_000)
        }
        let queueText = queueNames.isEmpty ? source.value("QUEUE_NAME") : queueNames.joined(separator: ",")
        if let queueText {
            let queues = SettingParser.list(queueText)
            guard !queues.isEmpty else {
                throw ConfigurationError(setting: "QUEUE_NAME (--queue-name)", value: queueText, expected: "one or more queue names")
            }
            configuration.queues = try SettingParser.names(queues, setting: "QUEUE_NAME (--queue-name)")
        }
        if let text = source.value("WORKER_PRIORITIES", flag: priorities) {
            configuration.priorities = try SettingParser.priorities(text, setting: "WORKER_PRIORITIES (--priorities)")
        } else if configuration.mode == .specialized {
            throw ConfigurationError(setting: "WORKER_PRIORITIES (--priorities)", value: "", expected: "the priorities a specialized runner serves")
        }
        if let text = source.value("WORKER_JOB_TYPES", flag: jobTypes) {
            configuration.jobTypes = try SettingParser.names(SettingParser.list(text), setting: "WORKER_JOB_TYPES (--job-types)")
        } else if configuration.mode == .jobSpecialized {
            throw ConfigurationError(setting: "WORKER_JOB_TYPES (--job-types)", value: "", expected: "the job types a job-specialized runner serves")
        }
        if let text = source.value("POLL_INTERVAL", flag: pollInterval) {
            configuration.pollInterval = try SettingParser.duration(text, setting: "POLL_INTERVAL (--poll-interval)")
        }
        if let text = source.value("HEARTBEAT_INTERVAL", flag: heartbeatInterval) {
            configuration.heartbeatInterval = try SettingParser.duration(text, setting: "HEARTBEAT_INTERVAL (--heartbeat-interval)")
        }
        if let text = source.value("JOB_TIMEOUT", flag: jobTimeout) {
            configuration.jobTimeout = try SettingParser.duration(text, setting: "JOB_TIMEOUT (--job-timeout)")
        }
        if let text = source.value("SHUTDOWN_GRACE", flag: shutdownGrace) {
            configuration.shutdownGrace = try SettingParser.duration(text, setting: "SHUTDOWN_GRACE (--shutdown-grace)", allowZero: true)
        }
        if let text = source.value("CANCEL_GRACE", flag: cancelGrace) {
            configuration.cancelGrace = try SettingParser.duration(text, setting: "CANCEL_GRACE (--cancel-grace)", allowZero: true)
        }
        if let text = source.value("STALE_THRESHOLD_MINUTES", flag: staleThresholdMinutes) {
            configuration.staleThreshold = try SettingParser.minutes(text, setting: "STALE_THRESHOLD_MINUTES (--stale-threshold-minutes)")
        }
        configuration.listenDatabase = try source.listenDatabase(flag: listenDatabaseURL)
        var port = 8000
        if let text = source.value("METRICS_PORT", flag: metricsPort) {
            port = try SettingParser.integer(text, setting: "METRICS_PORT (--metrics-port)", range: 0...65535)
        }
        var registry = HandlerRegistry()
        if let path = source.value("HANDLERS_FILE", flag: handlersFile) {
            let file: HandlersFile
            do {
                file = try HandlersFile.load(path: path)
            } catch {
                throw ConfigurationError(setting: "HANDLERS_FILE (--handlers)", value: path, expected: "a valid handlers file: \(error.reason)")
            }
            guard let guardPath = HandlerGuard.locate() else {
                throw ConfigurationError(
                    setting: "HANDLERS_FILE (--handlers)", value: path,
                    expected: "command handlers need \(HandlerGuard.executableName) installed beside runner (it ends handlers when their runner dies)")
            }
            for (jobType, definition) in file.definitions {
                registry.register(jobType, CommandHandler(
                    definition: definition, guardPath: guardPath, resultLimitBytes: configuration.resultLimitBytes,
                    errorTailBytes: configuration.errorTailBytes))
            }
        }
        return (configuration, registry, port)
    }
}
