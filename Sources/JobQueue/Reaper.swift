import Logging
import Metrics
import PGClient
import ServiceLifecycle

/// `cleanup-daemon`'s loop: every CHECK_INTERVAL, declare runners with stale heartbeats dead and
/// rescue their running executions ('Worker died unexpectedly'); on its own interval, delete old
/// idempotency records, finished executions and worker rows. Survives database restarts (logs
/// the outage, retries with backoff) and ends between passes on graceful shutdown.
public final class Reaper: Service, Sendable {
    public let configuration: ReaperConfiguration
    private let connectionString: PGConnectionString
    private let logger: Logger
    private let observer: ReaperObserver

    public init(configuration: ReaperConfiguration, connectionString: PGConnectionString, logger: Logger,
                observer: ReaperObserver = ReaperObserver()) {
        self.configuration = configuration
        self.connectionString = connectionString
        self.logger = logger
        self.observer = observer
    }

    /// What one pass did.
    public struct PassSummary: Sendable, Equatable {
        public var workersReaped = 0
        public var executionsRequeued = 0
        public var executionsFailed = 0
        public var idempotencyRecordsDeleted = 0
        public var executionsPruned = 0
        public var workersPruned = 0
    }

    public func run() async throws {
        logger.info("cleanup daemon starting", metadata: [
            LogKey.status: "\(LogStatus.starting)", "stale_threshold_s": "\(configuration.staleThreshold.seconds)",
            "check_interval_s": "\(configuration.checkInterval.seconds)", "database": "\(connectionString.redacted)",
        ])
        let connection = ManagedConnection(connectionString: connectionString, role: "reaper", logger: logger)
        var lastHousekeeping: ContinuousClock.Instant?
        var announcedReady = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let housekeeping = lastHousekeeping.map { ContinuousClock.now - $0 >= configuration.housekeepingInterval } ?? true
            do {
                let db = try await connection.get()
                if !announcedReady {
                    announcedReady = true
                    observer.onReady()
                }
                _ = try await pass(on: db, housekeeping: housekeeping)
                connection.succeeded()
                if housekeeping { lastHousekeeping = .now }
            } catch {
                await connection.failed(error, cap: min(configuration.checkInterval, .seconds(10)))
                continue
            }
            guard await pauseBetweenRounds(configuration.checkInterval) else { break }
        }
        observer.onStopping()
        await connection.close()
        logger.notice("cleanup daemon stopped", metadata: [LogKey.status: "stopped"])
    }

    /// One pass: reap, rescue, and (when asked) housekeeping. Used by the loop and by `--once`.
    public func pass(on db: PGConnection, housekeeping: Bool) async throws -> PassSummary {
        var summary = PassSummary()
        var dead: [String: ReaperStore.DeadWorker] = [:]
        while true {
            let batch = try await ReaperStore.markStaleWorkersDead(
                threshold: configuration.staleThreshold, limit: configuration.batchSize, on: db)
            for worker in batch { dead[worker.workerID] = worker }
            if batch.count < configuration.batchSize { break }
        }
        summary.workersReaped = dead.count
        var perWorker: [String: (requeued: Int, failed: Int)] = [:]
        while true {
            let batch = try await ReaperStore.rescueOrphans(
                threshold: configuration.staleThreshold, limit: configuration.batchSize, on: db)
            for rescued in batch {
                let key = rescued.workerID ?? "(none)"
                var counts = perWorker[key] ?? (0, 0)
                if rescued.status == "failed" { counts.failed += 1 } else { counts.requeued += 1 }
                perWorker[key] = counts
            }
            if batch.count < configuration.batchSize { break }
        }
        for workerID in Set(dead.keys).union(perWorker.keys).sorted() {
            let counts = perWorker[workerID] ?? (0, 0)
            summary.executionsRequeued += counts.requeued
            summary.executionsFailed += counts.failed
            var facts = dead[workerID]
            if facts == nil, workerID != "(none)" { facts = try await ReaperStore.workerFacts(workerID, on: db) }
            logger.warning("worker reaped", metadata: [
                LogKey.status: "worker_reaped", LogKey.workerID: "\(workerID)", "hostname": "\(facts?.hostname ?? "unknown")",
                "seconds_since_heartbeat": "\(facts.map { Int($0.secondsSinceHeartbeat) }.map(String.init) ?? "unknown")",
                "executions_requeued": "\(counts.requeued)", "executions_failed": "\(counts.failed)",
                "newly_declared_dead": "\(dead[workerID] != nil)",
            ])
        }
        if let interval = try await ReaperStore.longestLiveHeartbeatInterval(on: db),
            configuration.staleThreshold.seconds < 2 * interval
        {
            logger.warning("stale threshold is less than twice the heartbeat interval of live runners: slow runners will be declared dead", metadata: [
                LogKey.status: "threshold_too_tight", "stale_threshold_s": "\(configuration.staleThreshold.seconds)",
                "heartbeat_interval_s": "\(interval)",
            ])
        }
        if housekeeping { try await tidy(on: db, into: &summary) }
        Counter(label: "workers_reaped_total").increment(by: summary.workersReaped)
        Counter(label: "executions_rescued_total", dimensions: [("outcome", "requeued")]).increment(by: summary.executionsRequeued)
        Counter(label: "executions_rescued_total", dimensions: [("outcome", "failed")]).increment(by: summary.executionsFailed)
        Counter(label: "idempotency_records_deleted_total").increment(by: summary.idempotencyRecordsDeleted)
        Counter(label: "executions_pruned_total").increment(by: summary.executionsPruned)
        Counter(label: "reaper_passes_total").increment()
        observer.onPass(summary)
        logger.info("pass done", metadata: [
            LogKey.status: "pass_complete", "workers_reaped": "\(summary.workersReaped)",
            "executions_requeued": "\(summary.executionsRequeued)", "executions_failed": "\(summary.executionsFailed)",
            "idempotency_records_deleted": "\(summary.idempotencyRecordsDeleted)",
            "executions_pruned": "\(summary.executionsPruned)", "workers_pruned": "\(summary.workersPruned)",
            "housekeeping": "\(housekeeping)",
        ])
        return summary
    }

    private func tidy(on db: PGConnection, into summary: inout PassSummary) async throws {
        if let retention = configuration.idempotencyRetention {
            summary.idempotencyRecordsDeleted = try await QueueClient.cleanupIdempotencyRecords(olderThan: retention, on: db)
        }
        let prunes: [([String], Duration?)] = [
            (["completed", "cancelled"], configuration.completedRetention), (["failed"], configuration.failedRetention),
        ]
        for (statuses, retention) in prunes {
            guard let retention else { continue }
            while true {
                let deleted = try await ReaperStore.pruneFinished(
                    statuses: statuses, olderThan: retention, limit: configuration.batchSize, on: db)
                summary.executionsPruned += deleted
                if deleted < configuration.batchSize || Task.isCancelled { break }
            }
        }
        if let retention = configuration.workerRetention {
            summary.workersPruned = try await ReaperStore.pruneWorkers(olderThan: retention, on: db)
        }
    }
}

/// Hooks for metrics and readiness (systemd READY=1).
public struct ReaperObserver: Sendable {
    public var onReady: @Sendable () -> Void = {}
    public var onPass: @Sendable (Reaper.PassSummary) -> Void = { _ in }
    public var onStopping: @Sendable () -> Void = {}
    public init() {}
}
