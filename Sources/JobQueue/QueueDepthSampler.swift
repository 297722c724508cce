import Logging
import Metrics
import PGClient
import ServiceLifecycle

/// Reads queue depth (queued and running executions per queue, priority and status) from SQL on
/// an interval into `queue_depth` gauges, and the age of the oldest ready execution per queue
/// into `queue_oldest_ready_seconds`. Series that emptied are set back to 0.
public struct QueueDepthSampler: Service {
    let connectionString: PGConnectionString
    let interval: Duration
    let logger: Logger

    public init(connectionString: PGConnectionString, interval: Duration, logger: Logger) {
        self.connectionString = connectionString
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let connection = ManagedConnection(connectionString: connectionString, role: "depth", logger: logger)
        var previous = Set<[String]>()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let db = try await connection.get()
                let rows = try await db.query("""
                    SELECT queue, priority, status, count(*) AS n,
                           coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE status = 'queued' AND run_at <= now())), 0)::float8 AS oldest
                      FROM executions WHERE status IN ('queued', 'running')
                     GROUP BY queue, priority, status
                    """, name: "sample_queue_depth")
                connection.succeeded()
                var seen = Set<[String]>()
                for row in rows {
                    let queue: String = try row.decode("queue")
                    let priority = Priority(rawValue: try row.decode("priority", as: Int16.self))?.description ?? "?"
                    let status: String = try row.decode("status")
                    seen.insert([queue, priority, status])
                    Gauge(label: "queue_depth", dimensions: [("queue", queue), ("priority", priority), ("status", status)])
                        .record(try row.decode("n", as: Int.self))
                    if status == "queued" {
                        Gauge(label: "queue_oldest_ready_seconds", dimensions: [("queue", queue), ("priority", priority)])
                            .record(try row.decode("oldest", as: Double.self))
                    }
                }
                for gone in previous.subtracting(seen) {
                    Gauge(label: "queue_depth", dimensions: [("queue", gone[0]), ("priority", gone[1]), ("status", gone[2])]).record(0)
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
