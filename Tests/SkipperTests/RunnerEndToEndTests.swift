import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

extension EndToEnd {
    @Suite("runner")
    struct RunnerTests {
        let schema: TestSchema
        let scripts: HandlerScripts

        init() async throws {
            schema = try await TestSchema.create(prefix: "e2e_runner")
            scripts = try HandlerScripts()
        }

        @Test func fiveThousandExecutionsFourRunnersEachRunExactlyOnce() async throws {
            let record = scripts.path("runs.log")
            let handler = try scripts.script("record.sh", "echo \"$EXECUTION_ID $ATTEMPT $WORKER_ID\" >> \(record)")
            let handlers = try scripts.handlersFile([("record", [handler], nil)])
            try await enqueue(schema, jobType: "record", queue: "many", count: 5000)
            let runners = try (0..<4).map { _ in
                try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                    "QUEUE_NAME": "many", "WORKER_CONCURRENCY": "8", "HANDLERS_FILE": handlers,
                ]))
            }
            let done = try await schema.eventually(timeout: .seconds(240)) {
                try await statusCounts(schema, queue: "many")["completed"] == 5000
            }
            let counts = try await statusCounts(schema, queue: "many")
            #expect(done, "completed: \(counts)")
            for runner in runners { runner.signal(SIGTERM) }
            for runner in runners {
                let status = await runner.waitForExit(timeout: .seconds(20))
                #expect(status == 0, "\(runner.output.suffix(2000))")
            }
            let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n")
            let ids = lines.map { $0.split(separator: " ")[0] }
            #expect(lines.count == 5000)
            #expect(Set(ids).count == 5000)
            let workers = Set(lines.map { $0.split(separator: " ")[2] })
            #expect(workers.count == 4, "work was spread over \(workers.count) runners")
            #expect(try await statusCounts(schema, queue: "many") == ["completed": 5000])
            let stopped = try await schema.scalar("SELECT count(*) FROM worker_heartbeats WHERE status = 'stopped'", as: Int.self)
            #expect(stopped == 4)
        }

        @Test func failingHandlerIsRetriedWithBackoffThenFailsAndRetryBringsItBack() async throws {
            let handler = try scripts.script("fail.sh", "echo \"some output\"; echo \"bad thing happened on attempt $ATTEMPT\" >&2; exit 3")
            let handlers = try scripts.handlersFile([("flaky", [handler], nil)])
            let id = try await enqueue(schema, jobType: "flaky", queue: "retries", maxAttempts: 3)[0]
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "retries", "HANDLERS_FILE": handlers,
            ]))
            var delays: [Int: Double] = [:]
            let failed = try await schema.eventually(timeout: .seconds(30)) {
                let row = try await schema.query("""
                    SELECT status, attempt, extract(epoch FROM run_at - updated_at)::float8 AS delay FROM executions WHERE execution_id = $1
                    """, [id])[0]
                let status = try row.decode("status", as: String.self)
                let attempt = try row.decode("attempt", as: Int.self)
                if status == "queued" && attempt > 0 && delays[attempt] == nil { delays[attempt] = try row.decode("delay", as: Double.self) }
                return status == "failed"
            }
            #expect(failed)
            let row = try await schema.query("SELECT attempt, execution_error, finished_at IS NOT NULL AS f FROM executions WHERE execution_id = $1", [id])[0]
            #expect(try row.decode("attempt", as: Int.self) == 3)
            let error = try row.decode("execution_error", as: String.self)
            #expect(error.contains("exit status 3"))
            #expect(error.contains("bad thing happened on attempt 3"))
            #expect(try row.decode("f", as: Bool.self))
            // Backoff: 2^attempt seconds with jitter in [0.5, 1].
            if let first = delays[1] { #expect(first >= 0.9 && first <= 2.1, "first delay \(first)") }
            if let second = delays[2] { #expect(second >= 1.9 && second <= 4.1, "second delay \(second)") }
            #expect(!delays.isEmpty)

            let retried = try await BinaryProcess.run("runner", ["retry", String(id)], environment: ["DATABASE_URL": schema.url])
            #expect(retried.status == 0, "\(retried.output)")
            let again = try await schema.eventually(timeout: .seconds(15)) {
                try await schema.scalar("SELECT attempt = 4 AND status = 'failed' FROM executions WHERE execution_id = $1", [id], as: Bool.self)
            }
            #expect(again)
            let notFailed = try await BinaryProcess.run("runner", ["retry", "999999999"], environment: ["DATABASE_URL": schema.url])
            #expect(notFailed.status == 4)
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func handlersPastTheirTimeoutAreKilledWithTheirChildren() async throws {
            let childPIDFile = scripts.path("child.pid")
            let sleeper = try scripts.script("sleeper.sh", "exec sleep 30")
            let parent = try scripts.script("parent.sh", "sleep 30 &\necho $! > \(childPIDFile)\nwait")
            let handlers = try scripts.handlersFile([("sleeper", [sleeper], "1s"), ("parent", [parent], "1500ms")])
            let sleeperID = try await enqueue(schema, jobType: "sleeper", queue: "timeouts", maxAttempts: 1)[0]
            let parentID = try await enqueue(schema, jobType: "parent", queue: "timeouts", maxAttempts: 1)[0]
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "timeouts", "HANDLERS_FILE": handlers,
            ]))
            let ended = try await schema.eventually(timeout: .seconds(20)) {
                try await statusCounts(schema, queue: "timeouts") == ["failed": 2]
            }
            #expect(ended)
            let sleeperError = try await schema.scalar("SELECT execution_error FROM executions WHERE execution_id = $1", [sleeperID], as: String.self)
            #expect(sleeperError.contains("timed out") && sleeperError.contains("timeout of 1 s"), "\(sleeperError)")
            let parentError = try await schema.scalar("SELECT execution_error FROM executions WHERE execution_id = $1", [parentID], as: String.self)
            #expect(parentError.contains("timeout of 1.5 s"), "\(parentError)")
            let childPID = Int32(try String(contentsOfFile: childPIDFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
            let childGone = try await schema.eventually(timeout: .seconds(5)) { !processIsAlive(childPID) }
            #expect(childGone, "the handler's child \(childPID) survived the timeout")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func sigtermLetsShortHandlersFinishAndGivesBackTheRest() async throws {
            let quick = try scripts.script("quick.sh", "sleep 1; echo '{\"done\": true}'")
            let slow = try scripts.script("slow.sh", "exec sleep 60")
            let handlers = try scripts.handlersFile([("quick", [quick], nil), ("slow", [slow], nil)])
            let quickIDs = try await enqueue(schema, jobType: "quick", queue: "shutdown", count: 2)
            let slowIDs = try await enqueue(schema, jobType: "slow", queue: "shutdown", count: 2)
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "shutdown", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "4", "SHUTDOWN_GRACE": "3s",
            ]))
            let allRunning = try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "shutdown")["running"] == 4
            }
            #expect(allRunning)
            runner.signal(SIGTERM)
            let status = await runner.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "\(runner.output.suffix(2000))")
            for id in quickIDs {
                let row = try await schema.query("SELECT status, result->>'done' AS done FROM executions WHERE execution_id = $1", [id])[0]
                #expect(try row.decode("status", as: String.self) == "completed")
                #expect(try row.decode("done", as: String.self) == "true")
            }
            for id in slowIDs {
                let row = try await schema.query("SELECT status, attempt FROM executions WHERE execution_id = $1", [id])[0]
                #expect(try row.decode("status", as: String.self) == "queued")
                #expect(try row.decode("attempt", as: Int.self) == 0)
            }
            #expect(try await schema.scalar("SELECT status FROM worker_heartbeats", as: String.self) == "stopped")
            #expect(runner.output.contains("status=stopping"))
        }

        @Test func prefetchedExecutionsAreGivenBackAtShutdownWithoutSpendingAnAttempt() async throws {
            let slow = try scripts.script("slow30.sh", "exec sleep 30")
            let handlers = try scripts.handlersFile([("slow30", [slow], nil)])
            try await enqueue(schema, jobType: "slow30", queue: "prefetch", count: 3)
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "prefetch", "HANDLERS_FILE": handlers, "WORKER_CONCURRENCY": "1", "WORKER_PREFETCH": "2",
                "SHUTDOWN_GRACE": "1s",
            ]))
            // One runs, two wait in the runner: all three are claimed.
            #expect(try await schema.eventually(timeout: .seconds(10)) {
                try await statusCounts(schema, queue: "prefetch")["running"] == 3
            })
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(20)) == 0)
            #expect(try await statusCounts(schema, queue: "prefetch") == ["queued": 3])
            #expect(try await schema.scalar("SELECT max(attempt) FROM executions WHERE queue = 'prefetch'", as: Int.self) == 0)
        }

        @Test func anIdleRunnerWakesOnNotifyLongBeforeThePollInterval() async throws {
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "wakeup", "POLL_INTERVAL": "60s",
            ]))
            #expect(await runner.waitForOutput("status=registered", timeout: .seconds(10)))
            try await Task.sleep(for: .seconds(1))
            let started = ContinuousClock.now
            let id = try await schema.scalar("SELECT enqueue_execution('noop', p_queue => 'wakeup')", as: Int64.self)
            let done = try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [id], as: String.self) == "completed"
            }
            #expect(done)
            #expect(ContinuousClock.now - started < .seconds(5))
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func aRunnerThatLostItsExecutionCannotCompleteItAndADeadRowMakesItReregister() async throws {
            let slow = try scripts.script("slow3.sh", "sleep 3; echo '{}'")
            let handlers = try scripts.handlersFile([("slow3", [slow], nil)])
            let taken = try await enqueue(schema, jobType: "slow3", queue: "fence_e2e")[0]
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "fence_e2e", "HANDLERS_FILE": handlers, "STALE_THRESHOLD_MINUTES": "5",
            ]))
            let running = try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [taken], as: String.self) == "running"
            }
            #expect(running)
            let original = try await schema.scalar("SELECT worker_id FROM worker_heartbeats WHERE status = 'running'", as: String.self)
            // Reassigned behind its back: the runner's completion must be refused.
            try await schema.query("UPDATE executions SET worker_id = 'worker-00000000', attempt = attempt + 1 WHERE execution_id = $1", [taken])
            #expect(await runner.waitForOutput("status=outcome_refused", timeout: .seconds(10)))
            let row = try await schema.query("SELECT status, worker_id FROM executions WHERE execution_id = $1", [taken])[0]
            #expect(try row.decode("status", as: String.self) == "running")
            #expect(try row.decode("worker_id", as: String.self) == "worker-00000000")

            // Declared dead: it stops its handlers, and comes back under a new id.
            let abandoned = try await enqueue(schema, jobType: "slow3", queue: "fence_e2e")[0]
            _ = try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [abandoned], as: String.self) == "running"
            }
            try await schema.query("UPDATE worker_heartbeats SET status = 'dead' WHERE worker_id = $1", [original])
            let reregistered = try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT count(*) FROM worker_heartbeats WHERE status = 'running' AND worker_id <> $1", [original], as: Int.self) == 1
            }
            #expect(reregistered, "\(runner.output.suffix(2000))")
            #expect(runner.output.contains("status=reregistering"))
            #expect(runner.output.contains("status=abandoned"))
            // It keeps working under the new id.
            let later = try await enqueue(schema, jobType: "noop", queue: "fence_e2e")[0]
            let completed = try await schema.eventually(timeout: .seconds(10)) {
                try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [later], as: String.self) == "completed"
            }
            #expect(completed)
            #expect(try await schema.scalar("SELECT worker_id FROM executions WHERE execution_id = $1", [later], as: String.self) != original)
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
        }

        @Test func runOnceExitCodes() async throws {
            let environment = runnerEnvironment(schema, ["QUEUE_NAME": "once"])
            let nothing = try await BinaryProcess.run("runner", ["run-once"], environment: environment)
            #expect(nothing.status == 4, "\(nothing.output)")
            try await enqueue(schema, jobType: "noop", queue: "once")
            let done = try await BinaryProcess.run("runner", ["run-once"], environment: environment)
            #expect(done.status == 0, "\(done.output)")
            // The payload arrives on stdin, the execution's facts in the environment; stdout is the result.
            let echo = try scripts.script("echo.sh", "printf '{\"payload\": %s, \"id\": \"%s\", \"attempt\": %s, \"type\": \"%s\", \"queue\": \"%s\", \"key\": \"%s\"}' \"$(cat)\" \"$EXECUTION_ID\" \"$ATTEMPT\" \"$JOB_TYPE\" \"$QUEUE\" \"$IDEMPOTENCY_KEY\"")
            let echoHandlers = try scripts.handlersFile([("echo", [echo], nil)])
            let connection = try await schema.store()
            var request = QueueClient.EnqueueRequest(jobType: "echo")
            request.queue = "once"
            request.payload = "{\"to\": \"ü@example.com\"}"
            request.idempotencyKey = "echo-\(schema.name)"
            let echoID = try await QueueClient.enqueue(request, on: connection)
            let echoed = try await BinaryProcess.run("runner", ["run-once", "--handlers", echoHandlers], environment: environment)
            #expect(echoed.status == 0, "\(echoed.output)")
            let result = try await schema.query("SELECT result->'payload'->>'to' AS to_, result->>'id' AS id, result->>'attempt' AS attempt, result->>'type' AS type, result->>'queue' AS queue, result->>'key' AS key FROM executions WHERE execution_id = $1", [echoID])[0]
            #expect(try result.decode("to_", as: String.self) == "ü@example.com")
            #expect(try result.decode("id", as: String.self) == String(echoID))
            #expect(try result.decode("attempt", as: String.self) == "1")
            #expect(try result.decode("type", as: String.self) == "echo")
            #expect(try result.decode("queue", as: String.self) == "once")
            #expect(try result.decode("key", as: String.self) == request.idempotencyKey)
            let failing = try scripts.script("false.sh", "echo nope >&2; exit 1")
            let handlers = try scripts.handlersFile([("failing", [failing], nil)])
            try await enqueue(schema, jobType: "failing", queue: "once")
            let failed = try await BinaryProcess.run("runner", ["run-once", "--handlers", handlers], environment: environment)
            #expect(failed.status == 3, "\(failed.output)")
            #expect(failed.output.contains("nope"))
        }

        @Test func deeplyNestedPayloadsAreRefusedByTheCLIAndSurviveTheRunner() async throws {
            let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            let refused = try await BinaryProcess.run("runner", ["enqueue", "noop", "--payload", deep], environment: ["DATABASE_URL": schema.url])
            #expect(refused.status == 64)
            #expect(refused.output.contains("nested at most 512 levels"))
            // PostgreSQL itself takes it through the SQL API; a handler echoing it back does not hurt the runner.
            let id = try await schema.scalar("SELECT enqueue_execution('echo_deep', $1::jsonb, p_queue => 'deep')", [deep], as: Int64.self)
            let handlers = try scripts.handlersFile([("echo_deep", ["/bin/cat"], nil)])
            let once = try await BinaryProcess.run("runner", ["run-once", "--handlers", handlers], environment: runnerEnvironment(schema, ["QUEUE_NAME": "deep"]))
            #expect(once.status == 0, "\(once.output.suffix(1000))")
            #expect(try await schema.scalar("SELECT status FROM executions WHERE execution_id = $1", [id], as: String.self) == "completed")
        }

        @Test func enqueueAndStatusFromTheCommandLine() async throws {
            let environment = ["DATABASE_URL": schema.url]
            let enqueued = try await BinaryProcess.run(
                "runner", ["enqueue", "noop", "--queue", "cli", "--priority", "high", "--payload", "{\"a\": 1}", "--idempotency-key", "cli-key"],
                environment: environment)
            #expect(enqueued.status == 0, "\(enqueued.output)")
            let id = Int64(enqueued.output.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(id != nil)
            let again = try await BinaryProcess.run(
                "runner", ["enqueue", "noop", "--queue", "cli", "--idempotency-key", "cli-key"], environment: environment)
            #expect(Int64(again.output.trimmingCharacters(in: .whitespacesAndNewlines)) == id)
            let lines = (0..<20).map { "{\"job_type\": \"noop\", \"queue\": \"cli\", \"payload\": {\"n\": \($0)}, \"priority\": \"low\"}" }
            let bulk = try await BinaryProcess.run("runner", ["enqueue", "--jsonl", "-"], environment: environment, stdin: lines.joined(separator: "\n"))
            #expect(bulk.status == 0, "\(bulk.output)")
            #expect(bulk.output.split(separator: "\n").count == 20)
            let status = try await BinaryProcess.run("runner", ["status"], environment: environment)
            #expect(status.status == 0)
            #expect(status.output.contains("cli"))
            #expect(status.output.contains("queued"))
            #expect(try await schema.scalar("SELECT count(*) FROM executions WHERE queue = 'cli'", as: Int.self) == 21)
        }

        @Test func badInputEndsInAClearErrorOrARecordedFailure() async throws {
            let environment = runnerEnvironment(schema, ["QUEUE_NAME": "bad"])
            let payload = try await BinaryProcess.run("runner", ["enqueue", "noop", "--payload", "{not json"], environment: environment)
            #expect(payload.status == 64)
            #expect(payload.output.contains("--payload"))
            let priority = try await BinaryProcess.run("runner", ["enqueue", "noop", "--priority", "urgent"], environment: environment)
            #expect(priority.status == 64)
            #expect(priority.output.contains("high, normal or low"))
            let concurrency = try await BinaryProcess.run("runner", ["poll", "--max-jobs=-1"], environment: environment)
            #expect(concurrency.status == 64)
            #expect(concurrency.output.contains("WORKER_CONCURRENCY"))
            #expect(concurrency.output.contains("'-1'"))
            let blankFlag = try await BinaryProcess.run("runner", ["poll", "--max-jobs", ""], environment: environment)
            #expect(blankFlag.status == 64, "a blank flag is a value the parser refuses, not an unset setting")
            #expect(blankFlag.output.contains("WORKER_CONCURRENCY"))
            let brokenFile = scripts.path("broken.yaml")
            try "handlers:\n  x: [unclosed\n".write(toFile: brokenFile, atomically: true, encoding: .utf8)
            let unparsable = try await BinaryProcess.run("runner", ["poll", "--handlers", brokenFile], environment: environment)
            #expect(unparsable.status == 64)
            #expect(unparsable.output.contains("HANDLERS_FILE"))
            let trailingSpace = try await BinaryProcess.run("runner", ["enqueue", "noop", "--queue", "bad"], environment: environment.merging(["MAX_RETRIES": "2  "]) { $1 })
            #expect(trailingSpace.status == 0, "\(trailingSpace.output)")

            // A handler whose program is missing, and one that writes 200 MB: recorded failures; the runner lives on.
            let missing = try scripts.handlersFile([
                ("missing", ["/nonexistent/program"], nil),
                ("flood", ["/bin/sh", "-c", "head -c 200000000 /dev/zero"], nil),
            ])
            let missingID = try await enqueue(schema, jobType: "missing", queue: "bad", maxAttempts: 1)[0]
            let floodID = try await enqueue(schema, jobType: "flood", queue: "bad", maxAttempts: 1)[0]
            let runner = try BinaryProcess("runner", ["poll", "--handlers", missing], environment: environment)
            let ended = try await schema.eventually(timeout: .seconds(60)) {
                try await schema.scalar("SELECT count(*) FROM executions WHERE execution_id IN ($1, $2) AND status = 'failed'", [missingID, floodID], as: Int.self) == 2
            }
            #expect(ended, "\(runner.output.suffix(2000))")
            let missingError = try await schema.scalar("SELECT execution_error FROM executions WHERE execution_id = $1", [missingID], as: String.self)
            #expect(missingError.contains("/nonexistent/program"))
            let floodError = try await schema.scalar("SELECT execution_error FROM executions WHERE execution_id = $1", [floodID], as: String.self)
            #expect(floodError.contains("larger than the limit"))
            let rss = try String(contentsOfFile: "/proc/\(runner.pid)/status", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            let peakKB = Int(rss?.split(separator: " ").dropFirst().first.map(String.init) ?? "0") ?? 0
            #expect(peakKB < 100_000, "runner peak RSS \(peakKB) kB after a 200 MB handler output")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)

            // A wrong password: the message names the problem, never the password.
            let admin = try await schema.store()
            let port = try await admin.query("SHOW port")[0].decode(at: 0, as: String.self)
            let role = "skipper_pw_\(UInt32.random(in: 0...UInt32.max))"
            try await admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'the-right-one'")
            let wrong = try await BinaryProcess.run("runner", ["status"], environment: [
                "DATABASE_URL": "postgresql://\(role):Sup3rSecretWrong@127.0.0.1:\(port)/skipper",
            ])
            #expect(wrong.status == 1)
            #expect(wrong.output.contains("authentication failed"))
            #expect(!wrong.output.contains("Sup3rSecretWrong"))
            try await admin.execute("DROP ROLE \(role)")
        }
    }
}
