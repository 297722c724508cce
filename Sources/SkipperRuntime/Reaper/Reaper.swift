import Logging
import ServiceLifecycle
import SkipperStore

/// `cleanup-daemon`'s loop: every CHECK_INTERVAL, one ``ReaperPass`` (declare runners with stale
/// heartbeats dead, rescue their running executions, and on its own interval housekeeping).
/// Survives database restarts (logs the outage, retries with backoff) and ends between passes
/// on graceful shutdown.
public final class Reaper: Service, Sendable {
    /// What it reaps and keeps, and how often.
    public let configuration: ReaperConfiguration
    private let connector: any StoreConnector
    private let logger: Logger
    private let observer: ReaperObserver
    private let clock: any RuntimeClock

    public init(
        configuration: ReaperConfiguration, connector: any StoreConnector, logger: Logger,
        observer: ReaperObserver = ReaperObserver(), clock: any RuntimeClock = SystemClock()
    ) {
        self.configuration = configuration
        self.connector = connector
        self.logger = logger
        self.observer = observer
        self.clock = clock
    }

    public func run() async throws {
        logger.info("cleanup daemon starting", metadata: [
            LogKey.status: "\(LogStatus.starting)", "stale_threshold_s": "\(configuration.staleThreshold.seconds)",
            "check_interval_s": "\(configuration.checkInterval.seconds)", "database": "\(connector)",
        ])
        let connection = ManagedConnection(connector: connector, role: "reaper", logger: logger)
        var lastHousekeeping: ContinuousClock.Instant?
        var announcedReady = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let housekeeping = lastHousekeeping.map { clock.now - $0 >= configuration.housekeepingInterval } ?? true
            do throws(StoreError) {
                let db = try await connection.get()
                if !announcedReady {
                    announcedReady = true
                    observer.onReady()
                }
                _ = try await pass(on: db, housekeeping: housekeeping)
                connection.succeeded()
                if housekeeping { lastHousekeeping = clock.now }
            } catch {
                await connection.failed(error, cap: min(configuration.checkInterval, .seconds(10)))
                continue
            }
            guard await pauseBetweenRounds(configuration.checkInterval) else { break }
        }
        observer.onStopping()
        await connection.close()
        logger.notice("cleanup daemon stopped", metadata: [LogKey.status: "\(LogStatus.stopped)"])
    }

    /// One pass: reap, rescue, and (when asked) housekeeping. Used by the loop and by `--once`.
    public func pass(on db: StoreConnection, housekeeping: Bool) async throws(StoreError) -> ReaperPass.Summary {
        let summary = try await ReaperPass(configuration: configuration, connection: db, logger: logger).run(housekeeping: housekeeping)
        observer.onPass(summary)
        return summary
    }
}

/// Hooks for metrics and readiness (systemd READY=1).
public struct ReaperObserver: Sendable {
    public var onReady: @Sendable () -> Void = {}
    public var onPass: @Sendable (ReaperPass.Summary) -> Void = { _ in }
    public var onStopping: @Sendable () -> Void = {}
    public init() {}
}
