import ArgumentParser
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner retry ID`: queue a failed or cancelled execution again.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Queue a failed or cancelled execution again now, with one more attempt allowed.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The execution_id.") var executionID: Int64

    func run() async throws {
        let context = try await common.prepare(label: "skipper.runner")
        try await changeState(context: context, executionID: executionID, verb: "retried") { id, connection in
            try await QueueClient.retry(id, on: connection)
        }
    }
}

/// `runner cancel ID`: cancel a queued or running execution.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a queued or running execution.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The execution_id.") var executionID: Int64

    func run() async throws {
        let context = try await common.prepare(label: "skipper.runner")
        try await changeState(context: context, executionID: executionID, verb: "cancelled") { id, connection in
            try await QueueClient.cancel(id, on: connection)
        }
    }
}

private func changeState(
    context: CommonOptions.Context, executionID: Int64, verb: String,
    _ body: (Int64, StoreConnection) async throws -> Bool
) async throws {
    do {
        let connection = try await context.database.connect(role: "cli", logger: context.logger)
        let changed = try await body(executionID, connection)
        if changed {
            print("execution \(executionID) \(verb)")
            return
        }
        guard let status = try await QueueClient.status(of: executionID, on: connection) else {
            print("no execution \(executionID)")
            throw ExitCode(RunnerExit.nothingToDo)
        }
        print("execution \(executionID) not \(verb): it is \(status)")
        throw ExitCode(RunnerExit.attemptFailed)
    } catch {
        throw runtimeFailure(error, logger: context.logger)
    }
}
