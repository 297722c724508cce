import Logging
import SkipperStore

/// Every setting of `runner` and `cleanup-daemon`: the one place each is named and parsed.
/// The README's configuration table lists each of them (a test checks it), and the options
/// structs declare their flags with the help text.
public enum Settings {
    // Both executables.
    public static let databaseURL: Setting<String> = .text("DATABASE_URL", flag: "--database-url")
    public static let pgbouncer = Setting("PGBOUNCER", flag: "--pgbouncer") { text, label throws(ConfigurationError) -> Bool in
        switch text.lowercased() {
        case "off", "session": return false
        case "transaction": return true
        default: throw ConfigurationError(setting: label, value: text, expected: "off, session or transaction (PgBouncer's pool_mode)")
        }
    }
    public static let logLevel = Setting("LOG_LEVEL", flag: "--log-level") { text, label throws(ConfigurationError) -> Logger.Level in
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError(setting: label, value: text, expected: "one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
    public static let logFormat = Setting("LOG_FORMAT", flag: "--log-format") { text, label throws(ConfigurationError) -> StructuredLogHandler.Format in
        guard let format = StructuredLogHandler.Format(rawValue: text.lowercased()) else {
            throw ConfigurationError(setting: label, value: text, expected: "logfmt or json")
        }
        return format
    }
    public static let metricsHost: Setting<String> = .text("METRICS_HOST", flag: "--metrics-host")
    public static let metricsLogInterval: Setting<Duration> = .duration("METRICS_LOG_INTERVAL", flag: "--metrics-log-interval", allowZero: true)
    public static let queueDepthInterval: Setting<Duration> = .duration("QUEUE_DEPTH_INTERVAL", flag: "--queue-depth-interval")
    public static let staleThreshold = Setting("STALE_THRESHOLD_MINUTES", flag: "--stale-threshold-minutes") { text, label throws(ConfigurationError) in
        try SettingParser.minutes(text, setting: label)
    }

    // The runner.
    public static let mode = Setting("WORKER_MODE", flag: "--mode") { text, label throws(ConfigurationError) -> WorkerMode in
        guard let mode = WorkerMode(rawValue: text.lowercased()) else {
            throw ConfigurationError(setting: label, value: text, expected: WorkerMode.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return mode
    }
    public static let concurrency: Setting<Int> = .integer("WORKER_CONCURRENCY", flag: "--max-jobs", range: 1...1000)
    public static let prefetch: Setting<Int> = .integer("WORKER_PREFETCH", flag: "--prefetch", range: 0...10_000)
    public static let queues = Setting("QUEUE_NAME", flag: "--queue-name") { text, label throws(ConfigurationError) -> [String] in
        let queues = SettingParser.list(text)
        guard !queues.isEmpty else { throw ConfigurationError(setting: label, value: text, expected: "one or more queue names") }
        return try SettingParser.names(queues, setting: label)
    }
    public static let priorities = Setting("WORKER_PRIORITIES", flag: "--priorities") { text, label throws(ConfigurationError) in
        try SettingParser.priorities(text, setting: label)
    }
    public static let jobTypes = Setting("WORKER_JOB_TYPES", flag: "--job-types") { text, label throws(ConfigurationError) in
        try SettingParser.names(SettingParser.list(text), setting: label)
    }
    public static let pollInterval: Setting<Duration> = .duration("POLL_INTERVAL", flag: "--poll-interval")
    public static let heartbeatInterval: Setting<Duration> = .duration("HEARTBEAT_INTERVAL", flag: "--heartbeat-interval")
    public static let jobTimeout: Setting<Duration> = .duration("JOB_TIMEOUT", flag: "--job-timeout")
    public static let shutdownGrace: Setting<Duration> = .duration("SHUTDOWN_GRACE", flag: "--shutdown-grace", allowZero: true)
    public static let cancelGrace: Setting<Duration> = .duration("CANCEL_GRACE", flag: "--cancel-grace", allowZero: true)
    public static let handlersFile: Setting<String> = .text("HANDLERS_FILE", flag: "--handlers")
    public static let metricsPort: Setting<Int> = .integer("METRICS_PORT", flag: "--metrics-port", range: 0...65535)
    public static let listenDatabaseURL: Setting<String> = .text("LISTEN_DATABASE_URL", flag: "--listen-database-url")
    public static let schedulerInterval: Setting<Duration> = .duration("SCHEDULER_INTERVAL", flag: "--scheduler-interval")
    public static let enableScheduler = Setting("ENABLE_SCHEDULER", flag: "--enable-scheduler") { text, label throws(ConfigurationError) -> Bool in
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError(setting: label, value: text, expected: "true or false")
        }
    }
    public static let schedulesFile: Setting<String> = .text("SCHEDULES_FILE", flag: "--schedules")
    /// `runner enqueue`: retries after the first attempt, when `--max-attempts` is not given.
    public static let maxRetries: Setting<Int> = .integer("MAX_RETRIES", flag: "--max-retries", range: 0...1000)

    // cleanup-daemon.
    public static let checkInterval: Setting<Duration> = .duration("CHECK_INTERVAL", flag: "--check-interval")
    public static let idempotencyRetention: Setting<Duration?> = .retention("IDEMPOTENCY_RETENTION", flag: "--idempotency-retention")
    public static let completedRetention: Setting<Duration?> = .retention("COMPLETED_RETENTION", flag: "--completed-retention")
    public static let failedRetention: Setting<Duration?> = .retention("FAILED_RETENTION", flag: "--failed-retention")
    public static let workerRetention: Setting<Duration?> = .retention("WORKER_RETENTION", flag: "--worker-retention")
    public static let housekeepingInterval: Setting<Duration> = .duration("HOUSEKEEPING_INTERVAL", flag: "--housekeeping-interval")
    public static let cleanupMetricsPort: Setting<Int> = .integer("CLEANUP_METRICS_PORT", flag: "--metrics-port", range: 0...65535)

    /// Every setting, for the documentation test.
    public static let all: [any NamedSetting] = [
        databaseURL, pgbouncer, logLevel, logFormat, metricsHost, metricsLogInterval, queueDepthInterval, staleThreshold,
        mode, concurrency, prefetch, queues, priorities, jobTypes, pollInterval, heartbeatInterval, jobTimeout,
        shutdownGrace, cancelGrace, handlersFile, metricsPort, listenDatabaseURL, maxRetries,
        schedulerInterval, enableScheduler, schedulesFile,
        checkInterval, idempotencyRetention, completedRetention, failedRetention, workerRetention, housekeepingInterval,
        cleanupMetricsPort,
    ]
}
