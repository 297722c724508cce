import Foundation
import Logging
import Metrics
import ServiceLifecycle
import SkipperStore
import Synchronization

/// The runner's numbers: swift-metrics instruments (exported by whatever backend the executable
/// bootstraps, Prometheus in `runner`) and running totals for the periodic metrics log line.
///
/// Labels are few and bounded (queue, job_type); queue depth is not counted here but read from
/// SQL by ``QueueDepthSampler``, since no one process sees every enqueue and completion.
package final class WorkerMetrics: Sendable {
    private struct Totals {
        var processed = 0
        var completed = 0
        var failed = 0
        var released = 0
        var cancelled = 0
        var totalDuration: Duration = .zero
        /// The worker's count of running attempts, as it last reported it (``WorkerObserver/onActiveChanged``).
        var active = 0
    }

    /// The instruments of one queue and job type, made once and reused for every execution
    /// (making swift-metrics instruments per job would look them up in the registry each time).
    private struct Instruments: Sendable {
        let claimed: Counter
        let succeeded: Counter
        let failed: Counter
        let released: Counter
        let cancelled: Counter
        let latency: Recorder
        let wait: Recorder

        init(queue: String, jobType: String) {
            let dimensions = [("queue", queue), ("job_type", jobType)]
            claimed = Counter(label: MetricName.jobsClaimed, dimensions: dimensions)
            succeeded = Counter(label: MetricName.jobsSucceeded, dimensions: dimensions)
            failed = Counter(label: MetricName.jobsFailed, dimensions: dimensions)
            released = Counter(label: MetricName.jobsReleased, dimensions: dimensions)
            cancelled = Counter(label: MetricName.jobsCancelled, dimensions: dimensions)
            latency = Recorder(label: MetricName.jobLatency, dimensions: [("job_type", jobType)], aggregate: true)
            wait = Recorder(label: MetricName.queueWait, dimensions: [("queue", queue)], aggregate: true)
        }
    }

    private struct InstrumentKey: Hashable {
        let queue: String
        let jobType: String
    }

    private let totals = Mutex(Totals())
    private let instruments = Mutex([InstrumentKey: Instruments]())
    private let concurrency: Int
    private let started = ContinuousClock.now
    private let activeGauge = Gauge(label: MetricName.activeJobs)
    private let utilizationGauge = Gauge(label: MetricName.workerUtilization)
    private let heartbeatAgeGauge = Gauge(label: MetricName.heartbeatAge)

    package init(concurrency: Int) {
        self.concurrency = concurrency
    }

    private func instruments(for execution: ClaimedExecution) -> Instruments {
        let key = InstrumentKey(queue: execution.queue, jobType: execution.jobType)
        return instruments.withLock { cache in
            if let found = cache[key] { return found }
            let made = Instruments(queue: key.queue, jobType: key.jobType)
            cache[key] = made
            return made
        }
    }

    /// An observer that feeds these metrics (combine it with others through ``WorkerObserver``).
    package func observer(onReady: @escaping @Sendable () -> Void = {}, onHeartbeat: @escaping @Sendable () -> Void = {}) -> WorkerObserver {
        var observer = WorkerObserver()
        observer.onReady = onReady
        observer.onClaimed = { [self] executions in
            for execution in executions {
                let instruments = instruments(for: execution)
                instruments.claimed.increment()
                instruments.wait.record(max(0, Date().timeIntervalSince(execution.runAt) * 1000))
            }
        }
        observer.onActiveChanged = { [self] active in
            totals.withLock { $0.active = active }
            activeGauge.record(max(active, 0))
            utilizationGauge.record(Double(max(active, 0)) / Double(max(concurrency, 1)))
        }
        observer.onFinished = { [self] execution, outcome, duration in
            totals.withLock { totals in
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
            }
            let instruments = instruments(for: execution)
            switch outcome {
            case .succeeded: instruments.succeeded.increment()
            case .failed: instruments.failed.increment()
            case .released: instruments.released.increment()
            }
            if case .released = outcome {} else {
                instruments.latency.record(Double(duration.milliseconds))
            }
        }
        observer.onDropped = { [self] execution, cancelled in
            guard cancelled else { return }
            totals.withLock { $0.cancelled += 1 }
            instruments(for: execution).cancelled.increment()
        }
        observer.onHeartbeat = { [self] in
            heartbeatAgeGauge.record(0)
            onHeartbeat()
        }
        return observer
    }

    /// Sets the gauges that depend on the time of reading (called before each scrape); the
    /// heartbeat's age is the worker's own (``Worker/heartbeatAge``).
    package func refreshGauges(heartbeatAge: Double) {
        heartbeatAgeGauge.record(heartbeatAge)
    }

    /// The fields of the periodic metrics log line.
    package func summary() -> Logger.Metadata {
        let totals = totals.withLock { $0 }
        let average = totals.processed == 0 ? 0 : totals.totalDuration.milliseconds / Int64(totals.processed)
        let errorRate = totals.processed == 0 ? 0 : Double(totals.failed) / Double(totals.processed)
        return [
            LogKey.status: "\(LogStatus.metrics)",
            "jobs_processed": "\(totals.processed)", "jobs_completed": "\(totals.completed)", "jobs_failed": "\(totals.failed)",
            "jobs_released": "\(totals.released)", "jobs_cancelled": "\(totals.cancelled)", "avg_duration_ms": "\(average)",
            "worker_utilization": "\(String(format: "%.2f", Double(max(totals.active, 0)) / Double(max(concurrency, 1))))",
            "error_rate": "\(String(format: "%.3f", errorRate))",
            "uptime_s": "\(Int((ContinuousClock.now - started).seconds))",
        ]
    }
}

/// Logs ``WorkerMetrics/summary()`` every interval (METRICS_LOG_INTERVAL), for hosts without Prometheus.
package struct MetricsLogLine: Service {
    let metrics: WorkerMetrics
    let interval: Duration
    let logger: Logger

    package init(metrics: WorkerMetrics, interval: Duration, logger: Logger) {
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while await pauseBetweenRounds(interval) {
            logger.info("metrics", metadata: metrics.summary())
        }
    }
}
