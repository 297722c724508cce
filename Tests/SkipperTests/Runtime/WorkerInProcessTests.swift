import Foundation
import Logging
@testable import SkipperRuntime
import SkipperStore
import TestSupport
import Testing

/// The worker run in the test's own process against a real PostgreSQL: the claim loop, the
/// shutdown drain, presuming itself dead and backpressure, with a clock the test moves and a
/// connector it can take the database away from. (The end-to-end drills run the real binaries.)
@Suite("worker, in process")
struct WorkerInProcessTests {
    let schema: TestSchema

    init() async throws {
        schema = try await TestSchema.create(prefix: "inproc")
    }

    func configuration(queue: String, _ change: (inout WorkerConfiguration) -> Void = { _ in }) -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.queues = [queue]
        configuration.pollInterval = .seconds(1)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.shutdownGrace = .seconds(5)
        change(&configuration)
        return configuration
    }

    /// Runs the worker until `body` returns, then shuts it down and waits for it.
    func running(_ worker: Worker, _ body: () async throws -> Void) async throws {
        let task = Task { try await worker.run() }
        do {
            try await body()
        } catch {
            worker.beginShutdown()
            _ = try? await task.value
            throw error
        }
        worker.beginShutdown()
        try await task.value
    }

    @Test func drainsEveryExecutionOnceAndItsCountOfRunningEndsAtZero() async throws {
        try await enqueue(schema, jobType: "noop", queue: "drain", count: 300)
        let log = ObserverLog()
        let worker = Worker(
            configuration: configuration(queue: "drain") { $0.concurrency = 4 }, connector: schema.database,
            handlers: HandlerRegistry(), logger: TestEnvironment.logger, observer: log.observer)
        try await running(worker) { () async throws in
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "drain") == ["completed": 300]
            })
        }
        #expect(worker.activeJobs == 0)
        #expect(log.lastActive == 0)
        #expect(log.maxActive <= 4)
        #expect(try await schema.scalar("SELECT max(attempt) FROM executions WHERE queue = 'drain'", as: Int.self) == 1)
        #expect(try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = $1", [worker.workerID], as: String.self) == "stopped")
    }

    @Test func anExecutionBehindWhereClaimsResumeIsFoundByTheResumePointCheck() async throws {
        try await enqueue(schema, jobType: "noop", queue: "behind", count: 20)
        let connector = OutageConnector(schema.database)
        let worker = Worker(
            configuration: configuration(queue: "behind"), connector: connector, handlers: HandlerRegistry(),
            logger: TestEnvironment.logger)
        try await running(worker) { () async throws in
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "behind") == ["completed": 20]
            })
            // Inserted as due an hour ago, and not announced: behind where the claims of its queue
            // now resume. While the check cannot run, the claims (every POLL_INTERVAL, 1 s here)
            // do not see it.
            await connector.takeDown(["resume-points"])
            let straggler = try await schema.scalar(
                "INSERT INTO executions (queue, job_type, run_at) VALUES ('behind', 'noop', now() - interval '1 hour') RETURNING execution_id",
                as: Int64.self)
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [straggler], as: String.self) == "queued")
            connector.bringBack()
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "behind") == ["completed": 21]
            })
        }
    }

    @Test func anEnqueueThatCommitsAfterLaterOnesWereClaimedIsClaimedWhenItsAnnouncementArrives() async throws {
        let connector = OutageConnector(schema.database)
        let worker = Worker(
            configuration: configuration(queue: "late") { $0.pollInterval = .seconds(60) }, connector: connector,
            handlers: HandlerRegistry(), logger: TestEnvironment.logger)
        try await running(worker) { () async throws in
            // Neither the check nor polling can help within the test's time: only the announcement.
            await connector.takeDown(["resume-points"])
            try await enqueue(schema, jobType: "noop", queue: "late", count: 5)
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "late") == ["completed": 5]
            })
            // An application's transaction enqueues, then takes its time; meanwhile later
            // executions are enqueued and claimed, so the claims resume past its run_at and id.
            let application = try await schema.connect()
            try await application.execute("BEGIN")
            let late = try await application.query("SELECT enqueue_execution('noop', p_queue => 'late') AS id")[0].decode("id", as: Int64.self)
            try await enqueue(schema, jobType: "noop", queue: "late", count: 5)
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "late") == ["completed": 10]
            })
            try await application.execute("COMMIT")
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [late], as: String.self) == "completed"
            })
            await application.close()
        }
    }

    @Test func shutdownGivesBackWhatRunsPastTheGraceAndWhatWasPrefetched() async throws {
        let ids = try await enqueue(schema, jobType: "slow", queue: "grace", count: 6)
        let gate = Gate()
        var handlers = HandlerRegistry()
        handlers.register("slow", gate.handler)
        let worker = Worker(
            configuration: configuration(queue: "grace") {
                $0.concurrency = 2
                $0.prefetch = 4
                $0.shutdownGrace = .milliseconds(300)
            },
            connector: schema.database, handlers: handlers, logger: TestEnvironment.logger)
        let task = Task { try await worker.run() }
        #expect(try await eventually(timeout: .seconds(10)) { gate.started == 2 })
        #expect(try await statusCounts(schema, queue: "grace") == ["running": 6])
        worker.beginShutdown()
        try await task.value
        // Two ran past the grace and were stopped, four waited prefetched: all six go back with
        // their attempt uncounted.
        #expect(gate.cancelled == 2)
        #expect(try await statusCounts(schema, queue: "grace") == ["queued": 6])
        #expect(try await schema.scalar("SELECT max(attempt) FROM executions WHERE execution_id = ANY($1)", [ids], as: Int.self) == 0)
        #expect(worker.activeJobs == 0)
    }

    @Test func silentPastTheStaleThresholdItStopsItsHandlersAndComesBackUnderANewID() async throws {
        try await enqueue(schema, jobType: "slow", queue: "silent", count: 1)
        let gate = Gate()
        var handlers = HandlerRegistry()
        handlers.register("slow", gate.handler)
        let clock = ShiftedClock()
        let connector = OutageConnector(schema.database)
        let log = ObserverLog()
        let worker = Worker(
            configuration: configuration(queue: "silent") { $0.staleThreshold = .seconds(60) },
            connector: connector, handlers: handlers, logger: TestEnvironment.logger, observer: log.observer, clock: clock)
        try await running(worker) { () async throws in
            #expect(try await eventually(timeout: .seconds(10)) { gate.started == 1 })
            let first = worker.workerID
            // The heartbeat cannot reach the database, and a minute passes at once.
            await connector.takeDown(["heartbeat"])
            clock.advance(by: .seconds(61))
            #expect(try await eventually(timeout: .seconds(10)) { gate.cancelled == 1 })
            #expect(worker.activeJobs == 0)
            #expect(log.lastActive == 0)
            connector.bringBack()
            #expect(try await eventually(timeout: .seconds(10)) { worker.workerID != first && !worker.isDeclaredDead })
            #expect(log.reregistered == 1)
            // The abandoned claim stays the old identity's, for the reaper; nothing was written for it.
            #expect(try await schema.scalar("SELECT worker_id FROM executions WHERE queue = 'silent'", as: String.self) == first)
            #expect(try await statusCounts(schema, queue: "silent") == ["running": 1])
            #expect(try await schema.scalar(
                "SELECT status FROM worker_heartbeats WHERE worker_id = $1", [worker.workerID], as: String.self) == "running")
        }
    }

    @Test func outcomesThatCannotBeWrittenHoldBackNewClaims() async throws {
        try await enqueue(schema, jobType: "noop", queue: "backpressure", count: 200)
        let connector = OutageConnector(schema.database)
        await connector.takeDown(["outcomes"])
        let worker = Worker(
            configuration: configuration(queue: "backpressure") {
                $0.concurrency = 2
                $0.prefetch = 0
                $0.completionBatchSize = 5
            },
            connector: connector, handlers: HandlerRegistry(), logger: TestEnvironment.logger)
        try await running(worker) { () async throws in
            // Claims go on only while at most one batch of outcomes waits besides the batch being
            // written: two batches and one claim's worth of slots at most, not 200.
            #expect(try await eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "backpressure")["running", default: 0] >= 6
            })
            try await Task.sleep(for: .seconds(1))
            let held = try await statusCounts(schema, queue: "backpressure")["running", default: 0]
            #expect(held <= 2 * 5 + 2, "claimed \(held) while no outcome could be written")
            connector.bringBack()
            #expect(try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "backpressure") == ["completed": 200]
            })
        }
    }
}
