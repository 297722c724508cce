import Foundation

/// A recurring schedule as declared: an entry of a schedules file, or the arguments of
/// `upsert_schedule()`.
public struct ScheduleDefinition: Sendable, Equatable {
    /// Its name (``NameRule``), unique in the database.
    public var name: String
    /// The cron expression (five or six fields, a macro such as `@daily`, or `@every 30s`).
    public var cron: String
    /// The IANA time zone its fields are read in.
    public var timeZone: String
    /// The job type of the executions it fires.
    public var jobType: String
    /// Their payload, a JSON object or array.
    public var payload: String
    /// Their queue.
    public var queue: String
    /// Their priority.
    public var priority: Priority
    /// Their attempts.
    public var maxAttempts: Int
    /// What it fires for slots missed while no scheduler ran.
    public var catchUp: CatchUp

    public init(
        name: String, cron: String, timeZone: String = "UTC", jobType: String, payload: String = "{}", queue: String = "default",
        priority: Priority = .normal, maxAttempts: Int = 4, catchUp: CatchUp = .latest
    ) {
        self.name = name
        self.cron = cron
        self.timeZone = timeZone
        self.jobType = jobType
        self.payload = payload
        self.queue = queue
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.catchUp = catchUp
    }
}

/// A schedule as the `schedules` table holds it: its definition and where it stands.
public struct ScheduleState: Sendable {
    /// What it fires and when.
    public var definition: ScheduleDefinition
    /// Whether it is paused.
    public var paused: Bool
    /// `file` (a runner's schedules file declares it) or `sql`.
    public var managedBy: String
    /// The next slot due; nil until a scheduler has computed it.
    public var nextSlot: Date?
    /// The last slot fired.
    public var lastSlot: Date?
    /// The execution the last slot fired.
    public var lastExecutionID: Int64?
    /// Why no scheduler can fire it, if one said so.
    public var problem: String?
}

/// A schedule that a scheduler's pass found due (or without a next slot yet), row locked.
package struct DueSchedule: Sendable {
    package var name: String
    package var cron: String
    package var timeZone: String
    package var catchUp: CatchUp
    package var nextSlot: Date?
}
