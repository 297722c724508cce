import Foundation
@testable import SkipperStore
import TestSupport
import Testing

/// The claim in every shape a runner can be configured with, over 2,000,000 executions it
/// cannot take: a million ready `bulk` executions of priority high (another job type, another
/// priority) and a million high-priority `noop` ones due tomorrow, all in its queue.
///
/// The plan of `claim_executions` is read with auto_explain (its statement runs inside the
/// function, where EXPLAIN cannot see): every index probe reads at most the batch it asked for,
/// nothing scans the table, and the sort merges at most batch × probes rows.
extension EndToEnd {
    @Suite("claim shapes")
    struct ClaimShapesTests {
        /// The schema with the two million executions, made once for the suite.
        static let table = Task { () async throws -> TestSchema in
            let schema = try await TestSchema.create(prefix: "shapes")
            try await schema.execute("""
                INSERT INTO executions (queue, job_type, priority)
                SELECT 'shapes', 'bulk', 0 FROM generate_series(1, 1000000);
                INSERT INTO executions (queue, job_type, priority, run_at)
                SELECT 'shapes', 'noop', 0, now() + interval '1 day' FROM generate_series(1, 1000000);
                """)
            try await schema.execute("VACUUM ANALYZE executions")
            return schema
        }

        /// What one claim did, read from its auto_explain plan.
        struct ClaimPlan {
            var claimed: Int
            /// Rows all index probes of the claim index returned, over all loops.
            var probedRows: Int
            var probes: Int
            var scansTheTable: Bool
            var removedByFilter: Int
            var sharedBuffers: Int
            var milliseconds: Double
            var plan: String
        }

