import Foundation
import TestSupport
import Testing

/// `scripts/otlp-receiver` as a process: an OTLP/HTTP collector that decodes each export's
/// protobuf and writes its spans as JSON lines (or, hanging, takes connections and never answers).
final class OTLPReceiver: @unchecked Sendable {
    // @unchecked: driven only by the test task that owns it.
    let port = freeLocalPort()
    let spansFile: URL
    private let process = Process()

    init(hang: Bool = false) throws {
        let directory = FileManager.default.temporaryDirectory
        spansFile = directory.appendingPathComponent("skipper-spans-\(UUID().uuidString).jsonl")
        let logFile = directory.appendingPathComponent("skipper-otlp-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestEnvironment.repositoryRoot.appendingPathComponent("scripts/otlp-receiver").path,
                             "--port", String(port), "--out", spansFile.path] + (hang ? ["--hang"] : [])
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, !((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").contains("listening") {
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit {
        // SIGKILL: a test process's children may inherit SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: spansFile)
    }

    /// Every span received so far, decoded.
    func spans() -> [[String: Any]] {
        guard let text = try? String(contentsOf: spansFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The environment that sends a process's spans here, exported promptly.
    var environment: [String: String] {
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_BSP_SCHEDULE_DELAY": "100"]
    }
}

/// A decoded span's fields, as the receiver writes them.
extension Dictionary where Key == String, Value == Any {
    var name: String { self["name"] as? String ?? "" }
    var traceID: String { self["trace_id"] as? String ?? "" }
    var spanID: String { self["span_id"] as? String ?? "" }
    var parentSpanID: String { self["parent_span_id"] as? String ?? "" }
    var spanAttributes: [String: Any] { self["attributes"] as? [String: Any] ?? [:] }
    var statusCode: Int { (self["status"] as? [String: Any])?["code"] as? Int ?? -1 }
    var statusMessage: String { (self["status"] as? [String: Any])?["message"] as? String ?? "" }
    var eventNames: [String] { (self["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } }
}

extension EndToEnd {
    @Suite("tracing")
    struct TracingTests {
        let schema: TestSchema
        let scripts: HandlerScripts

        init() async throws {
            schema = try await TestSchema.create(prefix: "e2e_tracing")
            scripts = try HandlerScripts()
        }

        /// A traceparent of the test's own: the "API request" that enqueues.
        static func requestTrace() -> (traceID: String, spanID: String, header: String) {
            let hex = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let span = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))
            return (hex, span, "00-\(hex)-\(span)-01")
        }

        func runnerEnqueue(_ arguments: [String], environment: [String: String]) async throws -> Int64 {
            let result = try await BinaryProcess.run(
                "runner", ["enqueue"] + arguments + ["--queue", "traced"], environment: ["DATABASE_URL": schema.url].merging(environment) { $1 })
            #expect(result.status == 0, "\(result.output)")
            return Int64(result.output.split(separator: "\n").last.map(String.init) ?? "") ?? -1
        }

        @Test func attemptSpansContinueTheEnqueuersTraceWithErrorsRetriesAndTheHandlersTraceparent() async throws {
            let receiver = try OTLPReceiver()
            let seen = scripts.path("traceparent.txt")
            let ok = try scripts.script("ok.sh", "echo \"$TRACEPARENT\" > \(seen)")
            let bad = try scripts.script("bad.sh", "echo \"card declined on attempt $ATTEMPT\" >&2; exit 3")
            let slow = try scripts.script("slow.sh", "sleep 30")
            let handlers = try scripts.handlersFile([("charge", [ok], nil), ("refund", [bad], nil), ("report", [slow], "1s")])
            let (okTrace, okParent, okHeader) = Self.requestTrace()
            let (badTrace, _, badHeader) = Self.requestTrace()
            let okID = try await runnerEnqueue(["charge", "--trace-context", okHeader, "--max-attempts", "1"], environment: receiver.environment)
            let badID = try await runnerEnqueue(["refund", "--trace-context", badHeader, "--max-attempts", "2"], environment: receiver.environment)
            let slowID = try await runnerEnqueue(["report", "--max-attempts", "1"], environment: receiver.environment)

            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "traced", "HANDLERS_FILE": handlers, "OTEL_SERVICE_NAME": "billing-workers",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test",
            ].merging(receiver.environment) { $1 }))
            let finished = try await schema.eventually(timeout: .seconds(30)) {
                try await statusCounts(schema, queue: "traced") == ["completed": 1, "failed": 2]
            }
            let counts = try await statusCounts(schema, queue: "traced")
            #expect(finished, "\(counts)")
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0, "\(runner.output.suffix(2000))")
            _ = try await schema.eventually(timeout: .seconds(5)) { receiver.spans().filter { $0.name.hasSuffix(" process") }.count >= 4 }
            let spans = receiver.spans()

            // runner enqueue: a producer span, child of the request, whose context the execution stores.
            let send = try #require(spans.first { $0.name == "charge send" }, "\(spans.map(\.name))")
            #expect(send.traceID == okTrace)
            #expect(send.parentSpanID == okParent)
            #expect(send["kind"] as? Int == 4)
            #expect(send.spanAttributes["messaging.message.id"] as? String == String(okID))
            let stored = try await schema.scalar("SELECT trace_context FROM executions WHERE execution_id = $1", [okID], as: String.self)
            #expect(stored == "00-\(okTrace)-\(send.spanID)-01")

            // The attempt: a consumer span under the producer's, with the messaging attributes.
            let process = try #require(spans.first { $0.name == "charge process" })
            #expect(process.traceID == okTrace)
            #expect(process.parentSpanID == send.spanID)
            #expect(process["kind"] as? Int == 5)
            #expect(process["service"] as? String == "billing-workers")
            #expect(process.statusCode != 2)
            let attributes = process.spanAttributes
            #expect(attributes["messaging.system"] as? String == "skipper")
            #expect(attributes["messaging.destination.name"] as? String == "traced")
            #expect(attributes["messaging.message.id"] as? String == String(okID))
            #expect(attributes["messaging.operation.type"] as? String == "process")
            #expect(attributes["skipper.job_type"] as? String == "charge")
            #expect(attributes["skipper.attempt"] as? Int == 1)
            #expect(attributes["skipper.max_attempts"] as? Int == 1)
            #expect(attributes["skipper.priority"] as? String == "normal")
            #expect((attributes["skipper.worker_id"] as? String ?? "").hasPrefix("worker-"))
            #expect((attributes["skipper.queue_wait_ms"] as? Int ?? -1) >= 0)
            // The handler's TRACEPARENT is the attempt's span.
            let handlerSaw = try String(contentsOfFile: seen, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(handlerSaw == "00-\(okTrace)-\(process.spanID)-01")

            // A failing handler: status ERROR with its text, a retry event on the first attempt.
            let failures = spans.filter { $0.name == "refund process" }.sorted {
                ($0.spanAttributes["skipper.attempt"] as? Int ?? 0) < ($1.spanAttributes["skipper.attempt"] as? Int ?? 0)
            }
            #expect(failures.count == 2)
            for failure in failures {
                #expect(failure.traceID == badTrace)
                #expect(failure.statusCode == 2)
                #expect(failure.statusMessage.contains("card declined on attempt"), "\(failure.statusMessage)")
            }
            #expect(failures.first?.eventNames == ["retry scheduled"])
            let retry = (failures.first?["events"] as? [[String: Any]])?.first?["attributes"] as? [String: Any]
            #expect((retry?["skipper.retry.delay_ms"] as? Int ?? 0) > 0)
            #expect(failures.last?.eventNames.contains("retry scheduled") == false)
            #expect(failures.first?.spanAttributes["messaging.message.id"] as? String == String(badID))

            // A timed-out one: ERROR too, saying so; without a stored context it starts its own trace.
            let timedOut = try #require(spans.first { $0.name == "report process" })
            #expect(timedOut.statusCode == 2)
            #expect(timedOut.statusMessage.contains("timed out"), "\(timedOut.statusMessage)")
            #expect(timedOut.spanAttributes["messaging.message.id"] as? String == String(slowID))
            let slowStored = try await schema.scalar("SELECT trace_context FROM executions WHERE execution_id = $1", [slowID], as: String.self)
            #expect(timedOut.traceID == slowStored.split(separator: "-")[1])

            // Logs about the execution carry the same trace and the attempt's span.
            let lines = runner.output.split(separator: "\n").filter { $0.contains("execution_id=\(okID) ") }
            #expect(lines.count >= 2)
            for line in lines {
                #expect(line.contains("trace_id=\(okTrace)") && line.contains("span_id=\(process.spanID)"), "\(line)")
            }
        }

        @Test func withTracingOffTheHandlerAndTheLogsGetTheStoredTraceparent() async throws {
            let seen = scripts.path("traceparent-off.txt")
            let ok = try scripts.script("ok-off.sh", "echo \"$TRACEPARENT\" > \(seen)")
            let handlers = try scripts.handlersFile([("charge", [ok], nil)])
            let (trace, parent, header) = Self.requestTrace()
            let id = try await runnerEnqueue(["charge", "--trace-context", header], environment: [:])
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "traced", "HANDLERS_FILE": handlers,
                // Set but turned off: no exporter, no spans.
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(freeLocalPort())", "OTEL_TRACES_EXPORTER": "none",
            ]))
            let done = try await schema.eventually(timeout: .seconds(20)) { try await statusCounts(schema, queue: "traced") == ["completed": 1] }
            #expect(done)
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0)
            #expect(try String(contentsOfFile: seen, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == header)
            let claimed = runner.output.split(separator: "\n").first { $0.contains("execution_id=\(id) ") && $0.contains("status=job_claimed") }
            #expect(claimed?.contains("trace_id=\(trace)") == true && claimed?.contains("span_id=\(parent)") == true, "\(claimed ?? "")")
            #expect(!runner.output.contains("spans_dropped"))
        }

