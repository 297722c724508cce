import Foundation
import Logging
import PGClient
import ServiceLifecycle
import Synchronization

/// The runner's long-running worker (`runner poll`): claims executions with
/// `FOR UPDATE SKIP LOCKED`, runs their handlers, writes outcomes in fenced batches, keeps a
/// heartbeat, wakes on NOTIFY (polling only as the fallback), and shuts down gracefully.
///
/// Its loops each own a connection: claim, outcomes, heartbeat, listen. When its heartbeat row
/// says `dead` (the reaper gave its work away), or no heartbeat could be written for longer than
/// the stale threshold, it stops its handlers, forgets their outcomes (the fence would refuse
/// them) and registers again under a new worker id.
///
/// An execution runs in one place at a time: what it holds in the database is checked against
/// its ``ClaimLedger`` after a claim error and periodically (claims whose reply was lost go back
/// to the queue), a cancelled execution's handler is stopped (NOTIFY on
/// ``QueueClient/cancellationChannel``, or the heartbeat's check at the latest), and command
/// handlers die with the runner (``HandlerGuard``).
public final class Worker: Service, Sendable {
    /// Everything the worker needs besides its configuration.
    public let configuration: WorkerConfiguration
    private let connectionString: PGConnectionString
    private let handlers: HandlerRegistry
    private let logger: Logger
    private let observer: WorkerObserver

    private struct State {
        var workerID: String
        var active = 0
        var stopping = false
        var declaredDead = false
        var generation = 0
        var lastHeartbeat = ContinuousClock.now
    }

    private let state: Mutex<State>
    private let watchdog = DeadlineWatchdog()
    private let wake: WakeSignal
    private let outcomes: OutcomeWriter
    private let ledger: ClaimLedger

    public init(
        configuration: WorkerConfiguration, connectionString: PGConnectionString, handlers: HandlerRegistry,
        logger: Logger, observer: WorkerObserver = WorkerObserver()
    ) {
        self.configuration = configuration
        self.connectionString = connectionString
        self.handlers = handlers
        self.logger = logger
        self.observer = observer
        self.state = Mutex(State(workerID: WorkerRegistry.newWorkerID()))
        let wake = WakeSignal(watchdog: watchdog)
        self.wake = wake
        let ledger = ClaimLedger()
        self.ledger = ledger
        self.outcomes = OutcomeWriter(
            connectionString: connectionString, batchSize: configuration.completionBatchSize, logger: logger,
            watchdog: watchdog
        ) { item, status in
            ledger.finished(item.executionID, attempt: item.attempt)
            // A written outcome may let the claim loop, held back by unwritten ones, go on.
            wake.signal()
            if let status {
                observer.outcomeWritten(item, status: status)
                logger.debug("outcome written", metadata: [
                    LogKey.executionID: "\(item.executionID)", LogKey.attempt: "\(item.attempt)", "new_status": "\(status)",
                ])
            } else {
                logger.warning("outcome refused by the fence: the execution was rescued, cancelled or re-claimed meanwhile", metadata: [
                    LogKey.status: "outcome_refused", LogKey.executionID: "\(item.executionID)",
                    LogKey.workerID: "\(item.workerID)", LogKey.attempt: "\(item.attempt)",
                ])
            }
        }
    }

    /// The current worker id (changes when the runner re-registers).
    public var workerID: String { state.withLock { $0.workerID } }

    /// Whether the runner currently presumes itself declared dead (until it re-registers).
    public var isDeclaredDead: Bool { state.withLock { $0.declaredDead } }

    /// Seconds since the last heartbeat was written.
    public var heartbeatAge: Double { (ContinuousClock.now - state.withLock { $0.lastHeartbeat }).seconds }

    /// Executions running now.
    public var activeJobs: Int { state.withLock { $0.active } }

    /// Starts shutting down as SIGTERM would (for programs that drive the worker themselves).
    public func beginShutdown() {
        let first = state.withLock { state in
            defer { state.stopping = true }
            return !state.stopping
        }
        if first {
            observer.stopping()
            logger.notice("shutting down: no new claims; running handlers get the shutdown grace", metadata: [
                LogKey.status: "\(LogStatus.stopping)", LogKey.workerID: "\(workerID)",
                "grace_ms": "\(configuration.shutdownGrace.milliseconds)", "active_jobs": "\(activeJobs)",
            ])
        }
        wake.signal()
    }