        /// Claims once (rolled back, so the table stays as it is) after adding `ready` takeable
        /// executions inside the same transaction.
        func claim(
            _ schema: TestSchema, queues: [String], priorities: [Int], jobTypes: [String], limit: Int = 50,
            ready: [(queue: String, priority: Int, jobType: String, count: Int)]
        ) async throws -> ClaimPlan {
            let inserts = ready.map {
                "INSERT INTO executions (queue, job_type, priority) SELECT '\($0.queue)', '\($0.jobType)', \($0.priority) FROM generate_series(1, \($0.count));"
            }.joined(separator: "\n")
            let array = { (items: [String]) in "'{" + items.joined(separator: ",") + "}'" }
            let script = """
                \\set ON_ERROR_STOP 1
                BEGIN;
                \(inserts)
                LOAD 'auto_explain';
                SET auto_explain.log_min_duration = 0;
                SET auto_explain.log_analyze = on;
                SET auto_explain.log_buffers = on;
                SET auto_explain.log_timing = off;
                SET auto_explain.log_nested_statements = on;
                SET auto_explain.log_level = notice;
                SELECT 'claimed=' || count(*) FROM claim_executions(\(array(queues)), \(array(priorities.map(String.init))), \(array(jobTypes)), \(limit), 'worker-shapes');
                ROLLBACK;
                """
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("claim-\(UUID().uuidString).sql")
            try script.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try await runProgram(["/usr/bin/psql", schema.url, "-qAtX", "-f", file.path])
            #expect(result.status == 0, "\(result.output)")
            let output = result.output
            // The function's own statement is the plan whose text starts with `WITH probes`.
            let plan = output.components(separatedBy: "NOTICE:").first { $0.contains("WITH probes AS") } ?? ""
            func numbers(_ pattern: String, in text: String) -> [[Int]] {
                let regex = try! NSRegularExpression(pattern: pattern)
                return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { match in
                    (1..<match.numberOfRanges).map { group in
                        Range(match.range(at: group), in: text).flatMap { Int(text[$0]) } ?? 0  // an optional group that did not match: 0
                    }
                }
            }
            let probeLines = plan.split(separator: "\n").filter { $0.contains("Index Scan using executions_claim_probe_idx") }
            let probed = probeLines.flatMap { numbers(#"actual rows=(\d+) loops=(\d+)"#, in: String($0)) }.reduce(0) { $0 + $1[0] * $1[1] }
            let loops = probeLines.flatMap { numbers(#"loops=(\d+)\)"#, in: String($0)) }.reduce(0) { $0 + $1[0] }
            let durationMatch = try NSRegularExpression(pattern: #"duration: ([\d.]+) ms"#)
                .firstMatch(in: plan, range: NSRange(plan.startIndex..., in: plan))
            let duration = durationMatch.flatMap { Range($0.range(at: 1), in: plan) }.flatMap { Double(plan[$0]) } ?? 0
            let firstBuffers = numbers(#"Buffers: shared hit=(\d+)(?: read=(\d+))?"#, in: plan).first ?? [0, 0]
            return ClaimPlan(
                claimed: numbers(#"claimed=(\d+)"#, in: output).first?.first ?? -1,
                probedRows: probed, probes: loops,
                scansTheTable: plan.contains("Seq Scan on executions") || plan.contains("Bitmap Heap Scan on executions"),
                removedByFilter: numbers(#"Rows Removed by Filter: (\d+)"#, in: plan).reduce(0) { $0 + $1[0] },
                sharedBuffers: firstBuffers.reduce(0, +), milliseconds: duration, plan: plan)
        }

        /// What every shape must show: it read no more than it could take.
        func expectBounded(_ plan: ClaimPlan, limit: Int = 50, combinations: Int, _ shape: String) {
            #expect(plan.probes <= combinations, "\(shape): \(plan.probes) probes\n\(plan.plan)")
            #expect(plan.probedRows <= limit * combinations, "\(shape): probes read \(plan.probedRows) rows\n\(plan.plan)")
            #expect(!plan.scansTheTable, "\(shape)\n\(plan.plan)")
            #expect(plan.removedByFilter == 0, "\(shape)\n\(plan.plan)")
            #expect(plan.sharedBuffers < 5000, "\(shape): \(plan.sharedBuffers) buffers\n\(plan.plan)")
            print("claim shape \(shape): \(plan.claimed) claimed, \(plan.probedRows) index rows, \(plan.sharedBuffers) buffers, \(plan.milliseconds) ms")
        }

        @Test func aRunnerOfPriorityLowIsNotHeldUpByTwoMillionHighOnes() async throws {
            let schema = try await Self.table.value
            let plan = try await claim(
                schema, queues: ["shapes"], priorities: [2], jobTypes: ["noop", "bulk"],
                ready: [("shapes", 2, "noop", 200)])
            #expect(plan.claimed == 50)
            expectBounded(plan, combinations: 2, "specialized low")
        }

        @Test func aRunnerWithoutTheBulkHandlerIsNotHeldUpByAMillionBulkOnesNorByTomorrowsWork() async throws {
            let schema = try await Self.table.value
            let plan = try await claim(
                schema, queues: ["shapes"], priorities: [0, 1, 2], jobTypes: ["noop"],
                ready: [("shapes", 1, "noop", 200)])
            #expect(plan.claimed == 50)
            expectBounded(plan, combinations: 3, "default, noop only, 1M bulk + 1M due tomorrow")
        }

        @Test func aRunnerOfSeveralQueuesSortsNoMoreThanItTakes() async throws {
            let schema = try await Self.table.value
            let plan = try await claim(
                schema, queues: ["shapes", "shapes_b", "shapes_c"], priorities: [0, 1, 2], jobTypes: ["bulk", "noop"],
                ready: [("shapes_b", 1, "noop", 100), ("shapes_c", 2, "bulk", 100)])
            #expect(plan.claimed == 50)
            expectBounded(plan, combinations: 3 * 3 * 2, "three queues over 1M ready")
        }

        @Test func queueDepthStaysCheapAndCloseOverTwoMillion() async throws {
            let schema = try await Self.table.value
            let result = try await runProgram([
                // The second read of a session, as the sampler's kept connection reads it (the first
                // also compiles the function and loads catalogs).
                "/usr/bin/psql", schema.url, "-qAtX", "-c", "DO $$ BEGIN PERFORM * FROM queue_depth; END $$",
                "-c", "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) SELECT * FROM queue_depth",
            ])
            #expect(result.status == 0, "\(result.output)")
            let plan = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]
            let top = plan?.first?["Plan"] as? [String: Any]
            let buffers = (top?["Shared Hit Blocks"] as? Int ?? 0) + (top?["Shared Read Blocks"] as? Int ?? 0)
            // Counting two million queued rows reads over 10,000 index pages; the view reads a few hundred.
            #expect(buffers < 1000, "queue_depth read \(buffers) buffers")
            let depth = try await QueueDepth.read(on: try await schema.store()).filter { $0.queue == "shapes" && $0.priority == .high }
            #expect(depth.count == 1)
            if let line = depth.first {
                #expect(line.estimated)
                #expect(abs(line.executions - 2_000_000) < 300_000, "\(line)")
                #expect(abs(line.ready - 1_000_000) < 300_000, "\(line)")
                #expect(line.executions == line.ready + line.scheduled)
                print("queue_depth over 2,000,000 queued: \(buffers) buffers, estimated \(line.executions) (\(line.ready) ready)")
            }
        }

        @Test func theOtherStatementsOfRunnersAndReapersReadNoTableOverTwoMillion() async throws {
            let schema = try await Self.table.value
            let statements: [(String, String, String)] = [
                ("rescue_orphans", ReaperStore.rescueOrphans.text, "(120, 1000)"),
                ("prune_finished", ReaperStore.pruneFinished.text, "('{completed,cancelled}', 604800, 1000)"),
                ("prune_workers", ReaperStore.pruneWorkers.text, "(604800)"),
                ("release_stranded", ExecutionStore.releaseStranded, "('worker-x', '{1,2,3}')"),
                ("complete_many", ExecutionStore.completeMany, "('{1,2}', '{1,1}', '{worker-x,worker-x}', '{null,null}')"),
                ("fail_many", ExecutionStore.failMany, "('{1,2}', '{1,1}', '{worker-x,worker-x}', '{boom,boom}')"),
                ("release_many", ExecutionStore.releaseMany, "('{1,2}', '{1,1}', '{worker-x,worker-x}')"),
            ]
            var script = "\\set ON_ERROR_STOP 1\nSET plan_cache_mode = force_generic_plan;\n"
            for (name, text, arguments) in statements {
                script += "PREPARE \(name) AS \(text);\nEXPLAIN EXECUTE \(name)\(arguments);\n"
            }
            script += "EXPLAIN SELECT cleanup_old_idempotency_records(interval '1 day');\n"
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("plans-\(UUID().uuidString).sql")
            try script.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try await runProgram(["/usr/bin/psql", schema.url, "-qAtX", "-f", file.path])
            #expect(result.status == 0, "\(result.output)")
            #expect(!result.output.contains("Seq Scan on executions"), "\(result.output)")
        }

        @Test func theClaimTakesHighBeforeNormalBeforeLowAcrossQueuesThenRunAtThenID() async throws {
            let schema = try await TestSchema.create(prefix: "order")
            let connection = try await schema.store()
            // In each queue, one execution per priority, enqueued in the reverse of claim order.
            var expected: [Int64] = []
            var created: [(Int64, Int, Int)] = []  // id, priority, rank of run_at
            for (offset, queue) in ["order_c", "order_b", "order_a"].enumerated() {
                for priority in [2, 1, 0] {
                    let id = try await connection.query(
                        "INSERT INTO executions (queue, job_type, priority, run_at) VALUES ($1, 'noop', $2, now() - make_interval(secs => $3)) RETURNING execution_id",
                        [queue, priority, Double(offset)])[0].decode("execution_id", as: Int64.self)
                    created.append((id, priority, offset))
                }
            }
            expected = created.sorted { ($0.1, -$0.2, $0.0) < ($1.1, -$1.2, $1.0) }.map(\.0)
            var order: [Int64] = []
            while true {
                let claimed = try await ExecutionStore.claim(
                    on: connection, queues: ["order_a", "order_b", "order_c"], priorities: Priority.allCases, jobTypes: ["noop"],
                    limit: 2, workerID: "worker-order")
                if claimed.isEmpty { break }
                order += claimed.map(\.executionID)
            }
            #expect(order == expected)
        }

        @Test func runnersDrainTheirWorkWhileMillionsTheyCannotTakeWait() async throws {
            let schema = try await Self.table.value
            // Each runner's own work, behind the two million it cannot take.
            try await schema.execute("""
                INSERT INTO executions (queue, job_type, priority) SELECT 'shapes', 'noop', 2 FROM generate_series(1, 2000);
                INSERT INTO executions (queue, job_type, priority) SELECT 'shapes', 'noop', 1 FROM generate_series(1, 2000);
                """)
            let low = try BinaryProcess("runner", ["poll", "--mode", "specialized", "--priorities", "low", "--queue-name", "shapes"],
                                        environment: runnerEnvironment(schema))
            let noop = try BinaryProcess("runner", ["poll", "--mode", "job-specialized", "--job-types", "noop", "--queue-name", "shapes"],
                                         environment: runnerEnvironment(schema))
            let drained = try await schema.eventually(timeout: .seconds(60)) {
                try await schema.scalar("SELECT count(*) FROM executions WHERE queue = 'shapes' AND status = 'completed'", as: Int.self) == 4000
            }
            low.signal(SIGTERM)
            noop.signal(SIGTERM)
            #expect(await low.waitForExit(timeout: .seconds(15)) == 0)
            #expect(await noop.waitForExit(timeout: .seconds(15)) == 0)
            #expect(drained, "\(low.output.suffix(2000))\n\(noop.output.suffix(2000))")
            #expect(try await schema.scalar(
                "SELECT count(*) FROM executions WHERE queue = 'shapes' AND status = 'queued' AND priority = 0", as: Int.self) == 2_000_000)
            try await schema.execute("DELETE FROM executions WHERE queue = 'shapes' AND status = 'completed'")
        }
    }
}
