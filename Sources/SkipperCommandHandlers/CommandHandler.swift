import Foundation
import Logging
import SkipperRuntime
import SkipperStore
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program named in the worker host's handlers file, without a shell.
///
/// The payload goes to the program's stdin as JSON; EXECUTION_ID, ATTEMPT, IDEMPOTENCY_KEY,
/// JOB_TYPE, QUEUE and TRACEPARENT go in its environment (with PATH, HOME, LANG and the
/// handler's own variables; never the runner's DATABASE_URL). Exit 0 is success and stdout is
/// the result; otherwise the tail of stderr is the error. Both are bounded: a handler that
/// prints gigabytes is drained, not stored.
///
/// The program runs under `skipper-handler-guard` (see ``HandlerGuard``), in a process group of
/// its own: a cancelled attempt (timeout, shutdown, lost claim) kills the whole group, an
/// operator's cancel sends it SIGTERM first (``AttemptControl``), and when the runner dies,
/// however it dies, the guard kills the group, so that no handler outlives its runner.
public struct CommandHandler: JobHandler {
    /// One handler definition from the handlers file.
    public struct Definition: Sendable, Equatable {
        /// Absolute path of the program.
        public var executable: String
        /// Arguments after the program.
        public var arguments: [String]
        /// Extra environment variables.
        public var environment: [String: String]
        /// This job type's timeout, overriding JOB_TIMEOUT (an execution's own timeout wins over both).
        public var timeout: Duration?

        public init(executable: String, arguments: [String] = [], environment: [String: String] = [:], timeout: Duration? = nil) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.timeout = timeout
        }
    }

    /// What the handler runs.
    public let definition: Definition
    /// The most stdout bytes kept as a result.
    public var resultLimitBytes: Int
    /// The most stderr bytes kept (the end of it) as the error.
    public var errorTailBytes: Int
    /// The path of `skipper-handler-guard`, which the program is started through.
    public var guardPath: String

    public init(definition: Definition, guardPath: String, resultLimitBytes: Int = 1 << 20, errorTailBytes: Int = 4096) {
        self.definition = definition
        self.guardPath = guardPath
        self.resultLimitBytes = resultLimitBytes
        self.errorTailBytes = errorTailBytes
    }

    /// Why a command's attempt failed: what happened to which program, and the words recorded
    /// as the execution's error.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What happened.
        public enum Kind: Sendable, Equatable {
            case couldNotStart
            case payloadFile
            case resultTooLarge
            case exited(status: Int32)
            case killed(signal: Int32)
        }

        public var kind: Kind
        /// The handler's program.
        public var program: String
        /// The error text recorded for the attempt (stderr's tail for an exit or a signal).
        public var description: String
    }

    public func run(_ execution: ClaimedExecution, logger: Logger) async throws -> String? {
        var options = PlatformOptions()
        options.processGroupID = 0  // the guard's own group, which the handler's processes stay in
        // A cancelled attempt (timeout, shutdown, lost claim, CANCEL_GRACE over) kills the group;
        // the guard is not in it any more, reports how the handler ended, and exits.
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        let control = AttemptControl.current
        let resultLimit = resultLimitBytes
        let tailLimit = errorTailBytes
        let outcome: ExecutionResult<(OutputHead, OutputTail), SequenceOutput, SequenceOutput>
        let stdin = try PayloadFile(execution.payload)
        do {
            outcome = try await Subprocess.run(
                .path(FilePath(guardPath)),
                arguments: Arguments([String(getpid()), definition.executable] + definition.arguments),
                environment: .custom(environment(for: execution)),
                platformOptions: options,
                input: .fileDescriptor(stdin.descriptor, closeAfterSpawningProcess: true),
                output: .sequence,
                error: .sequence
            ) { running in
                let group = running.processIdentifier.value
                control?.onStopRequest { _ = kill(-group, SIGTERM) }
                async let head = OutputHead.collect(running.standardOutput, limit: resultLimit)
                async let tail = OutputTail.collect(running.standardError, limit: tailLimit)
                return try await (head, tail)
            }
        } catch let error as SubprocessError {
            throw Failure(kind: .couldNotStart, program: definition.executable, description: "cannot run \(definition.executable) through \(guardPath): \(error)")
        }
        let (head, tail) = outcome.closureResult
        switch outcome.terminationStatus {
        case .exited(0):
            guard !head.overflowed else {
                throw Failure(kind: .resultTooLarge, program: definition.executable, description: "result is larger than the limit of \(resultLimit) bytes")
            }
            return Self.resultJSON(head.bytes)
        case .exited(let code):
            throw Failure(kind: .exited(status: code), program: definition.executable, description: "exit status \(code): \(tail.text)")
        case .signaled(let signal):
            throw Failure(kind: .killed(signal: signal), program: definition.executable, description: "killed by signal \(signal): \(tail.text)")
        }
    }

    private func environment(for execution: ClaimedExecution) -> [Environment.Key: String] {
        let inherited = ProcessInfo.processInfo.environment
        var values: [String: String] = [
            "PATH": inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
        ]
        for name in ["HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"] {
            if let value = inherited[name] { values[name] = value }
        }
        for (name, value) in definition.environment { values[name] = value }
        values["EXECUTION_ID"] = String(execution.executionID)
        values["ATTEMPT"] = String(execution.attempt)
        values["MAX_ATTEMPTS"] = String(execution.maxAttempts)
        values["JOB_TYPE"] = execution.jobType
        values["QUEUE"] = execution.queue
        values["WORKER_ID"] = execution.workerID
        if let key = execution.idempotencyKey { values["IDEMPOTENCY_KEY"] = key }
        if let trace = execution.traceContext { values["TRACEPARENT"] = trace }
        var keyed: [Environment.Key: String] = [:]
        for (name, value) in values { keyed[Environment.Key(stringLiteral: name)] = value }
        return keyed
    }

    /// stdout as a JSON result: JSON as it is, other text as a JSON string, nothing as nil.
    public static func resultJSON(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : JSONText.result(text)
    }
}