    public func run() async throws {
        let claimable = configuration.claimableJobTypes(registry: handlers)
        logger.info("runner starting", metadata: [
            LogKey.status: "\(LogStatus.starting)", LogKey.workerID: "\(workerID)", "mode": "\(configuration.mode.rawValue)",
            "queues": "\(configuration.queues.joined(separator: ","))",
            "priorities": "\(configuration.priorities.map(\.description).joined(separator: ","))",
            "job_types": "\(claimable.joined(separator: ","))", "concurrency": "\(configuration.concurrency)",
            "database": "\(connectionString.redacted)",
        ])
        if configuration.mode == .schedulerOnly {
            logger.notice("scheduler-only mode: this runner claims no executions; it only keeps its heartbeat")
        } else if claimable.isEmpty {
            logger.warning("no job type to claim: none of WORKER_JOB_TYPES has a handler on this runner", metadata: [
                LogKey.status: "\(LogStatus.error)",
            ])
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // Claims stay durable (synchronous_commit as the server has it): a claim lost in a
                // crash would let a handler that already started run again under the same attempt
                // number, and the attempt count must show every rerun.
                let claimConnection = ManagedConnection(connectionString: connectionString, role: "claim", logger: logger)
                guard await register(on: claimConnection) else { return }
                observer.ready()
                group.addTask { await self.watchdog.run() }
                if let listenTo = configuration.listenConnectionString ?? (connectionString.isPooledPerTransaction ? nil : connectionString) {
                    group.addTask { await self.listenLoop(connectingTo: listenTo) }
                } else {
                    logger.warning("not listening: DATABASE_URL goes through a transaction-mode pooler and LISTEN_DATABASE_URL is not set; new work waits for POLL_INTERVAL and cancellations for the next heartbeat", metadata: [
                        LogKey.status: "not_listening", "poll_interval_ms": "\(configuration.pollInterval.milliseconds)",
                    ])
                }
                await withTaskGroup(of: Void.self) { beating in
                    beating.addTask { await self.heartbeatLoop() }
                    async let outcomesWritten: Void = self.outcomes.run(finishDeadline: self.configuration.shutdownGrace)
                    await self.claimLoop(connection: claimConnection, jobTypes: claimable)
                    // Every outcome is written (or given up on after the grace) before the row says
                    // stopped: the reaper rescues what a stopped worker still holds.
                    self.outcomes.finish()
                    await outcomesWritten
                    beating.cancelAll()
                }
                // The heartbeat loop has ended, so no beat can land after this and say `stopping`
                // (the heartbeat's SQL cannot move a stopped row either).
                await self.markStopped(on: claimConnection)
                await claimConnection.close()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        logger.notice("runner stopped", metadata: [LogKey.status: "stopped", LogKey.workerID: "\(workerID)"])
    }

    // MARK: - Registration

    private func registration() -> WorkerRegistry.Registration {
        WorkerRegistry.Registration(
            workerID: workerID, hostname: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
            mode: configuration.mode, queues: configuration.queues, priorities: configuration.priorities,
            jobTypes: configuration.claimableJobTypes(registry: handlers), concurrency: configuration.concurrency,
            heartbeatInterval: configuration.heartbeatInterval, version: configuration.version)
    }

    /// Registers the current worker id; retries until it works or the runner stops.
    private func register(on connection: ManagedConnection) async -> Bool {
        while !state.withLock({ $0.stopping }) {
            do {
                let db = try await connection.get()
                guard try await Migrator(logger: logger).isUpToDate(on: db) else {
                    throw SchemaNotReady()
                }
                try await WorkerRegistry.register(registration(), on: db)
                connection.succeeded()
                state.withLock {
                    $0.lastHeartbeat = .now
                    $0.declaredDead = false
                }
                logger.info("registered", metadata: [LogKey.status: "registered", LogKey.workerID: "\(workerID)"])
                return true
            } catch {
                await connection.failed(error, cap: .seconds(5))
            }
        }
        return false
    }

    struct SchemaNotReady: Error, CustomStringConvertible {
        var description: String { "the database schema is missing or out of date: run `runner migrate`" }
    }

    private func markStopped(on connection: ManagedConnection) async {
        let id = workerID
        for _ in 0..<3 {
            do {
                try await WorkerRegistry.markStopped(workerID: id, on: try await connection.get())
                return
            } catch {
                await connection.failed(error)
            }
        }
    }

    // MARK: - Claiming

    private func claimLoop(connection: ManagedConnection, jobTypes: [String]) async {
        while true {
            let generation = state.withLock { $0.generation }
            await withDiscardingTaskGroup { jobs in
                await runGeneration(generation, jobs: &jobs, connection: connection, jobTypes: jobTypes)
            }
            let (stopping, dead) = state.withLock { ($0.stopping, $0.declaredDead) }
            if stopping { return }
            if dead {
                let old = workerID
                state.withLock {
                    $0.workerID = WorkerRegistry.newWorkerID()
                    $0.generation += 1
                }
                logger.warning("re-registering under a new worker id", metadata: [
                    LogKey.status: "reregistering", "old_worker_id": "\(old)", LogKey.workerID: "\(workerID)",
                ])
                ledger.forgetAll()
                guard await register(on: connection) else { return }
                observer.reregistered()
            }
        }
    }

    private func runGeneration(
        _ generation: Int, jobs: inout DiscardingTaskGroup, connection: ManagedConnection, jobTypes: [String]
    ) async {
        let canClaim = configuration.mode != .schedulerOnly && !jobTypes.isEmpty
        // Claimed ahead of free slots (WORKER_PREFETCH): one claim round trip serves many slots.
        // They are `running` under this worker in the database; at shutdown they are given back
        // without spending their attempt, and a runner declared dead drops them to the reaper.
        var prefetched: [ClaimedExecution] = []
        // Checked against the database before the first claim, after a claim error, and then
        // every heartbeat interval (a claim's reply lost in a way the runner did not notice).
        var reconcileDue = ContinuousClock.now
        func start(_ executions: some Collection<ClaimedExecution>) {
            state.withLock { $0.active += executions.count }
            observer.claimed(Array(executions))
            for execution in executions {
                jobs.addTask { await self.execute(execution, generation: generation) }
            }
        }
        while true {
            let (stopping, dead, active, workerID) = state.withLock { ($0.stopping, $0.declaredDead, $0.active, $0.workerID) }
            if dead {
                jobs.cancelAll()
                return
            }
            if stopping {
                for execution in prefetched {
                    outcomes.submit(ExecutionStore.Outcome(
                        executionID: execution.executionID, attempt: execution.attempt, workerID: execution.workerID, outcome: .released))
                }
                prefetched.removeAll()
                await drainForShutdown(jobs: &jobs)
                return
            }
            var free = configuration.concurrency - active
            if free > 0 && !prefetched.isEmpty {
                let count = min(free, prefetched.count)
                start(prefetched.prefix(count))
                prefetched.removeFirst(count)
                free -= count
            }
            // Backpressure: while more outcomes wait to be written than one batch holds, claim
            // nothing; otherwise a slow database would let running executions pile up unbounded.
            if canClaim && ContinuousClock.now >= reconcileDue {
                if await releaseStrandedClaims(connection: connection, workerID: workerID) {
                    reconcileDue = ContinuousClock.now + configuration.heartbeatInterval
                } else {
                    continue
                }
            }
            if canClaim && free > 0 && outcomes.pending <= configuration.completionBatchSize {
                let limit = free + configuration.effectivePrefetch
                logger.trace("checking for work", metadata: [LogKey.status: "\(LogStatus.checkingJobs)", "free_slots": "\(free)"])
                do {
                    let db = try await connection.get()
                    let claimed = try await ExecutionStore.claim(
                        on: db, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes,
                        limit: limit, workerID: workerID)
                    connection.succeeded()
                    ledger.claimed(claimed)
                    start(claimed.prefix(free))
                    prefetched.append(contentsOf: claimed.dropFirst(free))
                    // A full batch means more may be waiting: claim again as soon as a slot frees.
                    if claimed.count == limit { continue }
                } catch {
                    // The claim may have committed with its reply lost: look before claiming again.
                    reconcileDue = .now
                    await connection.failed(error)
                    continue
                }
            }
            await wake.wait(timeout: min(configuration.pollInterval, configuration.heartbeatInterval))
        }
    }

    /// Gives back what the database says this runner holds and the ledger does not (claims whose
    /// reply was lost). - Returns: whether the check ran.
    private func releaseStrandedClaims(connection: ManagedConnection, workerID: String) async -> Bool {
        do {
            let db = try await connection.get()
            let released = try await ExecutionStore.releaseStranded(workerID: workerID, held: ledger.heldIDs, on: db)
            connection.succeeded()
            if !released.isEmpty {
                logger.warning("gave back executions claimed for this runner whose claim reply never arrived; their attempt is not counted", metadata: [
                    LogKey.status: "\(LogStatus.strandedReleased)", LogKey.workerID: "\(workerID)",
                    "count": "\(released.count)", "execution_ids": "\(released.sorted().map(String.init).joined(separator: ","))",
                ])
                wake.signal()
            }
            return true
        } catch {
            await connection.failed(error)
            return false
        }
    }

    /// Gives running handlers the shutdown grace, then stops the rest (they are given back).
    private func drainForShutdown(jobs: inout DiscardingTaskGroup) async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        while state.withLock({ $0.active }) > 0 {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero {
                logger.warning("shutdown grace over: stopping the handlers still running; their executions go back to the queue", metadata: [
                    LogKey.status: "\(LogStatus.stopping)", "active_jobs": "\(activeJobs)",
                ])
                jobs.cancelAll()
                return
            }
            await wake.wait(timeout: min(left, .milliseconds(200)))
        }
    }