        @Test func theDaemonsRescuePassIsASpanWithAnEventAndALinkPerRescuedExecution() async throws {
            let receiver = try OTLPReceiver()
            let (trace, parent, header) = Self.requestTrace()
            try await schema.query("""
                INSERT INTO worker_heartbeats (worker_id, hostname, pid, last_heartbeat_at)
                VALUES ('worker-traced01', 'gone-host', 1, now() - interval '10 minutes')
                """)
            let ids = try await schema.query("""
                INSERT INTO executions (queue, job_type, status, attempt, worker_id, started_at, trace_context)
                SELECT 'traced', 'noop', 'running', 1, 'worker-traced01', now() - interval '10 minutes', CASE WHEN i = 1 THEN $1 END
                  FROM generate_series(1, 3) i RETURNING execution_id
                """, [header]).map { try $0.decode("execution_id", as: Int64.self) }
            let once = try await BinaryProcess.run("cleanup-daemon", ["--once"], environment: [
                "DATABASE_URL": schema.url, "STALE_THRESHOLD_MINUTES": "0.05", "LOG_LEVEL": "info",
            ].merging(receiver.environment) { $1 })
            #expect(once.status == 0, "\(once.output)")
            // --once flushes before it exits.
            let rescue = try #require(receiver.spans().first { $0.name == "skipper rescue" }, "\(receiver.spans().map(\.name))")
            #expect(rescue["service"] as? String == "skipper-cleanup-daemon")
            #expect(rescue.spanAttributes["skipper.executions_rescued"] as? Int == 3)
            let events = rescue["events"] as? [[String: Any]] ?? []
            let rescuedIDs = events.filter { $0["name"] as? String == "execution rescued" }
                .compactMap { ($0["attributes"] as? [String: Any])?["messaging.message.id"] as? String }
            #expect(Set(rescuedIDs) == Set(ids.map(String.init)))
            let links = rescue["links"] as? [[String: Any]] ?? []
            #expect(links.count == 1)
            #expect(links.first?["trace_id"] as? String == trace)
            #expect(links.first?["span_id"] as? String == parent)
        }

