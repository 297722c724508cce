import ArgumentParser
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner status`: depth per queue, priority and status; workers with heartbeat age.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show queue depth per queue/priority/status and every worker with its heartbeat age.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try await common.prepare(label: "skipper.status")
        do {
            let connection = try await context.database.connect(role: "cli", logger: context.logger)
            print(try await QueueStatus.load(on: connection).rendered(), terminator: "")
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }
}
