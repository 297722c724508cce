import Foundation
@testable import SkipperStore
import PGClient
import TestSupport
import Testing

@Suite("claiming and fencing")
struct ClaimAndFenceTests {
    let schema: TestSchema

    init() async throws {
        schema = try await TestSchema.create(prefix: "claim")
    }

    func enqueue(_ jobType: String = "noop", queue: String, priority: Priority = .normal, delay: Duration? = nil) async throws -> Int64 {
        var request = QueueClient.EnqueueRequest(jobType: jobType)
        request.queue = queue
        request.priority = priority
        request.delay = delay
        return try await QueueClient.enqueue(request, on: try await schema.store())
    }

    @Test func priorityOrderThenRunAtThenID() async throws {
        let low = try await enqueue(queue: "order", priority: .low)
        let normal1 = try await enqueue(queue: "order", priority: .normal)
        let high = try await enqueue(queue: "order", priority: .high)
        let normal2 = try await enqueue(queue: "order", priority: .normal)
        _ = try await enqueue(queue: "order", priority: .high, delay: .seconds(3600))
        let connection = try await schema.store()
        var order: [Int64] = []
        while true {
            let claimed = try await ExecutionStore.claim(
                on: connection, queues: ["order"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-order")
            guard let first = claimed.first else { break }
            order.append(first.executionID)
        }
        #expect(order == [high, normal1, normal2, low])
        // One statement claims up to the limit, in the same order.
        let batch = try await ExecutionStore.claim(
            on: connection, queues: ["order"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 10, workerID: "worker-order")
        #expect(batch.isEmpty)  // the delayed one is not due
    }

    @Test func aResumedClaimReadsAfterItsPointAndTheCheckFindsWhatAppearedBehindIt() async throws {
        let connection = try await schema.store()
        func insert(secondsAgo: Double) async throws -> Int64 {
            try await connection.query(
                "INSERT INTO executions (queue, job_type, run_at) VALUES ('resume', 'noop', now() - make_interval(secs => $1)) RETURNING execution_id",
                [secondsAgo])[0].decode("execution_id", as: Int64.self)
        }
        let first = try await insert(secondsAgo: 60)
        let second = try await insert(secondsAgo: 50)
        let third = try await insert(secondsAgo: 40)
        func claim(after: [ClaimProbe: ResumePoint]) async throws -> ClaimBatch {
            try await ExecutionStore.claim(
                on: connection, queues: ["resume"], priorities: [.normal], jobTypes: ["noop"], limit: 1, workerID: "worker-resume",
                after: after, keepCommitMargin: true)
        }
        let probe = ClaimProbe(queue: "resume", priority: .normal, jobType: "noop")
        let one = try await claim(after: [:])
        #expect(one.executions.map(\.executionID) == [first])
        // Older than the commit margin: the point is the row itself.
        #expect(one.resumePoints[probe]?.executionID == first)
        // The first is back in the queue (a claim given back): a resumed claim does not see it.
        try await connection.execute("UPDATE executions SET status = 'queued', worker_id = NULL WHERE execution_id = \(first)")
        let two = try await claim(after: one.resumePoints)
        #expect(two.executions.map(\.executionID) == [second])
        // One enqueued with a run_at older than every point: only the check finds it, then the first.
        let straggler = try await insert(secondsAgo: 3600)
        let three = try await claim(after: two.resumePoints)
        #expect(three.executions.map(\.executionID) == [third])
        let checked = try await ExecutionStore.claimResumePoints(
            on: connection, queues: ["resume"], priorities: [.normal], jobTypes: ["noop"])
        #expect(checked[probe]?.executionID == straggler - 1)
        #expect(try await claim(after: checked).executions.map(\.executionID) == [straggler])
        // From the checked point on, the claim given back is read too.
        #expect(try await claim(after: checked).executions.map(\.executionID) == [first])
        // Nothing queued: the check's point is the commit margin behind now, so what is enqueued
        // from now on is still read.
        let empty = try await ExecutionStore.claimResumePoints(
            on: connection, queues: ["resume"], priorities: [.normal], jobTypes: ["noop"])
        #expect(empty[probe]?.executionID == 0)
        let fresh = try await enqueue(queue: "resume")
        #expect(try await claim(after: empty).executions.map(\.executionID) == [fresh])
    }

    @Test func queuePriorityAndJobTypeFiltersHold() async throws {
        let wanted = try await enqueue("mail", queue: "filters_a", priority: .high)
        _ = try await enqueue("mail", queue: "filters_b", priority: .high)
        _ = try await enqueue("mail", queue: "filters_a", priority: .low)
        _ = try await enqueue("sms", queue: "filters_a", priority: .high)
        let connection = try await schema.store()
        let claimed = try await ExecutionStore.claim(
            on: connection, queues: ["filters_a"], priorities: [.high], jobTypes: ["mail"], limit: 10, workerID: "worker-filter")
        #expect(claimed.map(\.executionID) == [wanted])
        let many = try await ExecutionStore.claim(
            on: connection, queues: ["filters_a", "filters_b"], priorities: [.high, .normal, .low], jobTypes: ["mail"],
            limit: 10, workerID: "worker-filter")
        #expect(many.count == 2)
        #expect(many.allSatisfy { $0.jobType == "mail" })
    }

    @Test func concurrentClaimsNeverTakeOneRowTwice() async throws {
        let connection = try await schema.store()
        let requests = (0..<300).map { _ -> QueueClient.EnqueueRequest in
            var request = QueueClient.EnqueueRequest(jobType: "noop")
            request.queue = "race"
            return request
        }
        _ = try await QueueClient.enqueueMany(requests, on: connection)
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<6 {
                group.addTask {
                    let own = try await schema.store()
                    var mine: [Int64] = []
                    while true {
                        let batch = try await ExecutionStore.claim(
                            on: own, queues: ["race"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 7,
                            workerID: "worker-race\(worker)")
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.executionID)
                    }
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claimed.count == 300)
        #expect(Set(claimed).count == 300)
    }

    @Test func theFenceRefusesOutcomesOfARunnerThatLostTheExecution() async throws {
        let id = try await enqueue(queue: "fence")
        let connection = try await schema.store()
        let claimed = try await ExecutionStore.claim(
            on: connection, queues: ["fence"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-aaaaaaaa")
        #expect(claimed.first?.executionID == id)
        // Taken away behind its back: another worker holds it now, at the next attempt.
        try await connection.query("UPDATE executions SET worker_id = 'worker-bbbbbbbb', attempt = attempt + 1 WHERE execution_id = $1", [id])
        for outcome in [ExecutionOutcome.succeeded(result: "{}"), .failed(error: "boom"), .released] {
            let result = try await ExecutionStore.write(
                [.init(executionID: id, attempt: 1, workerID: "worker-aaaaaaaa", outcome: outcome)], on: connection)
            #expect(result.refused == [id])
            #expect(result.accepted.isEmpty)
        }
        // The holder's own outcome lands, with its result stored.
        let accepted = try await ExecutionStore.write(
            [.init(executionID: id, attempt: 2, workerID: "worker-bbbbbbbb", outcome: .succeeded(result: "{\"ok\": true}"))], on: connection)
        #expect(accepted.accepted[id] == .completed)
        let row = try await connection.query("SELECT status, result::text AS r, finished_at IS NOT NULL AS f FROM executions WHERE execution_id = $1", [id])[0]
        #expect(try row.decode("status", as: String.self) == "completed")
        #expect(try row.decode("r", as: String.self) == "{\"ok\": true}")
        #expect(try row.decode("f", as: Bool.self))
    }

    @Test func anOutcomeWrittenAgainAfterItsReplyWasLostChangesNothing() async throws {
        // The outcome writer writes a batch again when the reply to the first write was lost;
        // the first write committed, so the second must be refused and leave the row as it is.
        let connection = try await schema.store()
        func row(_ id: Int64) async throws -> String {
            try await schema.scalar(
                "SELECT (status, attempt, run_at, updated_at, execution_error, result)::text FROM executions WHERE execution_id = $1",
                [id], as: String.self)
        }
        for outcome in [ExecutionOutcome.succeeded(result: "{\"n\": 1}"), .failed(error: "once"), .released] {
            let id = try await enqueue(queue: "rewrite")
            let claimed = try await ExecutionStore.claim(
                on: connection, queues: ["rewrite"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-rewrite")
            let item = ExecutionStore.Outcome(executionID: id, attempt: claimed[0].attempt, workerID: "worker-rewrite", outcome: outcome)
            let first = try await ExecutionStore.write([item], on: connection)
            #expect(first.accepted[id] != nil)
            let before = try await row(id)
            let again = try await ExecutionStore.write([item], on: connection)
            #expect(again.refused == [id], "\(outcome)")
            // Status, attempt, run_at, updated_at, error and result all as the first write left them.
            #expect(try await row(id) == before, "\(outcome)")
            try await connection.query("DELETE FROM executions WHERE execution_id = $1", [id])
        }
    }

    @Test func strandedClaimsGoBackUnspentAndHeldOnesStay() async throws {
        let connection = try await schema.store()
        var ids: [Int64] = []
        for _ in 0..<4 { ids.append(try await enqueue(queue: "stranded")) }
        let claimed = try await ExecutionStore.claim(
            on: connection, queues: ["stranded"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 3, workerID: "worker-strand")
        let other = try await ExecutionStore.claim(
            on: connection, queues: ["stranded"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-other")
        #expect(claimed.count == 3 && other.count == 1)
        // The runner knows of the first claim only; the other two were claimed by a reply it never got.
        let held = [claimed[0].executionID]
        let released = try await ExecutionStore.releaseStranded(workerID: "worker-strand", held: held, on: connection)
        #expect(Set(released) == Set(claimed.dropFirst().map(\.executionID)))
        let rows = try await schema.query(
            "SELECT execution_id, status, attempt, worker_id, started_at IS NULL AS unstarted FROM executions WHERE queue = 'stranded'")
        for row in rows {
            let id = try row.decode("execution_id", as: Int64.self)
            let status = try row.decode("status", as: String.self)
            let attempt = try row.decode("attempt", as: Int.self)
            let unstarted = try row.decode("unstarted", as: Bool.self)
            if released.contains(id) {
                #expect(status == "queued" && attempt == 0 && unstarted)
            } else {
                #expect(status == "running" && attempt == 1, "held by this runner or another one's: untouched")
            }
        }
        // Nothing left to give back; another worker's claim is never touched.
        #expect(try await ExecutionStore.releaseStranded(workerID: "worker-strand", held: held, on: connection).isEmpty)
    }

    @Test func failedAttemptsBackOffThenFailForGood() async throws {
        var request = QueueClient.EnqueueRequest(jobType: "noop")
        request.queue = "backoff"
        request.maxAttempts = 2
        let connection = try await schema.store()
        let id = try await QueueClient.enqueue(request, on: connection)
        let first = try await ExecutionStore.claim(
            on: connection, queues: ["backoff"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-back")
        let result = try await ExecutionStore.write(
            [.init(executionID: id, attempt: first[0].attempt, workerID: "worker-back", outcome: .failed(error: "first"))], on: connection)
        #expect(result.accepted[id] == .queued)
        #expect(try await schema.scalar("SELECT run_at > now() FROM executions WHERE execution_id = $1", [id], as: Bool.self))
        try await connection.query("UPDATE executions SET run_at = now() WHERE execution_id = $1", [id])
        let second = try await ExecutionStore.claim(
            on: connection, queues: ["backoff"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-back")
        #expect(second.first?.attempt == 2)
        let last = try await ExecutionStore.write(
            [.init(executionID: id, attempt: 2, workerID: "worker-back", outcome: .failed(error: "second"))], on: connection)
        #expect(last.accepted[id] == .failed)
        let row = try await connection.query("SELECT execution_error, attempt FROM executions WHERE execution_id = $1", [id])[0]
        #expect(try row.decode("execution_error", as: String.self) == "second")
        #expect(try row.decode("attempt", as: Int.self) == 2)
    }

    @Test func releaseGivesTheAttemptBack() async throws {
        let id = try await enqueue(queue: "release")
        let connection = try await schema.store()
        _ = try await ExecutionStore.claim(
            on: connection, queues: ["release"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-rel")
        let result = try await ExecutionStore.write(
            [.init(executionID: id, attempt: 1, workerID: "worker-rel", outcome: .released)], on: connection)
        #expect(result.accepted[id] == .queued)
        #expect(try await schema.scalar("SELECT attempt FROM executions WHERE execution_id = $1", [id], as: Int.self) == 0)
    }

    @Test func idempotencyRecordGetsTheResult() async throws {
        var request = QueueClient.EnqueueRequest(jobType: "noop")
        request.queue = "idem_result"
        request.idempotencyKey = "result-\(schema.name)"
        let connection = try await schema.store()
        let id = try await QueueClient.enqueue(request, on: connection)
        _ = try await ExecutionStore.claim(
            on: connection, queues: ["idem_result"], priorities: Priority.allCases, jobTypes: ["noop"], limit: 1, workerID: "worker-idem")
        _ = try await ExecutionStore.write(
            [.init(executionID: id, attempt: 1, workerID: "worker-idem", outcome: .succeeded(result: "{\"sent\": 3}"))], on: connection)
        #expect(try await schema.scalar("SELECT result->>'sent' FROM idempotency_records WHERE idempotency_key = $1", [request.idempotencyKey!], as: String.self) == "3")
    }
}
