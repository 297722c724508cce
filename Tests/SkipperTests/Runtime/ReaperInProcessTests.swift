import Foundation
import Synchronization
@testable import SkipperRuntime
import SkipperStore
import TestSupport
import Testing

/// The reaper's pass and loop in the test's own process, against a real PostgreSQL.
@Suite("reaper, in process")
struct ReaperInProcessTests {
    let schema: TestSchema

    init() async throws {
        schema = try await TestSchema.create(prefix: "reaper")
    }

    @Test func onePassReapsRescuesAndTidies() async throws {
        try await schema.execute("""
            INSERT INTO worker_heartbeats (worker_id, hostname, pid, mode, queues, concurrency, heartbeat_interval_seconds, version, last_heartbeat_at)
            VALUES ('worker-stale001', 'host-a', 1, 'default', '{reap}', 1, 1, '0.1.0', now() - interval '10 minutes');
            INSERT INTO executions (queue, job_type, status, attempt, max_attempts, worker_id, started_at)
            VALUES ('reap', 'noop', 'running', 1, 4, 'worker-stale001', now() - interval '10 minutes'),
                   ('reap', 'noop', 'running', 4, 4, 'worker-stale001', now() - interval '10 minutes'),
                   ('reap', 'noop', 'running', 1, 4, 'worker-nobody01', now() - interval '1 hour');
            INSERT INTO executions (queue, job_type, status, finished_at) VALUES ('reap', 'noop', 'completed', now() - interval '30 days');
            """)
        var configuration = ReaperConfiguration()
        configuration.staleThreshold = .seconds(60)
        let reaper = Reaper(configuration: configuration, connector: schema.database, logger: TestEnvironment.logger)
        let summary = try await reaper.pass(on: try await schema.store(), housekeeping: true)
        #expect(summary.workersReaped == 1)
        #expect(summary.executionsRequeued == 2)
        #expect(summary.executionsFailed == 1)
        #expect(summary.executionsPruned == 1)
        #expect(try await statusCounts(schema, queue: "reap") == ["queued": 2, "failed": 1])
        #expect(try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = 'worker-stale001'", as: String.self) == "dead")
        // A second pass finds nothing left to do.
        let again = try await reaper.pass(on: try await schema.store(), housekeeping: false)
        #expect(again == ReaperPass.Summary())
    }

    @Test func housekeepingWaitsForItsIntervalOnTheClockGiven() async throws {
        var configuration = ReaperConfiguration()
        configuration.checkInterval = .milliseconds(100)
        configuration.housekeepingInterval = .seconds(3600)
        let clock = ShiftedClock()
        let passes = PassLog()
        var observer = ReaperObserver()
        observer.onPass = { passes.record($0) }
        let reaper = Reaper(
            configuration: configuration, connector: schema.database, logger: TestEnvironment.logger, observer: observer, clock: clock)
        let task = Task { try await reaper.run() }
        #expect(try await eventually(timeout: .seconds(10)) { passes.count >= 3 })
        try await schema.execute("INSERT INTO executions (queue, job_type, status, finished_at) VALUES ('tidy', 'noop', 'completed', now() - interval '30 days')")
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await statusCounts(schema, queue: "tidy") == ["completed": 1])  // not yet: the hour has not passed
        clock.advance(by: .seconds(3601))
        #expect(try await schema.eventually(timeout: .seconds(10)) { try await statusCounts(schema, queue: "tidy").isEmpty })
        task.cancel()
        _ = try? await task.value
    }
}

/// The summaries of the passes a reaper made.
final class PassLog: Sendable {
    private let passes = Mutex<[ReaperPass.Summary]>([])
    func record(_ summary: ReaperPass.Summary) { passes.withLock { $0.append(summary) } }
    var count: Int { passes.withLock { $0.count } }
}
