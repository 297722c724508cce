import PGClient

/// A notification a runner listens for.
package enum StoreNotification: Hashable, Sendable {
    /// Ready work was enqueued on this queue.
    case wake(queue: String)
    /// This execution became ready (`announce_ready`): a claim of its probe must read from
    /// `before` on.
    case ready(ClaimProbe, before: ResumePoint)
    /// `cancel_execution` cancelled a running execution of this worker.
    case cancelled(workerID: String, executionID: Int64)
}

/// LISTEN on the SQL API's channels (`wake_channel()`, `cancellation_channel()`: the one place
/// their names are written) and reading what arrives.
package enum Notifications {
    /// Starts listening on both channels on this connection.
    package static func listen(on connection: StoreConnection) async throws(StoreError) -> Channels {
        let channels = try await connection.rows("read the channel names") { db in
            let row = try await db.query("SELECT wake_channel() AS wake, cancellation_channel() AS cancellation")[0]
            return Channels(wake: try row.decode("wake"), cancellation: try row.decode("cancellation"))
        }
        try await connection.run("listen") { db throws(PGError) in
            try await db.listen(channels.wake)
            try await db.listen(channels.cancellation)
        }
        return channels
    }

    /// The channel names, as the database defines them.
    package struct Channels: Sendable {
        package let wake: String
        package let cancellation: String
    }

    /// The next notification, or nil when `timeout` passed first (or one arrived that is not
    /// Skipper's, or is malformed).
    package static func next(
        on connection: StoreConnection, channels: Channels, timeout: Duration
    ) async throws(StoreError) -> StoreNotification? {
        let notification = try await connection.run("wait for notifications") { db throws(PGError) in
            try await db.nextNotification(timeout: timeout)
        }
        guard let notification else { return nil }
        switch notification.channel {
        case channels.wake:
            // 'queue', or 'queue priority job_type run_at_microseconds execution_id'.
            let fields = notification.payload.split(separator: " ", omittingEmptySubsequences: false)
            if fields.count == 1 { return .wake(queue: notification.payload) }
            guard fields.count == 5, let priority = Int16(fields[1]).flatMap(Priority.init(rawValue:)),
                  let runAt = Int64(fields[3]), let id = Int64(fields[4])
            else { return nil }
            return .ready(
                ClaimProbe(queue: String(fields[0]), priority: priority, jobType: String(fields[2])),
                before: .before(runAtMicroseconds: runAt, executionID: id))
        case channels.cancellation:
            // 'worker_id:execution_id'
            let parts = notification.payload.split(separator: ":")
            guard parts.count == 2, let id = Int64(parts[1]) else { return nil }
            return .cancelled(workerID: String(parts[0]), executionID: id)
        default:
            return nil
        }
    }
}
