import Foundation
import SkipperStore
import PGClient
import PropertyBased
import TestSupport
import Testing

/// Random executions driven through enqueue → claim → outcome against the real database; the
/// invariants hold whatever the inputs: one valid state each, attempts never above the maximum,
/// finished executions have finished_at and unfinished ones do not.
@Suite("properties")
struct PropertyTests {
    let schema: TestSchema

    init() async throws {
        schema = try await TestSchema.create(prefix: "prop")
    }

    static let name = Gen.letterOrNumber.string(of: 1...20)
    static let payload = Gen.int(in: -1_000_000...1_000_000).array(of: 0...5)
    static let plan = Gen.bool.array(of: 1...6)  // per attempt: succeed or fail

    @Test func randomExecutionsKeepTheInvariants() async throws {
        let connection = try await schema.store()
        let queue = "prop_\(UInt32.random(in: 0...UInt32.max))"
        await propertyCheck(count: 60, input: Self.name, Self.payload, Gen.int(in: 1...4), Self.plan) { jobType, numbers, maxAttempts, plan in
            do {
                var request = QueueClient.EnqueueRequest(jobType: jobType)
                request.queue = queue
                request.maxAttempts = maxAttempts
                request.payload = "{\"numbers\": [\(numbers.map(String.init).joined(separator: ","))], \"text\": \(JSONText.string(jobType + " ü \"q\""))}"
                request.priority = Priority.allCases[abs(numbers.first ?? 0) % 3]
                let id = try await QueueClient.enqueue(request, on: connection)
                for succeed in plan {
                    try await connection.query("UPDATE executions SET run_at = now() WHERE execution_id = $1 AND status = 'queued'", [id])
                    let claimed = try await ExecutionStore.claim(
                        on: connection, queues: [queue], priorities: Priority.allCases, jobTypes: [jobType], limit: 1, workerID: "worker-property")
                    guard let execution = claimed.first else { break }
                    #expect(execution.executionID == id)
                    #expect(execution.attempt <= maxAttempts)
                    let outcome: ExecutionOutcome = succeed ? .succeeded(result: request.payload) : .failed(error: "planned failure")
                    _ = try await ExecutionStore.write(
                        [.init(executionID: id, attempt: execution.attempt, workerID: "worker-property", outcome: outcome)], on: connection)
                }
                let row = try await connection.query(
                    "SELECT status, attempt, max_attempts, finished_at IS NOT NULL AS finished, payload = $2::jsonb AS same FROM executions WHERE execution_id = $1",
                    [id, PGJSON(request.payload)])[0]
                let status = try row.decode("status", as: String.self)
                let attempt = try row.decode("attempt", as: Int.self)
                #expect(["queued", "completed", "failed"].contains(status))
                #expect(attempt <= maxAttempts)
                #expect(try row.decode("finished", as: Bool.self) == (status != "queued"))
                #expect(try row.decode("same", as: Bool.self))
                let expected: String
                if let firstSuccess = plan.prefix(maxAttempts).firstIndex(of: true) {
                    expected = "completed"
                    #expect(attempt == firstSuccess + 1)
                } else {
                    expected = plan.count >= maxAttempts ? "failed" : "queued"
                }
                #expect(status == expected, "plan \(plan) with \(maxAttempts) attempts")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func invalidNamesNeverReachTheDatabase() async throws {
        let connection = try await schema.store()
        await propertyCheck(count: 100, input: Gen.character(in: " "..."ӿ").string(of: 0...200)) { text in
            var request = QueueClient.EnqueueRequest(jobType: text)
            request.queue = "prop_names"
            do {
                try await QueueClient.enqueue(request, on: connection)
                #expect(NameRule.isValid(text), "accepted \(text.debugDescription)")
            } catch is QueueClient.InvalidRequest {
                #expect(!NameRule.isValid(text))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }
}
