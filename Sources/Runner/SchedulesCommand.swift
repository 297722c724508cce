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
    @Argument(help: "pause, resume or trigger (none: list).") var action: String?
    @Argument(help: "The schedule's name.") var name: String?

    func validate() throws {
        if let action {
            guard ScheduleStore.Action(rawValue: action) != nil else { throw ValidationError("unknown action '\(action)' (pause, resume or trigger)") }
            guard name != nil else { throw ValidationError("\(action) needs the schedule's name") }
        }
    }

    func run() async throws {
        let context = try await common.prepare(label: "skipper.schedules")
        do {
            let connection = try await context.database.connect(role: "cli", logger: context.logger)
            guard let action = action.flatMap(ScheduleStore.Action.init(rawValue:)), let name else {
                print(Self.render(try await ScheduleStore.list(on: connection)), terminator: "")
                return
            }
            guard let done = try await ScheduleStore.perform(action, on: name, connection: connection) else {
                print("no schedule \(name)")
                throw ExitCode(RunnerExit.nothingToDo)
            }
            switch action {
            case .pause: print("schedule \(name) paused")
            case .resume: print("schedule \(name) resumed (from its next slot after now)")
            case .trigger: print("schedule \(name) triggered: execution \(done)")
            }
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }

    static func render(_ schedules: [ScheduleState]) -> String {
        func slot(_ date: Date?) -> String { date.map(CronSchedule.slotName) ?? "-" }
        var rows = [["NAME", "CRON", "TIMEZONE", "JOB TYPE", "QUEUE", "NEXT SLOT", "LAST SLOT", "LAST EXECUTION", "PAUSED", "FROM", "PROBLEM"]]
        for schedule in schedules {
            let definition = schedule.definition
            rows.append([
                definition.name, definition.cron, definition.timeZone, definition.jobType, definition.queue,
                schedule.paused ? "-" : slot(schedule.nextSlot), slot(schedule.lastSlot),
                schedule.lastExecutionID.map(String.init) ?? "-", schedule.paused ? "yes" : "no", schedule.managedBy,
                schedule.problem ?? "",
            ])
        }
        if schedules.isEmpty { return "no schedules\n" }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
