import ArgumentParser
import JobQueue
import SkipperCLI
import Logging
import ServiceLifecycle

/// `runner poll`: the long-running worker.
struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Claim and run executions until SIGTERM or SIGINT (then finish or give back what runs, and exit 0).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var worker: WorkerOptions

    func run() async throws {
        let context = try await common.prepare(label: "skipper.runner")
        let (configuration, handlers, _) = try usage { () throws(ConfigurationError) in try self.worker.resolve(context.source) }
        let logger = context.logger
        let service = Worker(
            configuration: configuration, connectionString: context.connectionString, handlers: handlers, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            throw runtimeFailure(error, logger: logger)
        }
    }
}