/// The payload in an anonymous (unlinked) temporary file, handed to the handler as its stdin.
///
/// A file instead of a pipe: a handler that exits without reading its stdin must not turn into
/// a write error (swift-subprocess 1.0.2 traps when its stdin writer fails with EPIPE), and a
/// payload larger than a pipe's buffer needs no writer task.
struct PayloadFile {
    let descriptor: FileDescriptor

    init(_ payload: String) throws {
        var template = Array((NSTemporaryDirectory() + "/skipper-payload-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CommandHandler.Failure(kind: .payloadFile, program: "", description: "cannot create the payload file (errno \(errno))") }
        // Unlinked at once: the open descriptor is the only name it has.
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = FileDescriptor(rawValue: fd)
        do {
            _ = try descriptor.writeAll(Array(payload.utf8))
            _ = try descriptor.seek(offset: 0, from: .start)
        } catch {
            try? descriptor.close()
            throw CommandHandler.Failure(kind: .payloadFile, program: "", description: "cannot write the payload file: \(error)")
        }
    }
}

/// The first bytes of a stream, up to a limit; the rest is read and dropped.
struct OutputHead: Sendable {
    var bytes: [UInt8] = []
    var overflowed = false

    static func collect(_ stream: SubprocessOutputSequence, limit: Int) async throws -> OutputHead {
        var head = OutputHead()
        for try await buffer in stream {
            guard !head.overflowed else { continue }
            buffer.withUnsafeBytes { raw in
                let room = limit - head.bytes.count
                if raw.count > room {
                    head.bytes.append(contentsOf: raw.prefix(max(room, 0)))
                    head.overflowed = true
                } else {
                    head.bytes.append(contentsOf: raw)
                }
            }
        }
        return head
    }
}

/// The last bytes of a stream, up to a limit.
struct OutputTail: Sendable {
    var bytes: [UInt8] = []
    var truncated = false

    var text: String {
        let decoded = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let body = decoded.isEmpty ? "(no output on stderr)" : decoded
        return truncated ? "…" + body : body
    }

    static func collect(_ stream: SubprocessOutputSequence, limit: Int) async throws -> OutputTail {
        var tail = OutputTail()
        for try await buffer in stream {
            buffer.withUnsafeBytes { raw in
                tail.bytes.append(contentsOf: raw.suffix(limit))
            }
            if tail.bytes.count > limit {
                tail.bytes.removeFirst(tail.bytes.count - limit)
                tail.truncated = true
            }
        }
        return tail
    }
}

extension CommandHandler {
    /// The handlers file's `timeout` for this job type, if it gives one.
    public var timeout: Duration? { definition.timeout }
}