    // MARK: - Running one execution

    private func execute(_ execution: ClaimedExecution, generation: Int) async {
        defer {
            state.withLock { $0.active -= 1 }
            wake.signal()
        }
        let jobLogger = Attempt.logger(for: execution, base: logger)
        jobLogger.info("claimed", metadata: [LogKey.status: "\(LogStatus.jobClaimed)"])
        // A runner that was frozen (SIGSTOP, a paused VM) past the stale threshold may have been
        // declared dead and its claims given away: it must not start their handlers now.
        if presumeDeadIfSilent(reason: "no heartbeat for longer than the stale threshold before a handler started") {
            jobLogger.warning("not starting the handler: this runner may have been declared dead", metadata: [LogKey.status: "abandoned"])
            drop(execution, cancelled: false)
            return
        }
        let control = AttemptControl()
        guard ledger.starting(execution.executionID, control: control) else {
            jobLogger.notice("not starting the handler: the execution was cancelled", metadata: [LogKey.status: "\(LogStatus.jobCancelled)"])
            drop(execution, cancelled: true)
            return
        }
        let (result, duration) = await Attempt.run(
            execution, handlers: handlers, defaultTimeout: configuration.jobTimeout, logger: jobLogger, watchdog: watchdog,
            control: control)
        ledger.ended(execution.executionID)
        let (stopping, dead, currentGeneration) = state.withLock { ($0.stopping, $0.declaredDead, $0.generation) }
        let outcome: ExecutionOutcome?
        switch result {
        case .ended(let ended):
            outcome = ended
        case .cancelled:
            // The row already says cancelled; the fence would refuse anything written now.
            drop(execution, cancelled: true)
            outcome = nil
        case .interrupted where dead || currentGeneration != generation:
            jobLogger.warning("handler stopped: this runner was declared dead, its claim is void", metadata: [LogKey.status: "abandoned"])
            drop(execution, cancelled: false)
            outcome = nil
        case .interrupted:
            jobLogger.notice("handler stopped at shutdown; giving the execution back", metadata: [LogKey.status: "released"])
            outcome = stopping ? .released : .failed(error: "handler interrupted")
        }
        if let outcome {
            observer.finished(execution, outcome: outcome, duration: duration)
            outcomes.submit(ExecutionStore.Outcome(
                executionID: execution.executionID, attempt: execution.attempt, workerID: execution.workerID, outcome: outcome))
        }
    }

