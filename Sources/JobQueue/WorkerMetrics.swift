import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The runner's numbers: swift-metrics instruments (exported by whatever backend the executable
/// bootstraps, Prometheus in `runner`) and running totals for the periodic metrics log line.
///
/// Labels are few and bounded (queue, job_type); queue depth is not counted here but read from
/// SQL by ``QueueDepthSampler``, since no one process sees every enqueue and completion.
public final class WorkerMetrics: Sendable {
    private struct Totals {
        var processed = 0
        var completed = 0
        var failed = 0
        var released = 0
        var totalDuration: Duration = .zero
        var active = 0
    }

    private let totals = Mutex(Totals())
    private let concurrency: Int
    private let started = ContinuousClock.now
    private let activeGauge = Gauge(label: "active_jobs")
    private let utilizationGauge = Gauge(label: "worker_utilization")
    private let heartbeatAgeGauge = Gauge(label: "heartbeat_age_seconds")
    private let lastHeartbeat = Mutex(ContinuousClock.now)

    public init(concurrency: Int) {
        self.concurrency = concurrency
    }

    /// An observer that feeds these metrics (combine it with others through ``WorkerObserver``).
    public func observer(onReady: @escaping @Sendable () -> Void = {}, onHeartbeat: @escaping @Sendable () -> Void = {}) -> WorkerObserver {
        var observer = WorkerObserver()
        observer.onReady = onReady
        observer.onClaimed = { [self] executions in
            for execution in executions {
                let dimensions = [("queue", execution.queue), ("job_type", execution.jobType)]
                Counter(label: "jobs_claimed_total", dimensions: dimensions).increment()
                let waited = max(0, Date().timeIntervalSince(execution.runAt) * 1000)
                Recorder(label: "queue_wait_ms", dimensions: [("queue", execution.queue)], aggregate: true).record(waited)
            }
            let active = totals.withLock { totals in
                totals.active += executions.count
                return totals.active
            }
            setActive(active)
        }
        observer.onFinished = { [self] execution, outcome, duration in
            let dimensions = [("queue", execution.queue), ("job_type", execution.jobType)]
            let active: Int = totals.withLock { totals in
                totals.active -= 1
                switch outcome {
                case .succeeded:
                    totals.processed += 1
                    totals.completed += 1
                    totals.totalDuration += duration
                case .failed:
                    totals.processed += 1
                    totals.failed += 1
                    totals.totalDuration += duration
                case .released:
                    totals.released += 1
                }
                return totals.active
            }
            switch outcome {
            case .succeeded: Counter(label: "jobs_succeeded_total", dimensions: dimensions).increment()
            case .failed: Counter(label: "jobs_failed_total", dimensions: dimensions).increment()
            case .released: Counter(label: "jobs_released_total", dimensions: dimensions).increment()
            }
            if case .released = outcome {} else {
                Recorder(label: "job_latency_ms", dimensions: [("job_type", execution.jobType)], aggregate: true)
                    .record(Double(duration.milliseconds))
            }
            setActive(active)
        }
        observer.onHeartbeat = { [self] in
            lastHeartbeat.withLock { $0 = .now }
            heartbeatAgeGauge.record(0)
            onHeartbeat()
        }
        return observer
    }

    private func setActive(_ active: Int) {
        activeGauge.record(max(active, 0))
        utilizationGauge.record(Double(max(active, 0)) / Double(max(concurrency, 1)))
    }

    /// Seconds since the last successful heartbeat.
    public var heartbeatAge: Double {
        (ContinuousClock.now - lastHeartbeat.withLock { $0 }).seconds
    }

    /// Refreshes gauges that depend on the time of reading (called before each scrape).
    public func refreshGauges() {
        heartbeatAgeGauge.record(heartbeatAge)
    }

    /// The fields of the periodic metrics log line.
    public func summary() -> Logger.Metadata {
        let totals = totals.withLock { $0 }
        let average = totals.processed == 0 ? 0 : totals.totalDuration.milliseconds / Int64(totals.processed)
        let errorRate = totals.processed == 0 ? 0 : Double(totals.failed) / Double(totals.processed)
        return [
            LogKey.status: "metrics",
            "jobs_processed": "\(totals.processed)", "jobs_completed": "\(totals.completed)", "jobs_failed": "\(totals.failed)",
            "jobs_released": "\(totals.released)", "avg_duration_ms": "\(average)",
            "worker_utilization": "\(String(format: "%.2f", Double(max(totals.active, 0)) / Double(max(concurrency, 1))))",
            "error_rate": "\(String(format: "%.3f", errorRate))",
            "uptime_s": "\(Int((ContinuousClock.now - started).seconds))",
        ]
    }
}

/// Logs ``WorkerMetrics/summary()`` every interval (METRICS_LOG_INTERVAL), for hosts without Prometheus.
public struct MetricsLogLine: Service {
    let metrics: WorkerMetrics
    let interval: Duration
    let logger: Logger

    public init(metrics: WorkerMetrics, interval: Duration, logger: Logger) {
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            logger.info("metrics", metadata: metrics.summary())
        }
    }
}
