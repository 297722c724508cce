import Logging
import Metrics
import SkipperStore

/// One loop's own database connection: opened on first use, replaced after it broke, with
/// jittered backoff between failed attempts and one log line when an outage starts and ends.
///
/// Not shared: each long-running loop (claim, outcomes, heartbeat, listen) makes its own.
final class ManagedConnection {
    private let connector: any StoreConnector
    private let role: String
    private let logger: Logger
    private var connection: StoreConnection?
    private var failures = 0
    private var outageStarted: ContinuousClock.Instant?

    init(connector: any StoreConnector, role: String, logger: Logger) {
        self.connector = connector
        self.role = role
        self.logger = logger
    }

    /// The live connection, opening one if needed (a single attempt; throws on failure).
    func get() async throws(StoreError) -> StoreConnection {
        if let connection, !connection.isBroken { return connection }
        connection = nil
        let fresh = try await connector.connect(role: role, logger: logger)
        connection = fresh
        return fresh
    }

    /// Records success; logs the end of an outage.
    func succeeded() {
        if let started = outageStarted {
            logger.notice("database reachable again", metadata: [
                LogKey.status: "\(LogStatus.reconnected)", LogKey.connection: "\(role)",
                "outage_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        }
        outageStarted = nil
        failures = 0
    }

    /// Records a failure, logs it (the start of an outage once), and waits the backoff delay.
    /// Drops the connection when the error says it is unusable.
    func failed(_ error: StoreError, base: Duration = .milliseconds(100), cap: Duration = .seconds(10)) async {
        if error.dropsConnection || connection?.isBroken ?? true {
            if let connection { await connection.close() }
            connection = nil
        }
        failures += 1
        Counter(label: MetricName.databaseErrors, dimensions: [("connection", role)]).increment()
        let delay = Backoff.delay(attempt: failures, base: base, cap: cap)
        var metadata: Logger.Metadata = [
            LogKey.status: "\(LogStatus.error)", LogKey.connection: "\(role)", LogKey.error: "\(error)",
            LogKey.attempt: "\(failures)", "retry_in_ms": "\(delay.milliseconds)",
        ]
        if error.kind == .readOnlyServer {
            metadata["reason"] = "connected to a read-only server (a standby?); add target_session_attrs=read-write to DATABASE_URL"
        }
        if outageStarted == nil {
            outageStarted = .now
            logger.error("database unavailable", metadata: metadata)
        } else {
            logger.debug("database still unavailable", metadata: metadata)
        }
        try? await Task.sleep(for: delay)
    }

    /// Closes the connection.
    func close() async {
        if let connection { await connection.close() }
        connection = nil
    }
}
