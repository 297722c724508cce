import Foundation
import Logging
import ServiceLifecycle
import SkipperStore

/// The runner's long-running worker (`runner poll`): claims executions with
/// `FOR UPDATE SKIP LOCKED`, runs their handlers, writes outcomes in fenced batches, keeps a
/// heartbeat, wakes on NOTIFY (polling only as the fallback), and shuts down gracefully.
///
/// It is assembled from parts with one job each, around one state machine (``WorkerState``):
/// the ``ClaimLoop`` claims and starts executions, an ``ExecutionRunner`` runs each one, the
/// ``OutcomeWriter`` writes their outcomes, the ``Heartbeat`` keeps the row alive and notices a
/// presumed death, and the ``Listener`` turns notifications into wake-ups and cancellations.
/// Each loop owns its connection from the ``StoreConnector`` it is given.
///
/// An execution runs in one place at a time: what it holds in the database is checked against
/// its ``ClaimLedger`` after a claim error and periodically (claims whose reply was lost go back
/// to the queue), a cancelled execution's handler is stopped, and command handlers die with the
/// runner (the handler guard).
public final class Worker: Service, Sendable {
    /// What the worker serves and how it paces itself.
    public let configuration: WorkerConfiguration
    private let connector: any StoreConnector
    private let handlers: HandlerRegistry
    private let logger: Logger
    private let observer: WorkerObserver
    private let clock: any RuntimeClock

    private let lifecycle: WorkerLifecycle
    private let watchdog = DeadlineWatchdog()
    private let wake: WakeSignal
    private let outcomes: OutcomeWriter
    private let ledger = ClaimLedger()
    private let spans = AttemptSpans()

    /// - Parameters:
    ///   - connector: opens the connections of the worker's loops (a ``Database``).
    ///   - clock: the time its decisions read (heartbeat silence, stranded-claim checks).
    public init(
        configuration: WorkerConfiguration, connector: any StoreConnector, handlers: HandlerRegistry,
        logger: Logger, observer: WorkerObserver = WorkerObserver(), clock: any RuntimeClock = SystemClock()
    ) {
        self.configuration = configuration
        self.connector = connector
        self.handlers = handlers
        self.logger = logger
        self.observer = observer
        self.clock = clock
        let wake = WakeSignal(watchdog: watchdog)
        self.wake = wake
        self.lifecycle = WorkerLifecycle(workerID: WorkerRegistry.newWorkerID(), clock: clock, wake: wake, observer: observer)
        let ledger = ledger
        let spans = spans
        self.outcomes = OutcomeWriter(
            connector: connector, batchSize: configuration.completionBatchSize, logger: logger, watchdog: watchdog
        ) { written in
            let item = written.item
            let span = spans.written(written)
            ledger.finished(item.executionID, attempt: item.attempt)
            // A written outcome may let the claim loop, held back by unwritten ones, go on.
            wake.signal()
            if let status = written.status {
                logger.debug("outcome written", metadata: [
                    LogKey.executionID: "\(item.executionID)", LogKey.attempt: "\(item.attempt)", "new_status": "\(status)",
                ])
            } else {
                (span?.annotate(logger) ?? logger).warning("outcome refused by the fence: the execution was rescued, cancelled or re-claimed meanwhile", metadata: [
                    LogKey.status: "\(LogStatus.outcomeRefused)", LogKey.executionID: "\(item.executionID)",
                    LogKey.workerID: "\(item.workerID)", LogKey.attempt: "\(item.attempt)",
                ])
            }
        }
    }

    /// The current worker id (changes when the runner re-registers).
    public var workerID: String { lifecycle.workerID }

    /// Whether the runner currently presumes itself declared dead (until it re-registers).
    public var isDeclaredDead: Bool { lifecycle.current.phase == .presumedDead }

    /// Seconds since the last heartbeat was written.
    public var heartbeatAge: Double { lifecycle.heartbeatAge.seconds }

    /// Executions whose attempt runs now (the count /health and the `active_jobs` gauge show).
    public var activeJobs: Int { lifecycle.current.active }

    /// Starts shutting down as SIGTERM would (for programs that drive the worker themselves).
    public func beginShutdown() {
        guard lifecycle.requestShutdown() else { return }
        observer.stopping()
        logger.notice("shutting down: no new claims; running handlers get the shutdown grace", metadata: [
            LogKey.status: "\(LogStatus.stopping)", LogKey.workerID: "\(workerID)",
            "grace_ms": "\(configuration.shutdownGrace.milliseconds)", "active_jobs": "\(activeJobs)",
        ])
    }

