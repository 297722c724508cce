import ArgumentParser
import Foundation
import Logging
import SkipperRuntime
import SkipperStore

/// Options every subcommand of both executables takes.
public struct CommonOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("database-url"), help: "libpq URL or conninfo string (DATABASE_URL). Required.")
    public var databaseURL: String?

    @Option(name: .customLong("pgbouncer"), help: "off, session or transaction: the pool_mode of a PgBouncer on DATABASE_URL (PGBOUNCER). Default off.")
    public var pgbouncer: String?

    @Option(name: .customLong("env-file"), help: "A file of NAME=value lines read after the environment.")
    public var envFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (LOG_LEVEL). Default info.")
    public var logLevel: String?

    @Option(name: .customLong("log-format"), help: "logfmt or json (LOG_FORMAT). Default logfmt.")
    public var logFormat: String?

    /// What a subcommand works with once its settings were checked.
    public struct Context: Sendable {
        public var source: SettingsSource
        public var database: Database
        public var logger: Logger
    }

    /// Reads and checks the shared settings, then installs logging. Nothing here touches the database.
    public func prepare(label: String) async throws -> Context {
        let source = try await usage { () async throws(ConfigurationError) in try await SettingsSource(envFile: envFile) }
        let level = try usage { () throws(ConfigurationError) in try source.read(Settings.logLevel, flag: logLevel) ?? .info }
        let format = try usage { () throws(ConfigurationError) in try source.read(Settings.logFormat, flag: logFormat) ?? .logfmt }
        let database = try usage { () throws(ConfigurationError) in
            try source.database(flag: databaseURL, pgbouncerFlag: pgbouncer)
        }
        LoggingBootstrap.once(level: level, format: format)
        return Context(source: source, database: database, logger: Logger(label: label))
    }
}

/// Logging is bootstrapped once per process.
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false  // only touched from main before any task starts

    static func once(level: Logger.Level, format: StructuredLogHandler.Format) {
        guard !done else { return }
        done = true
        StructuredLogHandler.bootstrap(level: level, format: format)
    }
}

/// Exit codes of `runner` and `cleanup-daemon` (documented in the README).
public enum RunnerExit {
    /// Success (run-once: the execution completed).
    public static let ok: Int32 = 0
    /// A runtime failure: the database could not be reached or refused a statement.
    public static let failure: Int32 = 1
    /// run-once: the attempt failed (it is queued again or failed for good). retry/cancel: nothing to do in that state.
    public static let attemptFailed: Int32 = 3
    /// run-once: there was nothing to do. retry/cancel: no such execution.
    public static let nothingToDo: Int32 = 4
    /// Invalid configuration or usage (EX_USAGE).
    public static let usage: Int32 = 64
}

/// Runs a settings check; an invalid setting prints its message and exits with the usage code.
public func usage<T>(_ body: () throws(ConfigurationError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(RunnerExit.usage)
    }
}

public func usage<T>(_ body: () async throws(ConfigurationError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(RunnerExit.usage)
    }
}

/// Prints a runtime error (never a password or the target: ``StoreError`` carries neither) and exits 1.
public func runtimeFailure(_ error: any Error, logger: Logger) -> ExitCode {
    if let exit = error as? ExitCode { return exit }
    logger.error("failed", metadata: [LogKey.status: "\(LogStatus.error)", LogKey.error: "\(error)"])
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(RunnerExit.failure)
}
