import Logging
import SkipperRuntime
import SkipperStore
import Synchronization

/// A clock the test moves forward: the runtime reads it for heartbeat silence and the like,
/// while waits still take real time.
final class ShiftedClock: RuntimeClock {
    private let offset = Mutex<Duration>(.zero)

    var now: ContinuousClock.Instant { ContinuousClock.now + offset.withLock { $0 } }

    /// Makes `duration` pass at once.
    func advance(by duration: Duration) { offset.withLock { $0 += duration } }
}

/// A real database that a test can take away from chosen loops (by connection role): their
/// open connections are closed and new ones refused until it comes back — a database outage
/// as the runtime sees one, on demand.
final class OutageConnector: StoreConnector {
    private struct State {
        var down: Set<String> = []
        var open: [(role: String, connection: StoreConnection)] = []
    }

    private let database: Database
    private let state = Mutex(State())

    init(_ database: Database) {
        self.database = database
    }

    var description: String { database.description }
    var isPooledPerTransaction: Bool { database.isPooledPerTransaction }

    func connect(role: String, logger: Logger) async throws(StoreError) -> StoreConnection {
        if state.withLock({ $0.down.contains(role) }) {
            throw StoreError(kind: .unavailable, operation: "connect", message: "the test took the database away from \(role)")
        }
        let connection = try await database.connect(role: role, logger: logger)
        state.withLock { $0.open.append((role, connection)) }
        return connection
    }

    /// Takes the database away from these roles: their connections close now.
    func takeDown(_ roles: Set<String>) async {
        let closing = state.withLock { state in
            state.down.formUnion(roles)
            return state.open.filter { roles.contains($0.role) }.map(\.connection)
        }
        for connection in closing { await connection.close() }
    }

    /// Gives the database back to every role.
    func bringBack() {
        state.withLock { $0.down.removeAll() }
    }
}

/// Records what the worker tells its observer.
final class ObserverLog: Sendable {
    private struct State {
        var active: [Int] = []
        var ready = 0
        var reregistered = 0
    }

    private let state = Mutex(State())

    var observer: WorkerObserver {
        var observer = WorkerObserver()
        observer.onActiveChanged = { active in self.state.withLock { $0.active.append(active) } }
        observer.onReady = { self.state.withLock { $0.ready += 1 } }
        observer.onReregistered = { self.state.withLock { $0.reregistered += 1 } }
        return observer
    }

    var lastActive: Int? { state.withLock { $0.active.last } }
    var maxActive: Int { state.withLock { $0.active.max() ?? 0 } }
    var reregistered: Int { state.withLock { $0.reregistered } }
}

/// A handler that runs until the test lets it go (or its task is cancelled).
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, started: Int, cancelled: Int)>((false, 0, 0))

    var handler: ClosureHandler {
        ClosureHandler { _, _ in
            self.state.withLock { $0.started += 1 }
            while !self.state.withLock({ $0.open }) {
                do {
                    try await Task.sleep(for: .milliseconds(20))
                } catch {
                    self.state.withLock { $0.cancelled += 1 }
                    throw error
                }
            }
            return nil
        }
    }

    func open() { state.withLock { $0.open = true } }
    var started: Int { state.withLock { $0.started } }
    var cancelled: Int { state.withLock { $0.cancelled } }
}