    public func run() async throws {
        let claimable = configuration.claimableJobTypes(registry: handlers)
        let resumePoints = ClaimResumePoints()
        logStart(claimable: claimable)
        let cancellations = Cancellations(ledger: ledger, watchdog: watchdog, grace: configuration.cancelGrace, logger: logger)
        let claimLoop = ClaimLoop(
            configuration: configuration, jobTypes: claimable, lifecycle: lifecycle, ledger: ledger, resumePoints: resumePoints,
            outcomes: outcomes,
            runner: ExecutionRunner(
                handlers: handlers, configuration: configuration, lifecycle: lifecycle, ledger: ledger, outcomes: outcomes,
                spans: spans, watchdog: watchdog, observer: observer, logger: logger),
            wake: wake, clock: clock, observer: observer, logger: logger,
            register: { [self] connection in await register(on: connection) })
        let heartbeat = Heartbeat(
            connector: connector, configuration: configuration, lifecycle: lifecycle, ledger: ledger,
            cancellations: cancellations, observer: observer, logger: logger)
        let resumePointCheck = ResumePointCheck(
            connector: connector, configuration: configuration, jobTypes: claimable, resumePoints: resumePoints, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // Claims stay durable (synchronous_commit as the server has it): a claim lost in a
                // crash would let a handler that already started run again under the same attempt
                // number, and the attempt count must show every rerun.
                let claimConnection = ManagedConnection(connector: connector, role: "claim", logger: logger)
                guard await register(on: claimConnection) else { return }
                observer.ready()
                group.addTask { await self.watchdog.run() }
                if let listener = listener(cancellations: cancellations, resumePoints: resumePoints) {
                    group.addTask { await listener.run() }
                }
                await withTaskGroup(of: Void.self) { beating in
                    beating.addTask { await heartbeat.run() }
                    if claimLoop.canClaim {
                        beating.addTask { await resumePointCheck.run() }
                    }
                    async let outcomesWritten: Void = self.outcomes.run(finishDeadline: self.configuration.shutdownGrace)
                    await claimLoop.run(connection: claimConnection)
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
        logger.notice("runner stopped", metadata: [LogKey.status: "\(LogStatus.stopped)", LogKey.workerID: "\(workerID)"])
    }

    private func logStart(claimable: [String]) {
        logger.info("runner starting", metadata: [
            LogKey.status: "\(LogStatus.starting)", LogKey.workerID: "\(workerID)", "mode": "\(configuration.mode.rawValue)",
            "queues": "\(configuration.queues.joined(separator: ","))",
            "priorities": "\(configuration.priorities.map(\.description).joined(separator: ","))",
            "job_types": "\(claimable.joined(separator: ","))", "concurrency": "\(configuration.concurrency)",
            "database": "\(connector)",
        ])
        if configuration.mode == .schedulerOnly {
            logger.notice("scheduler-only mode: this runner claims no executions; it runs the scheduler and keeps its heartbeat")
        } else if claimable.isEmpty {
            logger.warning("no job type to claim: none of WORKER_JOB_TYPES has a handler on this runner", metadata: [
                LogKey.status: "\(LogStatus.error)",
            ])
        }
    }

    /// The listener, unless LISTEN cannot work: the connection goes through a transaction-mode
    /// pooler and no LISTEN_DATABASE_URL says where else to listen.
    private func listener(cancellations: Cancellations, resumePoints: ClaimResumePoints) -> Listener? {
        var listenTo: (any StoreConnector)? = configuration.listenDatabase
        if listenTo == nil && !connector.isPooledPerTransaction { listenTo = connector }
        guard let listenTo else {
            logger.warning("not listening: DATABASE_URL goes through a transaction-mode pooler and LISTEN_DATABASE_URL is not set; new work waits for POLL_INTERVAL and cancellations for the next heartbeat", metadata: [
                LogKey.status: "\(LogStatus.notListening)", "poll_interval_ms": "\(configuration.pollInterval.milliseconds)",
            ])
            return nil
        }
        return Listener(
            connector: listenTo, queues: Set(configuration.queues), lifecycle: lifecycle, wake: wake,
            resumePoints: resumePoints, cancellations: cancellations, logger: logger)
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
        while !lifecycle.current.shutdownRequested {
            do throws(StoreError) {
                let db = try await connection.get()
                guard try await Migrator().isUpToDate(on: db) else {
                    throw StoreError.schemaNotReady
                }
                try await WorkerRegistry.register(registration(), on: db)
                connection.succeeded()
                lifecycle.registered()
                logger.info("registered", metadata: [LogKey.status: "\(LogStatus.registered)", LogKey.workerID: "\(workerID)"])
                return true
            } catch {
                await connection.failed(error, cap: .seconds(5))
            }
        }
        return false
    }

    private func markStopped(on connection: ManagedConnection) async {
        let id = workerID
        for _ in 0..<3 {
            do throws(StoreError) {
                try await WorkerRegistry.markStopped(workerID: id, on: try await connection.get())
                return
            } catch {
                await connection.failed(error)
            }
        }
    }
}
