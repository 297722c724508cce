import Synchronization

/// The worker's one state machine: which identity it has, whether that identity is registered,
/// serving, or presumed dead, whether shutdown was asked for, and how many executions run.
///
/// ```
/// registering ──registered──▶ serving ──presumeDead──▶ presumedDead ──newIdentity──▶ registering
/// ```
/// Shutdown is a request on top of any phase: the claim loop stops claiming, drains, and ends.
/// Every loop reads it and moves it only through these transitions, so no two loops can
/// disagree about it.
struct WorkerState: Sendable {
    /// Where the current identity stands.
    enum Phase: Sendable, Equatable {
        /// Registering the worker id (at start, or after being presumed dead).
        case registering
        /// Registered: claiming and running executions, heartbeating.
        case serving
        /// Declared dead by the reaper, or silent past the stale threshold: its claims are void,
        /// its handlers stop, and it registers again under a new id.
        case presumedDead
    }

    private(set) var phase = Phase.registering
    /// The current worker id (a new one after each presumed death).
    private(set) var workerID: String
    /// Counts identities: an attempt started under an earlier one has a void claim.
    private(set) var generation = 0
    /// SIGTERM (or ``Worker/beginShutdown()``) was received.
    private(set) var shutdownRequested = false
    /// Executions whose attempt runs now: the one count behind /health, `active_jobs` and the heartbeat row.
    private(set) var active = 0
    /// When the last heartbeat of the current identity was written (registration counts as one).
    private(set) var lastHeartbeat: ContinuousClock.Instant

    init(workerID: String, now: ContinuousClock.Instant) {
        self.workerID = workerID
        self.lastHeartbeat = now
    }

    /// registering → serving.
    mutating func registered(at now: ContinuousClock.Instant) {
        phase = .serving
        lastHeartbeat = now
    }

    /// A heartbeat of `workerID` was written (ignored when the identity changed meanwhile).
    mutating func heartbeatWritten(by workerID: String, at now: ContinuousClock.Instant) {
        if workerID == self.workerID { lastHeartbeat = now }
    }

    /// serving → presumedDead, for `workerID` only. - Returns: whether the phase changed.
    mutating func presumeDead(_ workerID: String) -> Bool {
        guard workerID == self.workerID, phase == .serving else { return false }
        phase = .presumedDead
        return true
    }

    /// presumedDead → registering under a new id. - Returns: the id it had.
    mutating func newIdentity(_ workerID: String) -> String {
        let old = self.workerID
        self.workerID = workerID
        generation += 1
        phase = .registering
        return old
    }

    /// Asks for shutdown. - Returns: whether this was the first request.
    mutating func requestShutdown() -> Bool {
        defer { shutdownRequested = true }
        return !shutdownRequested
    }

    /// Attempts started.
    mutating func started(_ count: Int) { active += count }

    /// An attempt ended (whatever became of it).
    mutating func ended() { active -= 1 }

    /// How long the current identity has gone without a written heartbeat.
    func silence(at now: ContinuousClock.Instant) -> Duration { now - lastHeartbeat }
}

/// The worker's state behind a lock, with the transitions that others react to: each one wakes
/// the claim loop and tells the observer the new count of running executions.
final class WorkerLifecycle: Sendable {
    private let state: Mutex<WorkerState>
    private let clock: any RuntimeClock
    private let wake: WakeSignal
    private let observer: WorkerObserver

    init(workerID: String, clock: any RuntimeClock, wake: WakeSignal, observer: WorkerObserver) {
        self.state = Mutex(WorkerState(workerID: workerID, now: clock.now))
        self.clock = clock
        self.wake = wake
        self.observer = observer
    }

    /// A copy of the state now.
    var current: WorkerState { state.withLock { $0 } }

    var workerID: String { state.withLock { $0.workerID } }

    func registered() { state.withLock { $0.registered(at: clock.now) } }

    func heartbeatWritten(by workerID: String) { state.withLock { $0.heartbeatWritten(by: workerID, at: clock.now) } }

    func presumeDead(_ workerID: String) -> Bool {
        let changed = state.withLock { $0.presumeDead(workerID) }
        if changed { wake.signal() }
        return changed
    }

    /// Presumes the current identity dead when it has been silent longer than `threshold`.
    /// - Returns: the worker id presumed dead, or nil.
    func presumeDeadIfSilent(longerThan threshold: Duration) -> String? {
        let presumed: String? = state.withLock { state in
            guard state.silence(at: clock.now) > threshold, state.presumeDead(state.workerID) else { return nil }
            return state.workerID
        }
        if presumed != nil { wake.signal() }
        return presumed
    }

    func newIdentity(_ workerID: String) -> String { state.withLock { $0.newIdentity(workerID) } }

    func requestShutdown() -> Bool {
        let first = state.withLock { $0.requestShutdown() }
        wake.signal()
        return first
    }

    func started(_ count: Int) {
        let active = state.withLock { state in
            state.started(count)
            return state.active
        }
        observer.activeChanged(active)
    }

    func ended() {
        let active = state.withLock { state in
            state.ended()
            return state.active
        }
        observer.activeChanged(active)
        wake.signal()
    }

    /// Seconds since the last written heartbeat.
    var heartbeatAge: Duration { state.withLock { $0.silence(at: clock.now) } }
}
