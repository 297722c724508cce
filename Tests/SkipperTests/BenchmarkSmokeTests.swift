import Foundation
import TestSupport
import Testing

extension EndToEnd {
    /// The benchmark command runs end to end on a short workload, so it cannot silently break.
    /// This checks that it works and that every execution it drained completed — not its speed.
    @Suite("benchmark")
    struct BenchmarkSmokeTests {
        @Test func quickBenchmarkRunsAndEveryExecutionCompletes() async throws {
            let schema = try await TestSchema.create(prefix: "bench")
            let json = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json")
            let bench = try await runProgram(
                ["/usr/bin/env", "python3", TestEnvironment.repositoryRoot.appendingPathComponent("scripts/bench").path,
                 "--quick", "--bin-dir", try TestEnvironment.binDirectory().path, "--json", json.path],
                environment: ["DATABASE_URL": schema.url])
            let output = bench.output
            #expect(bench.status == 0, "\(output.suffix(3000))")
            let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
            for drain in ["drain_1", "drain_2", "backlog_10k", "backlog_after_history", "command_handlers", "concurrency_64"] {
                let figure = figures?[drain] as? [String: Any]
                #expect((figure?["completed"] as? Int ?? 0) > 0, "\(drain)")
                #expect((figure?["jobs_per_s"] as? Double ?? 0) > 0, "\(drain)")
            }
            #expect((figures?["drain_1"] as? [String: Any])?["completed"] as? Int == 5000)
            #expect((figures?["ceiling_claim_complete_jobs_per_s"] as? Double ?? 0) > 0)
            #expect(figures?["pickup_latency_ms"] != nil)
            #expect(output.contains("drain, 1 runner, defaults, no-op"))
            let shapes = figures?["claim_shapes"] as? [String: Any]
            for shape in ["one_queue", "three_queues_serving_one", "three_queues_serving_three", "specialized_low",
                          "specialized_low_behind_high", "noop_behind_other_type", "today_behind_tomorrow"] {
                #expect(((shapes?[shape] as? [String: Any])?["completed"] as? Int ?? 0) > 0, "\(shape)")
            }
            #expect(output.contains("claim shape: low behind"))
            let heldXmin = figures?["held_xmin"] as? [String: Any]
            #expect((heldXmin?["p99_ms_held"] as? Double ?? 0) > 0)
            #expect(output.contains("xmin held"))
            let delayed = figures?["delayed"] as? [String: Any]
            #expect((delayed?["p99_ms"] as? Double) != nil, "\(String(describing: delayed))")
            #expect(output.contains("delayed 1,000 by 2-10 s"))
            #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE queue LIKE 'bench%'", as: Int.self) == 0)
        }
    }
}
