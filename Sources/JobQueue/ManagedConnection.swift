import Logging
import Metrics
import PGClient

/// One loop's own database connection: opened on first use, replaced after it broke, with
/// jittered backoff between failed attempts and one log line when an outage starts and ends.
///
/// Not shared: each long-running loop (claim, completions, heartbeat, listen) makes its own.
final class ManagedConnection {
    private let connectionString: PGConnectionString
    private let role: String
    private let logger: Logger
    private var connection: PGConnection?
    private var failures = 0
    private var outageStarted: ContinuousClock.Instant?
    /// Statements run on every new connection (e.g. `SET synchronous_commit`).
    private let setup: String?

    init(connectionString: PGConnectionString, role: String, logger: Logger, setup: String? = nil) {
        self.connectionString = connectionString
        self.role = role
        self.logger = logger
        self.setup = setup
    }

    /// The live connection, opening one if needed (a single attempt; throws on failure).
    func get() async throws -> PGConnection {
        if let connection, !connection.isBroken { return connection }
        connection = nil
        let fresh = try await PGConnection.connect(to: connectionString, logger: logger)
        // Name the connection after its role so operators (and pg_terminate_backend drills) can
        // tell them apart in pg_stat_activity; a name the user chose in DATABASE_URL is kept.
        // Not behind a transaction-mode pooler: the setting would land on whichever server
        // connection the pool lent, and stay there for its next client.
        if !connectionString.isPooledPerTransaction {
            try await fresh.query(
            "SELECT set_config('application_name', CASE WHEN current_setting('application_name') = '' THEN $1 ELSE current_setting('application_name') || ' ' || $1 END, false)",
            ["skipper-\(role)"])
        }
        if let setup { try await fresh.execute(setup) }
        connection = fresh
        return fresh
    }

    /// Records success; logs the end of an outage.
    func succeeded() {
        if let started = outageStarted {
            logger.notice("database reachable again", metadata: [
                "status": "reconnected", "connection": "\(role)",
                "outage_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        }
        outageStarted = nil
        failures = 0
    }

    /// Records a failure, logs it (the start of an outage once), and waits the backoff delay.
    /// Drops the connection when the error says it is unusable.
    func failed(_ error: any Error, base: Duration = .milliseconds(100), cap: Duration = .seconds(10)) async {
        let pgError = error as? PGError
        if pgError?.isConnectionError ?? false || pgError?.isReadOnlyServer ?? false || connection?.isBroken ?? true {
            if let connection { await connection.close() }
            connection = nil
        }
        failures += 1
        Counter(label: "database_errors_total", dimensions: [("connection", role)]).increment()
        let delay = Backoff.delay(attempt: failures, base: base, cap: cap)
        var metadata: Logger.Metadata = [
            "status": "error", "connection": "\(role)", "error": "\(error)",
            "attempt": "\(failures)", "retry_in_ms": "\(delay.milliseconds)",
        ]
        if pgError?.isReadOnlyServer ?? false {
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
