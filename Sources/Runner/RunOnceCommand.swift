import ArgumentParser
import Foundation
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner run-once`: claim at most one execution, run it, exit.
struct RunOnceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-once",
        abstract: "Claim at most one execution, run it, and exit: 0 completed, 3 attempt failed, 4 nothing to do.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        let context = try await common.prepare(label: "skipper.runner")
        let (configuration, handlers, _) = try usage { () throws(ConfigurationError) in try worker.resolve(context.source) }
        let tracing = try usage { () throws(ConfigurationError) in
            try TracingBackend.bootstrap(serviceName: "skipper-runner", logger: context.logger)
        }
        let outcome = try await TracingBackend.withExporter(tracing, logger: context.logger) {
            do {
                return try await RunOnce.run(
                    configuration: configuration, connector: context.database, handlers: handlers,
                    logger: context.logger)
            } catch {
                throw runtimeFailure(error, logger: context.logger)
            }
        }
        switch outcome {
        case .nothingToDo:
            print("nothing to do")
            throw ExitCode(RunnerExit.nothingToDo)
        case .completed(let id):
            print("execution \(id) completed")
        case .failed(let id, let status, let error):
            print("execution \(id) failed (now \(status)): \(error)")
            throw ExitCode(RunnerExit.attemptFailed)
        }
    }
}
