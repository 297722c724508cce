import PGClient

/// Queue depth as the `queue_depth` view defines it (its one definition): queued and running
/// executions per queue, priority and status.
public struct QueueDepth: Sendable {
    /// The queue.
    public var queue: String
    /// The priority.
    public var priority: Priority
    /// `queued` or `running`.
    public var status: ExecutionStatus
    /// How many executions.
    public var executions: Int
    /// Of the queued ones, how many are ready now.
    public var ready: Int
    /// Of the queued ones, how many are scheduled for later.
    public var scheduled: Int
    /// How long the oldest ready one has waited (queued), or the longest running one has run.
    public var oldestAgeSeconds: Double?
    /// Whether the counts are estimates (above 10,000 queued of one queue and priority).
    public var estimated: Bool

    /// The rows of the view, or of its shared sample, as ``init(row:)`` decodes them.
    private static func select(from source: String) -> String {
        """
        SELECT queue, priority, status, executions, ready, scheduled, estimated,
               CASE status WHEN 'queued' THEN oldest_ready_age_seconds ELSE longest_running_seconds END::float8 AS oldest
          FROM \(source)
         ORDER BY queue, priority, status
        """
    }

    static let read = StoreStatement("read_queue_depth", select(from: "queue_depth"))
    static let sampled = StoreStatement("read_sampled_queue_depth", select(from: "sampled_queue_depth(make_interval(secs => $1))"))

    /// Reads the view.
    public static func read(on connection: StoreConnection) async throws(StoreError) -> [QueueDepth] {
        try await connection.rows("read queue depth") { db in
            try await db.query(read.text, name: read.name).map(QueueDepth.init(row:))
        }
    }

    /// The view as the database last sampled it for every process (`sampled_queue_depth()`),
    /// sampled first when that sample is `interval` old: one read of the view per interval per
    /// database, however many runners and daemons export the gauges.
    package static func sampled(interval: Duration, on connection: StoreConnection) async throws(StoreError) -> [QueueDepth] {
        try await connection.rows("read sampled queue depth") { db in
            try await db.query(sampled.text, [interval.seconds], name: sampled.name).map(QueueDepth.init(row:))
        }
    }
}

extension QueueDepth {
    fileprivate init(row: PGRow) throws {
        self.init(
            queue: try row.decode("queue"),
            priority: Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal,
            status: ExecutionStatus(rawValue: try row.decode("status", as: String.self)) ?? .queued,
            executions: try row.decode("executions"), ready: try row.decode("ready"),
            scheduled: try row.decode("scheduled"), oldestAgeSeconds: try row.decode("oldest", as: Double?.self),
            estimated: try row.decode("estimated"))
    }
}
