import ArgumentParser
import Foundation
import SkipperCLI
import SkipperRuntime
import SkipperStore

@main
struct RunnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Skipper's runner: claims executions from PostgreSQL and runs their handlers.",
        discussion: """
            Settings come from flags, then the environment, then --env-file, then defaults.
            Exit codes: 0 ok; 1 runtime failure (database); 3 run-once attempt failed, or retry/cancel \
            found the execution in another state; 4 run-once found nothing to do, or no such execution; \
            64 invalid configuration or usage.
            """,
        version: SkipperVersion.description,
        subcommands: [
            PollCommand.self, RunOnceCommand.self, MigrateCommand.self, EnqueueCommand.self, StatusCommand.self,
            RetryCommand.self, CancelCommand.self, SchedulesCommand.self,
        ]
    )

    static func main() async {
        await runRootCommand(Self.self)
    }
}
