import Logging
import SkipperStore

/// Does the work of one job type. Handlers get the execution (payload, attempt, idempotency key)
/// and return the result JSON text, or throw to fail the attempt.
///
/// Cancellation means the runner is stopping or lost its claim: return promptly.
public protocol JobHandler: Sendable {
    /// Runs one attempt.
    /// - Returns: the result as JSON text, or nil for no result.
    func run(_ execution: ClaimedExecution, logger: Logger) async throws -> String?

    /// This job type's own timeout; nil uses the runner's JOB_TIMEOUT. An execution's own
    /// timeout_seconds wins over both.
    var timeout: Duration? { get }
}

extension JobHandler {
    /// The handler's own timeout; nil uses the runner's JOB_TIMEOUT.
    public var timeout: Duration? { nil }
}

/// A handler from a closure, for programs that link `Skipper` and register in-process work.
public struct ClosureHandler: JobHandler {
    private let body: @Sendable (ClaimedExecution, Logger) async throws -> String?

    public init(_ body: @escaping @Sendable (ClaimedExecution, Logger) async throws -> String?) {
        self.body = body
    }

    public func run(_ execution: ClaimedExecution, logger: Logger) async throws -> String? {
        try await body(execution, logger)
    }
}

/// The built-in `noop` job type: succeeds at once with no result (benchmarks, smoke tests).
public struct NoopHandler: JobHandler {
    public init() {}
    public func run(_ execution: ClaimedExecution, logger: Logger) async throws -> String? { nil }
}

/// The handlers a runner has, by job type.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    /// A registry with the built-in `noop` handler.
    public init() {
        handlers["noop"] = NoopHandler()
    }

    /// Adds or replaces the handler of a job type.
    public mutating func register(_ jobType: String, _ handler: any JobHandler) {
        handlers[jobType] = handler
    }

    /// Registers a closure as the handler of a job type.
    public mutating func register(_ jobType: String, _ body: @escaping @Sendable (ClaimedExecution, Logger) async throws -> String?) {
        handlers[jobType] = ClosureHandler(body)
    }

    /// The handler of a job type.
    public func handler(for jobType: String) -> (any JobHandler)? {
        handlers[jobType]
    }

    /// Every job type with a handler.
    public var jobTypes: Set<String> { Set(handlers.keys) }
}
