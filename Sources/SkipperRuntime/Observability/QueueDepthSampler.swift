import Logging
import Metrics
import ServiceLifecycle
import SkipperStore

/// Reads queue depth as the database last sampled it from the `queue_depth` view (its one
/// definition; `sampled_queue_depth()` takes one sample per interval per database, for every
/// runner and daemon, and fewer while a long transaction makes the view slow to read) on an
/// interval into `queue_depth` gauges, and the age of the oldest ready execution per queue and
/// priority into `queue_oldest_ready_seconds`. Series that emptied are set back to 0.
package struct QueueDepthSampler: Service {
    let connector: any StoreConnector
    let interval: Duration
    let logger: Logger

    package init(connector: any StoreConnector, interval: Duration, logger: Logger) {
        self.connector = connector
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        let connection = ManagedConnection(connector: connector, role: "depth", logger: logger)
        var previous = Set<[String]>()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do throws(StoreError) {
                let db = try await connection.get()
                let depth = try await QueueDepth.sampled(interval: interval, on: db)
                connection.succeeded()
                var seen = Set<[String]>()
                for line in depth {
                    let (queue, priority, status) = (line.queue, line.priority.description, line.status.rawValue)
                    seen.insert([queue, priority, status])
                    Gauge(label: MetricName.queueDepth, dimensions: [("queue", queue), ("priority", priority), ("status", status)])
                        .record(line.executions)
                    if line.status == .queued {
                        Gauge(label: MetricName.queueOldestReady, dimensions: [("queue", queue), ("priority", priority)])
                            .record(line.oldestAgeSeconds ?? 0)
                    }
                }
                for gone in previous.subtracting(seen) {
                    Gauge(label: MetricName.queueDepth, dimensions: [("queue", gone[0]), ("priority", gone[1]), ("status", gone[2])]).record(0)
                }
                previous = seen
            } catch {
                await connection.failed(error)
                continue
            }
            guard await pauseBetweenRounds(interval) else { break }
        }
        await connection.close()
    }
}
