import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    /// An execution runs in one place at a time: handlers die with their runner, a cancel stops
    /// a running handler, and a claim whose reply was lost does not stay `running` for good.
    @Suite("one place at a time")
    struct OnePlaceAtATimeTests {
        let schema: TestSchema
        let scripts: HandlerScripts

        init() async throws {
            schema = try await TestSchema.create(prefix: "e2e_once")
            scripts = try HandlerScripts()
        }

        @Test func aKilledRunnersHandlersAndTheirChildrenDieWithIt() async throws {
            // Each run marks its start and end with its attempt, leaves a `sleep 987` behind (a
            // grandchild nobody waits for) and works for 4 s.
            let marks = scripts.path("marks.log")
            let handler = try scripts.script("slow.sh", """
                echo "start $EXECUTION_ID $ATTEMPT" >> \(marks)
                sleep 987 &
                sleep 4
                echo "end $EXECUTION_ID $ATTEMPT" >> \(marks)
                """)
            let handlers = try scripts.handlersFile([("slow", [handler], nil)])
            let ids = try await enqueue(schema, jobType: "slow", queue: "kill9", count: 3)
            let victim = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "kill9", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "3",
            ]))
            let started = try await eventually(timeout: .seconds(15)) {
                processes(withArguments: ["sleep", "987"]).count == 3 && markLines(marks, "start").count == 3
            }
            #expect(started, "\(victim.output.suffix(2000))")
            let handlerPIDs = processes(withArguments: ["/bin/sh", handler])
            #expect(handlerPIDs.count == 3)

            victim.signal(SIGKILL)
            _ = await victim.waitForExit(timeout: .seconds(5))
            let gone = try await eventually(timeout: .seconds(2)) {
                processes(withArguments: ["sleep", "987"]).isEmpty && handlerPIDs.allSatisfy { !processIsAlive($0) }
                    && processes(withArguments: ["sleep", "4"]).isEmpty
            }
            #expect(gone, "left behind: \(processes(withArguments: ["sleep", "987"])) \(handlerPIDs.filter(processIsAlive))")
            // Longer than the handler's own 4 s: had it lived on, it would have marked its end.
            try await Task.sleep(for: .seconds(5))
            #expect(markLines(marks, "end").isEmpty, "a killed runner's handler ran to its end")

            // The daemon rescues them and a second runner runs them again: attempt 2, once each.
            let daemon = try BinaryProcess("cleanup-daemon", [], environment: [
                "DATABASE_URL": schema.url, "STALE_THRESHOLD_MINUTES": "0.05", "CHECK_INTERVAL": "1", "CLEANUP_METRICS_PORT": "0",
            ])
            let rescued = try await schema.eventually(timeout: .seconds(15)) {
                try await schema.scalar(
                    "SELECT count(*) FROM executions WHERE queue = 'kill9' AND execution_error = 'Worker died unexpectedly'", as: Int.self) == 3
            }
            #expect(rescued, "\(daemon.output.suffix(2000))")
            try await schema.query("UPDATE executions SET run_at = now() WHERE queue = 'kill9' AND status = 'queued'")
            let survivor = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "kill9", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "3",
            ]))
            let completed = try await schema.eventually(timeout: .seconds(20)) {
                try await statusCounts(schema, queue: "kill9") == ["completed": 3]
            }
            #expect(completed, "\(survivor.output.suffix(2000))")
            let ends = markLines(marks, "end")
            #expect(Set(ends) == Set(ids.map { "end \($0) 2" }), "\(ends)")
            // What a handler leaves behind ends with its attempt, too.
            #expect(try await eventually(timeout: .seconds(2)) { processes(withArguments: ["sleep", "987"]).isEmpty })
            survivor.signal(SIGTERM)
            daemon.signal(SIGTERM)
            #expect(await survivor.waitForExit(timeout: .seconds(15)) == 0)
            #expect(await daemon.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func cancellingARunningExecutionStopsItsHandler() async throws {
            // One handler honours SIGTERM; the other ignores it (and so does its child).
            let polite = try scripts.script("polite.sh", "exec sleep 61")
            let stubborn = try scripts.script("stubborn.sh", "trap '' TERM\nsleep 62 &\nwait $!")
            let handlers = try scripts.handlersFile([("polite", [polite], nil), ("stubborn", [stubborn], nil)])
            let port = freeLocalPort()
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "cancel", "HANDLERS_FILE": handlers, "CANCEL_GRACE": "2s",
                "METRICS_PORT": String(port), "METRICS_HOST": "127.0.0.1", "HEARTBEAT_INTERVAL": "30s", "STALE_THRESHOLD_MINUTES": "2",
            ]))
            let politeID = try await enqueue(schema, jobType: "polite", queue: "cancel")[0]
            let stubbornID = try await enqueue(schema, jobType: "stubborn", queue: "cancel")[0]
            let running = try await eventually(timeout: .seconds(15)) {
                processes(withArguments: ["sleep", "61"]).count == 1 && processes(withArguments: ["sleep", "62"]).count == 1
            }
            #expect(running, "\(runner.output.suffix(2000))")

            func cancel(_ id: Int64) async throws -> ContinuousClock.Instant {
                let result = try await BinaryProcess.run("runner", ["cancel", String(id)], environment: ["DATABASE_URL": schema.url])
                #expect(result.status == 0, "\(result.output)")
                return .now
            }
            let stubbornCancelled = try await cancel(stubbornID)
            _ = try await cancel(politeID)
            #expect(try await eventually(timeout: .seconds(2)) { processes(withArguments: ["sleep", "61"]).isEmpty },
                    "a handler that honours SIGTERM is gone within 2 s")
            if ContinuousClock.now - stubbornCancelled < .milliseconds(1500) {
                #expect(processes(withArguments: ["sleep", "62"]).count == 1, "SIGKILL came before CANCEL_GRACE")
            }
            let stubbornGone = try await eventually(timeout: .seconds(3)) { processes(withArguments: ["sleep", "62"]).isEmpty }
            #expect(stubbornGone && ContinuousClock.now - stubbornCancelled < .seconds(3),
                    "a handler that ignores SIGTERM is gone within CANCEL_GRACE + 1 s")

            // Cancelled, not retried, and counted.
            try await Task.sleep(for: .seconds(2))
            let rows = try await schema.query(
                "SELECT status, attempt FROM executions WHERE execution_id = ANY($1::bigint[])", [[politeID, stubbornID]])
            #expect(try rows.allSatisfy { try $0.decode("status", as: String.self) == "cancelled" && $0.decode("attempt", as: Int.self) == 1 })
            #expect(runner.output.contains("status=job_cancelled"))
            #expect(runner.output.contains("learned_from=notification"))
            let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
            let cancelled = metrics.split(separator: "\n").filter { $0.hasPrefix("jobs_cancelled_total{") }
            #expect(cancelled.reduce(0) { $0 + (Double($1.split(separator: " ").last ?? "") ?? 0) } == 2, "\(cancelled)")
            let active = metrics.split(separator: "\n").first { $0.hasPrefix("active_jobs ") }
            #expect(active.flatMap { Double($0.split(separator: " ")[1]) } == 0, "\(active ?? "no active_jobs")")

            // The runner goes on working.
            try await enqueue(schema, jobType: "noop", queue: "cancel")
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "cancel")["completed"] == 1
            })
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func aCancelMissedByTheListenerIsFoundByTheHeartbeat() async throws {
            let slow = try scripts.script("slow63.sh", "exec sleep 63")
            let handlers = try scripts.handlersFile([("slow63", [slow], nil)])
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "missed", "HANDLERS_FILE": handlers,
            ]))
            let id = try await enqueue(schema, jobType: "slow63", queue: "missed")[0]
            #expect(try await eventually(timeout: .seconds(15)) { processes(withArguments: ["sleep", "63"]).count == 1 })
            // Cancelled behind the runner's back: the row changes, no notification is sent.
            try await schema.query(
                "UPDATE executions SET status = 'cancelled', finished_at = now() WHERE execution_id = $1", [id])
            #expect(try await eventually(timeout: .seconds(4)) { processes(withArguments: ["sleep", "63"]).isEmpty })
            #expect(runner.output.contains("learned_from=heartbeat"))
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func aCleanlyStoppedRunnerStaysStopped() async throws {
            // Heartbeats every 100 ms race the final write as often as they can.
            var runners: [BinaryProcess] = []
            for _ in 0..<4 {
                runners.append(try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                    "QUEUE_NAME": "stopped", "HEARTBEAT_INTERVAL": "100ms",
                ])))
            }
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT count(*) FROM worker_heartbeats WHERE queues = '{stopped}' AND status = 'running'", as: Int.self) == 4
            })
            for runner in runners { runner.signal(SIGTERM) }
            for runner in runners { #expect(await runner.waitForExit(timeout: .seconds(15)) == 0) }
            try await Task.sleep(for: .milliseconds(500))
            let statuses = try await schema.query("SELECT status FROM worker_heartbeats WHERE queues = '{stopped}'")
            #expect(try statuses.map { try $0.decode("status", as: String.self) } == Array(repeating: "stopped", count: 4))
            // And the heartbeat's SQL itself cannot bring a stopped or dead row back.
            let worker = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE queues = '{stopped}' LIMIT 1", as: String.self)
            let connection = try await schema.store()
            #expect(try await WorkerRegistry.beat(workerID: worker, activeJobs: 0, status: .stopping, on: connection) == .alive)
            #expect(try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = $1", [worker], as: String.self) == "stopped")
            try await schema.query("UPDATE worker_heartbeats SET status = 'dead' WHERE worker_id = $1", [worker])
            #expect(try await WorkerRegistry.beat(workerID: worker, activeJobs: 0, status: .running, on: connection) == .declaredDead)
            #expect(try await schema.scalar("SELECT status FROM worker_heartbeats WHERE worker_id = $1", [worker], as: String.self) == "dead")
        }
    }
}

/// The pids of the processes whose command line starts with these arguments (from /proc).
func processes(withArguments arguments: [String]) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    let wanted = Array(arguments.joined(separator: "\0").utf8) + [0]
    return entries.compactMap(Int32.init).filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return Array(data).starts(with: wanted)
    }
}

/// The lines of a marks file that start with `word`.
func markLines(_ path: String, _ word: String) -> [String] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(word + " ") }
}