    /// An attempt that ends without an outcome to write.
    private func drop(_ execution: ClaimedExecution, cancelled: Bool) {
        ledger.finished(execution.executionID, attempt: execution.attempt)
        observer.dropped(execution, cancelled: cancelled)
    }

    // MARK: - Cancellations

    /// Stops the handler of an execution an operator cancelled, if this runner runs it: SIGTERM
    /// (or task cancellation for an in-process handler), then SIGKILL after CANCEL_GRACE.
    private func stopCancelled(_ executionID: Int64, learnedFrom source: String) {
        guard case .running(let control) = ledger.cancel(executionID), !control.isStopRequested else { return }
        logger.notice("execution cancelled: stopping its handler", metadata: [
            LogKey.status: "\(LogStatus.jobCancelled)", LogKey.executionID: "\(executionID)", LogKey.workerID: "\(workerID)",
            "grace_ms": "\(configuration.cancelGrace.milliseconds)", "learned_from": "\(source)",
        ])
        if control.requestStop() {
            watchdog.schedule(at: .now + configuration.cancelGrace) { control.forceStop() }
        } else {
            control.forceStop()
        }
    }

    // MARK: - Heartbeat

    private func heartbeatLoop() async {
        let connection = ManagedConnection(connectionString: connectionString, role: "heartbeat", logger: logger)
        while !Task.isCancelled {
            let (workerID, active, stopping, dead) = state.withLock {
                ($0.workerID, $0.active, $0.stopping, $0.declaredDead)
            }
            if !dead {
                do {
                    let db = try await connection.get()
                    let result = try await WorkerRegistry.beat(
                        workerID: workerID, activeJobs: active, status: stopping ? "stopping" : "running", on: db)
                    connection.succeeded()
                    if result == .declaredDead {
                        declareDead(workerID, reason: "its heartbeat row says dead (the reaper rescued its executions)")
                    } else {
                        state.withLock { if $0.workerID == workerID { $0.lastHeartbeat = .now } }
                        observer.heartbeat()
                        // A cancellation whose notification was missed (the listen connection was
                        // down) is found here at the latest.
                        for id in try await ExecutionStore.cancelled(among: ledger.heldIDs, on: db) {
                            stopCancelled(id, learnedFrom: "heartbeat")
                        }
                    }
                } catch {
                    presumeDeadIfSilent(reason: "no heartbeat could be written for longer than the stale threshold")
                    await connection.failed(error, cap: configuration.heartbeatInterval)
                    continue
                }
            }
            try? await Task.sleep(for: configuration.heartbeatInterval)
        }
        await connection.close()
    }

