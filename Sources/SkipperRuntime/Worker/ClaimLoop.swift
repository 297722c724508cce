import Logging
import SkipperStore

/// The claim loop: claims ready executions for the free slots plus WORKER_PREFETCH in one
/// statement, starts them as slots free, holds back while outcomes wait to be written
/// (backpressure), gives back claims it never knew of (stranded), sleeps until woken or
/// POLL_INTERVAL, and at shutdown gives back what it prefetched and drains the rest.
///
/// One identity's claims run in one task group (a "generation"); when the runner is presumed
/// dead the group is cancelled (its handlers stop), and the loop registers a new identity.
struct ClaimLoop: Sendable {
    let configuration: WorkerConfiguration
    let jobTypes: [String]
    let lifecycle: WorkerLifecycle
    let ledger: ClaimLedger
    let resumePoints: ClaimResumePoints
    let outcomes: OutcomeWriter
    let runner: ExecutionRunner
    let wake: WakeSignal
    let clock: any RuntimeClock
    let observer: WorkerObserver
    let logger: Logger
    /// Registers the current identity on the claim connection; false when shutdown came first.
    let register: @Sendable (ManagedConnection) async -> Bool

    /// Runs until shutdown has drained.
    func run(connection: ManagedConnection) async {
        while true {
            let generation = lifecycle.current.generation
            await withDiscardingTaskGroup { jobs in
                await runGeneration(generation, jobs: &jobs, connection: connection)
            }
            let state = lifecycle.current
            if state.shutdownRequested { return }
            if state.phase == .presumedDead {
                let old = lifecycle.newIdentity(WorkerRegistry.newWorkerID())
                logger.warning("re-registering under a new worker id", metadata: [
                    LogKey.status: "\(LogStatus.reregistering)", "old_worker_id": "\(old)", LogKey.workerID: "\(lifecycle.workerID)",
                ])
                ledger.forgetAll()
                guard await register(connection) else { return }
                observer.reregistered()
            }
        }
    }

    /// Whether this runner claims at all (not scheduler-only, and some job type has a handler).
    var canClaim: Bool { configuration.mode != .schedulerOnly && !jobTypes.isEmpty }

    private func runGeneration(_ generation: Int, jobs: inout DiscardingTaskGroup, connection: ManagedConnection) async {
        // Claimed ahead of free slots (WORKER_PREFETCH): one claim round trip serves many slots.
        // They are `running` under this worker in the database; at shutdown they are given back
        // without spending their attempt, and a runner presumed dead drops them to the reaper.
        var prefetched: [ClaimedExecution] = []
        // Checked against the database before the first claim, after a claim error, and then
        // every heartbeat interval (a claim's reply lost in a way the runner did not notice).
        var reconcileDue = clock.now
        func start(_ executions: some Collection<ClaimedExecution>) {
            lifecycle.started(executions.count)
            observer.claimed(Array(executions))
            for execution in executions {
                jobs.addTask { await runner.execute(execution, generation: generation) }
            }
        }
        while true {
            let state = lifecycle.current
            if state.phase == .presumedDead || state.generation != generation {
                jobs.cancelAll()
                return
            }
            if state.shutdownRequested {
                for execution in prefetched {
                    outcomes.submit(ExecutionStore.Outcome(
                        executionID: execution.executionID, attempt: execution.attempt, workerID: execution.workerID, outcome: .released))
                }
                prefetched.removeAll()
                await drainForShutdown(jobs: &jobs)
                return
            }
            var free = configuration.concurrency - state.active
            if free > 0 && !prefetched.isEmpty {
                let count = min(free, prefetched.count)
                start(prefetched.prefix(count))
                prefetched.removeFirst(count)
                free -= count
            }
            if canClaim && clock.now >= reconcileDue {
                guard await releaseStrandedClaims(connection: connection, workerID: state.workerID) else { continue }
                reconcileDue = clock.now + configuration.heartbeatInterval
            }
            // Backpressure: while more outcomes wait to be written than one batch holds, claim
            // nothing; otherwise a slow database would let running executions pile up unbounded.
            if canClaim && free > 0 && outcomes.pending <= configuration.completionBatchSize {
                let limit = free + configuration.effectivePrefetch
                logger.trace("checking for work", metadata: [LogKey.status: "\(LogStatus.checkingJobs)", "free_slots": "\(free)"])
                do throws(StoreError) {
                    let db = try await connection.get()
                    let resume = resumePoints.forNextClaim()
                    let batch = try await ExecutionStore.claim(
                        on: db, queues: configuration.queues, priorities: configuration.priorities, jobTypes: jobTypes,
                        limit: limit, workerID: state.workerID, after: resume.points,
                        keepCommitMargin: resume.keepCommitMargin)
                    connection.succeeded()
                    resumePoints.advance(batch.resumePoints)
                    let claimed = batch.executions
                    ledger.claimed(claimed)
                    start(claimed.prefix(free))
                    prefetched.append(contentsOf: claimed.dropFirst(free))
                    // A full batch means more may be waiting: claim again as soon as a slot frees.
                    if claimed.count == limit { continue }
                } catch {
                    // The claim may have committed with its reply lost: look before claiming again.
                    reconcileDue = clock.now
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
        do throws(StoreError) {
            let db = try await connection.get()
            let released = try await ExecutionStore.releaseStranded(workerID: workerID, held: ledger.heldIDs, on: db)
            connection.succeeded()
            if !released.isEmpty {
                resumePoints.forgetAll()
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
        while lifecycle.current.active > 0 {
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero {
                logger.warning("shutdown grace over: stopping the handlers still running; their executions go back to the queue", metadata: [
                    LogKey.status: "\(LogStatus.stopping)", "active_jobs": "\(lifecycle.current.active)",
                ])
                jobs.cancelAll()
                return
            }
            await wake.wait(timeout: min(left, .milliseconds(200)))
        }
    }
}