        @Test(arguments: ["port closed", "hanging"])
        func aCollectorThatIsDownOrHangsCostsSpansNotJobs(collector: String) async throws {
            let hanging = collector == "hanging" ? try OTLPReceiver(hang: true) : nil
            let endpoint = hanging.map { "http://127.0.0.1:\($0.port)" } ?? "http://127.0.0.1:\(freeLocalPort())"
            try await enqueue(schema, jobType: "noop", queue: "traced", count: 10_000)
            let port = freeLocalPort()
            let runner = try BinaryProcess("runner", ["poll"], environment: runnerEnvironment(schema, [
                "QUEUE_NAME": "traced", "METRICS_PORT": String(port), "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            ]))
            let drained = try await schema.eventually(timeout: .seconds(120)) {
                try await statusCounts(schema, queue: "traced") == ["completed": 10_000]
            }
            let counts = try await statusCounts(schema, queue: "traced")
            #expect(drained, "\(counts)")
            // The export queue holds 8,192 spans and nothing leaves it: the rest of 10,000 are dropped,
            // and counted (when the processor next ticks, within 5 s).
            let overflow = 10_000 - 8_192
            var dropped = 0.0
            _ = try await schema.eventually(timeout: .seconds(20)) {
                let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").body
                let line = metrics.split(separator: "\n").first { $0.hasPrefix("otel_spans_dropped_total ") }
                dropped = line.flatMap { Double($0.split(separator: " ")[1]) } ?? 0
                return dropped >= Double(overflow)
            }
            #expect(dropped >= Double(overflow), "otel_spans_dropped_total \(dropped)")
            let stopAsked = ContinuousClock.now
            runner.signal(SIGTERM)
            #expect(await runner.waitForExit(timeout: .seconds(15)) == 0, "\(runner.output.suffix(2000))")
            // The exporter gives up flushing after about a second.
            #expect(ContinuousClock.now - stopAsked < .seconds(5))
            let warnings = runner.output.split(separator: "\n").filter { $0.contains("status=spans_dropped") }
            #expect((1...2).contains(warnings.count), "\(warnings)")
        }
    }
}
