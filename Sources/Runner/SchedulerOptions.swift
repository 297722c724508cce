import ArgumentParser
import Logging
import SkipperCLI
import SkipperCommandHandlers
import SkipperRuntime
import SkipperStore

/// The scheduler's settings of `runner poll`.
struct SchedulerOptions: ParsableArguments {
    @Option(name: .customLong("scheduler-interval"), help: "How often the scheduler fires due schedules (SCHEDULER_INTERVAL). Default 1s.")
    var schedulerInterval: String?

    @Option(name: .customLong("enable-scheduler"), help: "Run the scheduler beside claiming (ENABLE_SCHEDULER). Default true; scheduler-only runners always run it.")
    var enableScheduler: String?

    @Option(name: .customLong("schedules"), help: "YAML file of recurring schedules, applied to the database at start (SCHEDULES_FILE).")
    var schedulesFile: String?

    /// What the options and the environment say.
    struct Resolved {
        /// Whether this runner runs a scheduler.
        var enabled: Bool
        var interval: Duration
        /// The schedules file's schedules, when one is set.
        var schedules: [ScheduleDefinition]?
    }

    func resolve(_ source: SettingsSource, mode: WorkerMode) throws(ConfigurationError) -> Resolved {
        let enabled = try source.read(Settings.enableScheduler, flag: enableScheduler) ?? true
        let interval = try source.read(Settings.schedulerInterval, flag: schedulerInterval) ?? .seconds(1)
        var schedules: [ScheduleDefinition]?
        if let path = try source.read(Settings.schedulesFile, flag: schedulesFile) {
            do {
                schedules = try SchedulesFile.load(path: path).definitions
            } catch {
                throw ConfigurationError(setting: Settings.schedulesFile.label, value: path, expected: "a valid schedules file: \(error.reason)")
            }
        }
        return Resolved(enabled: enabled || mode == .schedulerOnly, interval: interval, schedules: schedules)
    }

    /// Applies the schedules file to the database (declarative: file-managed schedules it no
    /// longer lists are deleted) and logs each change; warns about job types this runner has no
    /// handler for (another runner may serve them).
    static func apply(_ schedules: [ScheduleDefinition], handlers: HandlerRegistry, database: Database, logger: Logger) async throws {
        for schedule in schedules where !handlers.jobTypes.contains(schedule.jobType) {
            logger.warning("schedule's job type has no handler on this runner", metadata: [
                "schedule": "\(schedule.name)", LogKey.jobType: "\(schedule.jobType)",
            ])
        }
        let connection = try await database.connect(role: "schedules", logger: logger)
        let changes = try await ScheduleStore.sync(schedules, on: connection)
        await connection.close()
        for change in changes {
            logger.notice("schedules file applied", metadata: [
                LogKey.status: "\(LogStatus.schedulesApplied)", "schedule": "\(change.name)", "change": "\(change.change)",
            ])
        }
    }
}
