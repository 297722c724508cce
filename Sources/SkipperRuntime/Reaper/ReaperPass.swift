import Logging
import Metrics
import SkipperStore
import Tracing

/// One pass of the reaper, one step per function: declare stale runners dead, rescue the
/// executions of dead ones, log each reaped runner, warn about a threshold that is too tight,
/// housekeeping, and count it all.
public struct ReaperPass: Sendable {
    /// What one pass did.
    public struct Summary: Sendable, Equatable {
        public var workersReaped = 0
        public var executionsRequeued = 0
        public var executionsFailed = 0
        public var idempotencyRecordsDeleted = 0
        public var executionsPruned = 0
        public var workersPruned = 0
    }

    let configuration: ReaperConfiguration
    let connection: StoreConnection
    let logger: Logger

    /// Rescued executions of one runner.
    private struct Rescues {
        var requeued = 0
        var failed = 0
    }

    func run(housekeeping: Bool) async throws(StoreError) -> Summary {
        var summary = Summary()
        let started = DefaultTracerClock.now
        let dead = try await markStaleWorkersDead()
        summary.workersReaped = dead.count
        let (rescues, rescued) = try await rescueOrphans()
        RescueSpan.record(rescued, deadWorkers: dead.count, startedAt: started)
        for workerID in Set(dead.keys).union(rescues.keys).sorted() {
            let counts = rescues[workerID] ?? Rescues()
            summary.executionsRequeued += counts.requeued
            summary.executionsFailed += counts.failed
            try await logReaped(workerID, newlyDead: dead[workerID], counts: counts)
        }
        try await warnIfThresholdTooTight()
        if housekeeping { try await tidy(into: &summary) }
        count(summary)
        logger.info("pass done", metadata: [
            LogKey.status: "\(LogStatus.passComplete)", "workers_reaped": "\(summary.workersReaped)",
            "executions_requeued": "\(summary.executionsRequeued)", "executions_failed": "\(summary.executionsFailed)",
            "idempotency_records_deleted": "\(summary.idempotencyRecordsDeleted)",
            "executions_pruned": "\(summary.executionsPruned)", "workers_pruned": "\(summary.workersPruned)",
            "housekeeping": "\(housekeeping)",
        ])
        return summary
    }

    /// Every runner with a stale heartbeat, marked dead in batches.
    private func markStaleWorkersDead() async throws(StoreError) -> [String: ReaperStore.DeadWorker] {
        var dead: [String: ReaperStore.DeadWorker] = [:]
        while true {
            let batch = try await ReaperStore.markStaleWorkersDead(
                threshold: configuration.staleThreshold, limit: configuration.batchSize, on: connection)
            for worker in batch { dead[worker.workerID] = worker }
            if batch.count < configuration.batchSize { return dead }
        }
    }

    /// Every orphaned running execution rescued in batches, counted per runner ("(none)" for
    /// executions whose runner has no row).
    private func rescueOrphans() async throws(StoreError) -> ([String: Rescues], [ReaperStore.Rescued]) {
        var perWorker: [String: Rescues] = [:]
        var all: [ReaperStore.Rescued] = []
        while true {
            let batch = try await ReaperStore.rescueOrphans(
                threshold: configuration.staleThreshold, limit: configuration.batchSize, on: connection)
            all += batch
            for rescued in batch {
                let key = rescued.workerID ?? "(none)"
                if rescued.status == .failed { perWorker[key, default: Rescues()].failed += 1 } else { perWorker[key, default: Rescues()].requeued += 1 }
            }
            if batch.count < configuration.batchSize { return (perWorker, all) }
        }
    }

    private func logReaped(_ workerID: String, newlyDead: ReaperStore.DeadWorker?, counts: Rescues) async throws(StoreError) {
        var facts = newlyDead
        if facts == nil, workerID != "(none)" { facts = try await ReaperStore.workerFacts(workerID, on: connection) }
        logger.warning("worker reaped", metadata: [
            LogKey.status: "\(LogStatus.workerReaped)", LogKey.workerID: "\(workerID)", "hostname": "\(facts?.hostname ?? "unknown")",
            "seconds_since_heartbeat": "\(facts.map { String(Int($0.secondsSinceHeartbeat)) } ?? "unknown")",
            "executions_requeued": "\(counts.requeued)", "executions_failed": "\(counts.failed)",
            "newly_declared_dead": "\(newlyDead != nil)",
        ])
    }

    private func warnIfThresholdTooTight() async throws(StoreError) {
        guard let interval = try await ReaperStore.longestLiveHeartbeatInterval(on: connection),
            configuration.staleThreshold.seconds < 2 * interval
        else { return }
        logger.warning("stale threshold is less than twice the heartbeat interval of live runners: slow runners will be declared dead", metadata: [
            LogKey.status: "\(LogStatus.thresholdTooTight)", "stale_threshold_s": "\(configuration.staleThreshold.seconds)",
            "heartbeat_interval_s": "\(interval)",
        ])
    }

    /// Deletes old idempotency records, finished executions and worker rows (each retention can be off).
    private func tidy(into summary: inout Summary) async throws(StoreError) {
        if let retention = configuration.idempotencyRetention {
            summary.idempotencyRecordsDeleted = try await QueueClient.cleanupIdempotencyRecords(olderThan: retention, on: connection)
        }
        let prunes: [([ExecutionStatus], Duration?)] = [
            ([.completed, .cancelled], configuration.completedRetention), ([.failed], configuration.failedRetention),
        ]
        for (statuses, retention) in prunes {
            guard let retention else { continue }
            while true {
                let deleted = try await ReaperStore.pruneFinished(
                    statuses: statuses, olderThan: retention, limit: configuration.batchSize, on: connection)
                summary.executionsPruned += deleted
                if deleted < configuration.batchSize || Task.isCancelled { break }
            }
        }
        if let retention = configuration.workerRetention {
            summary.workersPruned = try await ReaperStore.pruneWorkers(olderThan: retention, on: connection)
        }
    }

    private func count(_ summary: Summary) {
        Counter(label: MetricName.workersReaped).increment(by: summary.workersReaped)
        Counter(label: MetricName.executionsRescued, dimensions: [("outcome", "requeued")]).increment(by: summary.executionsRequeued)
        Counter(label: MetricName.executionsRescued, dimensions: [("outcome", "failed")]).increment(by: summary.executionsFailed)
        Counter(label: MetricName.idempotencyRecordsDeleted).increment(by: summary.idempotencyRecordsDeleted)
        Counter(label: MetricName.executionsPruned).increment(by: summary.executionsPruned)
        Counter(label: MetricName.reaperPasses).increment()
    }
}
