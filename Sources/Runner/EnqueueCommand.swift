import ArgumentParser
import Foundation
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner enqueue`: add executions from the command line, or many from JSON lines.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue an execution and print its execution_id (or many, from JSON lines).",
        discussion: """
            With --jsonl FILE (or - for stdin), each line is an object: {"job_type": "...", "payload": {...}, \
            "queue": "...", "priority": "high", "delay": "30s", "max_attempts": 4, "timeout": "1m"}; they are \
            inserted in batches of 1,000 and their ids printed one per line.
            """)

    @OptionGroup var common: CommonOptions

    @Argument(help: "The job type (which handler runs it).") var jobType: String?
    @Option(help: "The payload as JSON. Default {}.") var payload: String = "{}"
    @Option(name: .customLong("queue"), help: "The queue. Default 'default'.") var queue: String = "default"
    @Option(help: "high, normal or low (or 0, 1, 2). Default normal.") var priority: String = "normal"
    @Option(help: "Not before now plus this duration (e.g. 30s, 5m).") var delay: String?
    @Option(name: .customLong("max-attempts"), help: "Attempts allowed in all. Default MAX_RETRIES + 1.") var maxAttempts: String?
    @Option(name: .customLong("max-retries"), help: "Retries after the first attempt when --max-attempts is not given (MAX_RETRIES). Default 3.")
    var maxRetries: String?
    @Option(name: .customLong("idempotency-key"), help: "Enqueue at most once per key (while its record lives).") var idempotencyKey: String?
    @Option(help: "This execution's own timeout (e.g. 30s).") var timeout: String?
    @Option(name: .customLong("trace-context"), help: "A W3C traceparent to pass to the handler.") var traceContext: String?
    @Option(name: .customLong("jsonl"), help: "Read executions from JSON lines in this file (- for stdin).") var jsonLines: String?

    func run() async throws {
        let context = try await common.prepare(label: "skipper.enqueue")
        let defaultMaxAttempts = try usage { () throws(ConfigurationError) -> Int in
            try context.source.read(Settings.maxRetries, flag: maxRetries).map { $0 + 1 } ?? 4
        }
        if let jsonLines {
            let requests = try usage { () throws(ConfigurationError) in try readJSONLines(jsonLines, defaultMaxAttempts: defaultMaxAttempts) }
            try await traced(context) { try await enqueueInBatches(requests, context: context) }
            return
        }
        guard let jobType else {
            throw ValidationError("give a job type, or --jsonl FILE")
        }
        let request = try usage { () throws(ConfigurationError) in try makeRequest(jobType: jobType, defaultMaxAttempts: defaultMaxAttempts) }
        try await traced(context) {
            let span = EnqueueSpan(name: "\(jobType) send", queue: request.queue, count: 1, parent: request.traceContext)
            var request = request
            request.traceContext = span.traceContext(or: request.traceContext)
            do {
                let connection = try await context.database.connect(role: "cli", logger: context.logger)
                let id = try await QueueClient.enqueue(request, on: connection)
                span.end(ids: [id])
                print(id)
            } catch {
                span.end(ids: [], error: error)
                throw runtimeFailure(error, logger: context.logger)
            }
        }
    }

    /// Runs `body` with tracing bootstrapped from the OTEL_ environment (flushed at the end).
    private func traced(_ context: CommonOptions.Context, _ body: () async throws -> Void) async throws {
        let exporter = try usage { () throws(ConfigurationError) in
            try TracingBackend.bootstrap(serviceName: "skipper-runner", logger: context.logger)
        }
        try await TracingBackend.withExporter(exporter, logger: context.logger, body)
    }

    /// Inserts in batches of 1,000, one producer span per batch: lines without their own
    /// trace_context continue the batch's span.
    private func enqueueInBatches(_ requests: [QueueClient.EnqueueRequest], context: CommonOptions.Context) async throws {
        do {
            let connection = try await context.database.connect(role: "cli", logger: context.logger)
            var start = 0
            while start < requests.count {
                var batch = Array(requests[start..<min(start + 1000, requests.count)])
                let span = EnqueueSpan(name: "skipper send", queue: Set(batch.map(\.queue)).count == 1 ? batch[0].queue : nil, count: batch.count, parent: nil)
                for index in batch.indices where batch[index].traceContext == nil {
                    batch[index].traceContext = span.traceContext(or: nil)
                }
                do {
                    let ids = try await QueueClient.enqueueMany(batch, on: connection)
                    span.end(ids: ids)
                    print(ids.map(String.init).joined(separator: "\n"))
                } catch {
                    span.end(ids: [], error: error)
                    throw error
                }
                start += batch.count
            }
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }

    private func makeRequest(jobType: String, defaultMaxAttempts: Int) throws(ConfigurationError) -> QueueClient.EnqueueRequest {
        var request = QueueClient.EnqueueRequest(jobType: jobType)
        guard NameRule.isValid(jobType) else {
            throw ConfigurationError(setting: "job type", value: String(jobType.prefix(80)), expected: NameRule.description)
        }
        guard NameRule.isValid(queue) else {
            throw ConfigurationError(setting: "--queue", value: String(queue.prefix(80)), expected: NameRule.description)
        }
        guard JSONText.isValid(payload) else {
            throw ConfigurationError(setting: "--payload", value: String(payload.prefix(80)), expected: "valid JSON nested at most 512 levels deep, such as {\"to\": \"a@example.com\"}")
        }
        guard let parsedPriority = Priority(parsing: priority) else {
            throw ConfigurationError(setting: "--priority", value: priority, expected: "high, normal or low (or 0, 1, 2)")
        }
        request.payload = payload
        request.queue = queue
        request.priority = parsedPriority
        request.maxAttempts = defaultMaxAttempts
        if let maxAttempts {
            request.maxAttempts = try SettingParser.integer(maxAttempts, setting: "--max-attempts", range: 1...1000)
        }
        if let delay { request.delay = try SettingParser.duration(delay, setting: "--delay", allowZero: true) }
        if let timeout { request.timeout = try SettingParser.duration(timeout, setting: "--timeout") }
        request.idempotencyKey = idempotencyKey
        request.traceContext = traceContext
        return request
    }

    private func readJSONLines(_ path: String, defaultMaxAttempts: Int) throws(ConfigurationError) -> [QueueClient.EnqueueRequest] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(setting: "--jsonl", value: path, expected: "a readable file of JSON lines")
            }
            data = contents
        }
        var requests: [QueueClient.EnqueueRequest] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            let lineNumber = index + 1
            func bad(_ why: String) -> ConfigurationError {
                ConfigurationError(setting: "--jsonl line \(lineNumber)", value: String(decoding: line.prefix(80), as: UTF8.self), expected: why)
            }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw bad("a JSON object")
            }
            guard let jobType = object["job_type"] as? String, NameRule.isValid(jobType) else {
                throw bad("\"job_type\": \(NameRule.description)")
            }
            var request = QueueClient.EnqueueRequest(jobType: jobType)
            request.maxAttempts = defaultMaxAttempts
            if let payload = object["payload"] {
                guard let encoded = try? JSONSerialization.data(withJSONObject: payload, options: [.fragmentsAllowed]) else {
                    throw bad("a JSON payload")
                }
                request.payload = String(decoding: encoded, as: UTF8.self)
            }
            if let queue = object["queue"] {
                guard let queue = queue as? String, NameRule.isValid(queue) else { throw bad("\"queue\": \(NameRule.description)") }
                request.queue = queue
            }
            if let priority = object["priority"] {
                guard let priority = Priority(parsing: "\(priority)") else { throw bad("\"priority\": high, normal or low") }
                request.priority = priority
            }
            if let delay = object["delay"] {
                request.delay = try SettingParser.duration("\(delay)", setting: "--jsonl line \(lineNumber) delay", allowZero: true)
            }
            if let timeout = object["timeout"] {
                request.timeout = try SettingParser.duration("\(timeout)", setting: "--jsonl line \(lineNumber) timeout")
            }
            if let attempts = object["max_attempts"] {
                request.maxAttempts = try SettingParser.integer("\(attempts)", setting: "--jsonl line \(lineNumber) max_attempts", range: 1...1000)
            }
            request.traceContext = object["trace_context"] as? String
            requests.append(request)
        }
        return requests
    }
}