    /// Declares the current identity dead when no heartbeat was written for longer than the
    /// stale threshold (the reaper may have given its executions away). - Returns: whether it did.
    @discardableResult
    private func presumeDeadIfSilent(reason: String) -> Bool {
        let (silent, workerID) = state.withLock { (ContinuousClock.now - $0.lastHeartbeat, $0.workerID) }
        guard silent > configuration.staleThreshold else { return false }
        declareDead(workerID, reason: reason)
        return true
    }

    private func declareDead(_ workerID: String, reason: String) {
        let changed = state.withLock { state in
            guard state.workerID == workerID, !state.declaredDead else { return false }
            state.declaredDead = true
            return true
        }
        guard changed else { return }
        logger.error("this runner is presumed dead: stopping its handlers and re-registering", metadata: [
            LogKey.status: "\(LogStatus.error)", LogKey.workerID: "\(workerID)", "reason": "\(reason)",
        ])
        wake.signal()
    }

    // MARK: - Wake-ups

    /// LISTENs for enqueue notifications and wakes the claim loop for this runner's queues.
    private func listenLoop(connectingTo listenTo: PGConnectionString) async {
        let connection = ManagedConnection(connectionString: listenTo, role: "listen", logger: logger)
        let queues = Set(configuration.queues)
        var listening = false
        while !Task.isCancelled {
            do {
                let db = try await connection.get()
                if !listening || db.isBroken {
                    try await db.listen(QueueClient.channel)
                    try await db.listen(QueueClient.cancellationChannel)
                    listening = true
                    connection.succeeded()
                    // Anything enqueued while we were not listening is found by one claim now.
                    wake.signal()
                }
                guard let notification = try await db.nextNotification(timeout: .seconds(60)) else { continue }
                if notification.channel == QueueClient.cancellationChannel {
                    // 'worker_id:execution_id'
                    let parts = notification.payload.split(separator: ":")
                    if parts.count == 2, String(parts[0]) == workerID, let id = Int64(parts[1]) {
                        stopCancelled(id, learnedFrom: "notification")
                    }
                } else if queues.contains(notification.payload) {
                    wake.signal()
                }
            } catch {
                listening = false
                if Task.isCancelled { break }
                await connection.failed(error)
            }
        }
        await connection.close()
    }
}

extension JobHandler {
    /// The handler's own timeout; nil uses the runner's JOB_TIMEOUT.
    public var timeout: Duration? { nil }
}

extension CommandHandler {
    public var timeout: Duration? { definition.timeout }
}
