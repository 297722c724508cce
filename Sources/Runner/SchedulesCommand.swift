import ArgumentParser
import Foundation
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner schedules [pause|resume|trigger NAME]`: every schedule with where it stands, or one
/// changed.
struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "List every schedule (cron, zone, next slot, last fired slot and execution, paused), or pause, resume or trigger one.",
        discussion: "trigger enqueues one execution now, keyed schedule:NAME:manual:INSTANT; the schedule's slots are unchanged.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "pause, resume or trigger (none: list).") var action: Action?
    @Argument(help: "The schedule's name.") var name: String?

    /// What it does to one schedule.
    enum Action: String, ExpressibleByArgument {
        case pause, resume, trigger
    }

    func validate() throws {
        if let action, name == nil { throw ValidationError("\(action.rawValue) needs the schedule's name") }
    }

    func run() async throws {
        let context = try await common.prepare(label: "skipper.schedules")
        do {
            let connection = try await context.database.connect(role: "cli", logger: context.logger)
            guard let action, let name else {
                print(Self.render(try await ScheduleStore.list(on: connection)), terminator: "")
                return
            }
            let done: String? = switch action {
            case .pause: try await ScheduleStore.setPaused(name, true, on: connection) ? "paused" : nil
            case .resume: try await ScheduleStore.setPaused(name, false, on: connection) ? "resumed (from its next slot after now)" : nil
            case .trigger: try await ScheduleStore.trigger(name, on: connection).map { "triggered: execution \($0)" }
            }
            guard let done else {
                print("no schedule \(name)")
                throw ExitCode(RunnerExit.nothingToDo)
            }
            print("schedule \(name) \(done)")
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }

    static func render(_ schedules: [ScheduleState]) -> String {
        func slot(_ date: Date?) -> String { date.map(CronSchedule.slotName) ?? "-" }
        return TextTable.render(
            ["name", "cron", "timezone", "job type", "queue", "next slot", "last slot", "last execution", "paused", "from", "problem"],
            schedules.map { schedule in
                let definition = schedule.definition
                return [
                    definition.name, definition.cron, definition.timeZone, definition.jobType, definition.queue,
                    schedule.paused ? "-" : slot(schedule.nextSlot), slot(schedule.lastSlot),
                    schedule.lastExecutionID.map(String.init) ?? "-", schedule.paused ? "yes" : "no", schedule.managedBy,
                    schedule.problem ?? "",
                ]
            })
    }
}
