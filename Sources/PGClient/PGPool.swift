import Logging
import Synchronization

/// A small pool that lends connections to one task at a time.
///
/// Connections are opened lazily up to ``Configuration/maxConnections``. A connection that
/// broke while lent is closed on return and replaced on the next lease; opening one retries
/// with jittered exponential backoff, so a restarting server is waited for instead of failing
/// every caller at once.
public final class PGPool: Sendable {
    /// How the pool connects and how many connections it keeps.
    public struct Configuration: Sendable {
        /// Where to connect.
        public var connectionString: PGConnectionString
        /// The most connections open at once. Default 4.
        public var maxConnections: Int = 4
        /// How many times to try opening a connection before the lease fails. Default 5.
        public var connectAttempts: Int = 5
        /// The first retry delay; it doubles each attempt, with jitter. Default 100 ms.
        public var backoffBase: Duration = .milliseconds(100)
        /// The longest retry delay. Default 5 s.
        public var backoffCap: Duration = .seconds(5)

        public init(connectionString: PGConnectionString) {
            self.connectionString = connectionString
        }
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<PGConnection?, any Error>
    }

    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    /// What a lease does once the lock is released.
    private enum LeaseDecision {
        case use(PGConnection)
        case open
        case wait
    }

    /// The pool's configuration.
    public let configuration: Configuration
    private let state = Mutex(State())
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Lends a connection to `body` and takes it back afterwards, even when `body` throws.
    @discardableResult
    public func withConnection<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a lent connection.
    @discardableResult
    public func withTransaction<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(body)
        }
    }

    /// Runs one statement on a lent connection.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PGEncodable] = [], name: String? = nil) async throws -> PGRows {
        try await withConnection { connection in
            try await connection.query(sql, binds, name: name)
        }
    }

    /// The number of connections open now (lent or idle).
    public var openConnections: Int { state.withLock { $0.open } }

    /// Closes idle connections and fails waiting and future leases.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PGError(code: .poolClosed, message: "the pool is closed"))
        }
        for connection in idle { await connection.close() }
    }

    private func lease() async throws -> PGConnection {
        let decision: LeaseDecision = try state.withLock { state in
            if state.closed { throw PGError(code: .poolClosed, message: "the pool is closed") }
            if let connection = state.idle.popLast() { return .use(connection) }
            if state.open < configuration.maxConnections {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch decision {
        case .use(let connection):
            return connection
        case .open:
            return try await openCountedConnection()
        case .wait:
            if let connection = try await waitForConnection() { return connection }
            return try await openCountedConnection()
        }
    }

    /// Opens a connection for a slot already counted in `open`; gives the slot back on failure.
    private func openCountedConnection() async throws -> PGConnection {
        do {
            return try await connectWithBackoff()
        } catch {
            releaseSlot()
            throw error
        }
    }

    private func connectWithBackoff() async throws -> PGConnection {
        var attempt = 0
        while true {
            do {
                return try await PGConnection.connect(to: configuration.connectionString, logger: logger)
            } catch {
                attempt += 1
                guard attempt < configuration.connectAttempts else { throw error }
                let delay = Backoff.delay(attempt: attempt, base: configuration.backoffBase, cap: configuration.backoffCap)
                logger.warning("cannot connect, retrying", metadata: [
                    "error": "\(error)", "attempt": "\(attempt)", "retry_in_ms": "\(delay.milliseconds)",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Waits until another task returns a connection (non-nil) or frees a slot (nil: open one).
    private func waitForConnection() async throws -> PGConnection? {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PGConnection?, any Error>) in
                let immediate: LeaseDecision? = state.withLock { state in
                    if let connection = state.idle.popLast() { return .use(connection) }
                    if state.open < configuration.maxConnections {
                        state.open += 1
                        return .open
                    }
                    if Task.isCancelled || state.closed { return nil }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .wait
                }
                switch immediate {
                case .use(let connection): continuation.resume(returning: connection)
                case .open: continuation.resume(returning: nil)
                case .wait: break
                case nil: continuation.resume(throwing: PGError(code: .cancelled, message: "lease cancelled"))
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: PGError(code: .cancelled, message: "lease cancelled"))
        }
    }

    /// Gives up a counted slot: it passes to the next waiter (which opens its own connection), or is freed.
    private func releaseSlot() {
        let waiter: Waiter? = state.withLock { state in
            if state.waiters.isEmpty {
                state.open -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: nil)
    }

    private func release(_ connection: PGConnection) {
        if connection.isBroken {
            // Dropping the last reference frees the PGconn exactly once (deinit).
            releaseSlot()
            return
        }
        let (waiter, closeIt): (Waiter?, Bool) = state.withLock { state in
            if state.closed {
                state.open -= 1
                return (nil, true)
            }
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return (nil, false)
            }
            return (state.waiters.removeFirst(), false)
        }
        if closeIt {
            Task { await connection.close() }
        }
        waiter?.continuation.resume(returning: connection)
    }
}
