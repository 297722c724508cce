import Foundation
import PGClient

/// The `schedules` table: what schedulers take and fire, what a schedules file declares, what
/// `runner schedules` lists and changes. Slots travel as seconds since 1970 (whole seconds).
package enum ScheduleStore {
    /// One change `sync(_:on:)` made: a schedule `created`, `updated`, `unchanged` or `deleted`.
    package struct Change: Sendable, Equatable {
        package var name: String
        package var change: String
    }

    static let sync = StoreStatement("sync_file_schedules", "SELECT name, change FROM sync_file_schedules($1::jsonb)")

    /// Makes the file-managed schedules what `definitions` declare (`sync_file_schedules()`).
    package static func sync(_ definitions: [ScheduleDefinition], on connection: StoreConnection) async throws(StoreError) -> [Change] {
        let entries = definitions.map { definition in
            """
            {"name": \(JSONText.string(definition.name)), "cron": \(JSONText.string(definition.cron)), \
            "timezone": \(JSONText.string(definition.timeZone)), "job_type": \(JSONText.string(definition.jobType)), \
            "payload": \(definition.payload), "queue": \(JSONText.string(definition.queue)), \
            "priority": \(definition.priority.rawValue), "max_attempts": \(definition.maxAttempts), \
            "catch_up": \(JSONText.string(definition.catchUp.rawValue))}
            """
        }
        return try await connection.rows("apply the schedules file") { db in
            try await db.query(sync.text, [PGJSON("[" + entries.joined(separator: ",") + "]")], name: sync.name).map { row in
                Change(name: try row.decode("name"), change: try row.decode("change"))
            }
        }
    }

    // Due schedules, and those without a next slot (new, changed, resumed), oldest first; rows
    // another scheduler holds are skipped: it is firing them.
    static let takeDue = StoreStatement("take_due_schedules", """
        SELECT name, cron, timezone, catch_up, extract(epoch FROM next_slot)::float8 AS next_slot,
               extract(epoch FROM now())::float8 AS now
          FROM schedules
         WHERE NOT paused AND (next_slot IS NULL OR next_slot <= now())
         ORDER BY next_slot NULLS FIRST
         LIMIT $1
           FOR UPDATE SKIP LOCKED
        """)

    /// Locks up to `limit` due schedules (call inside a transaction) and returns them with the
    /// database's now.
    package static func takeDue(limit: Int, on connection: StoreConnection) async throws(StoreError) -> (now: Date, due: [DueSchedule]) {
        try await connection.rows("take due schedules") { db in
            let rows = try await db.query(takeDue.text, [limit], name: takeDue.name)
            var now = Date()
            let due = try rows.map { row in
                now = Date(timeIntervalSince1970: try row.decode("now", as: Double.self))
                return DueSchedule(
                    name: try row.decode("name"), cron: try row.decode("cron"), timeZone: try row.decode("timezone"),
                    catchUp: CatchUp(rawValue: try row.decode("catch_up", as: String.self)) ?? .latest,
                    nextSlot: try row.decode("next_slot", as: Double?.self).map(Date.init(timeIntervalSince1970:)))
            }
            return (now, due)
        }
    }

    // A schedule without a next slot yet (new, changed, resumed) is due now.
    static let soonest = StoreStatement("soonest_schedule_slot", """
        SELECT CASE WHEN bool_or(next_slot IS NULL) THEN 0
                    ELSE extract(epoch FROM min(next_slot) - clock_timestamp())::float8 END AS seconds
          FROM schedules WHERE NOT paused
        """)

    /// How long until the soonest next slot of any schedule (negative when one is due, or a
    /// schedule has no next slot yet), nil when there is no schedule to fire.
    package static func secondsToSoonestSlot(on connection: StoreConnection) async throws(StoreError) -> Double? {
        let rows = try await connection.query("read the soonest schedule slot", soonest)
        return try? rows.first?.decode("seconds", as: Double?.self) ?? nil
    }

    static let fire = StoreStatement("fire_schedule", """
        SELECT fire_schedule($1, ARRAY(SELECT to_timestamp(s) FROM unnest($2::float8[]) AS s), to_timestamp($3::float8), $4) AS execution_ids
        """)

    /// Fires `slots` of a schedule taken by ``takeDue(limit:on:)`` (one execution each, keyed by
    /// slot) and moves it to `next`; returns each slot's execution, nil when the schedule is gone.
    @discardableResult
    package static func fire(
        _ name: String, slots: [Date], next: Date?, problem: String?, on connection: StoreConnection
    ) async throws(StoreError) -> [Int64]? {
        try await connection.rows("fire schedule") { db in
            let rows = try await db.query(
                fire.text, [name, slots.map { $0.timeIntervalSince1970.rounded(.down) }, next.map { $0.timeIntervalSince1970.rounded(.down) }, problem],
                name: fire.name)
            return try rows.first?.decode("execution_ids", as: [Int64]?.self)
        }
    }

    static let queuedRanges = StoreStatement("queued_ranges", "SELECT queue, priority, job_type FROM queued_ranges($1::jsonb)")

    /// Every (queue, priority, job type) with queued executions; given the ranges a previous call
    /// returned, only the new ones are looked for (the known come back as they are).
    package static func queuedRanges(known: [ClaimProbe]?, on connection: StoreConnection) async throws(StoreError) -> [ClaimProbe] {
        try await connection.rows("read queued ranges") { db in
            try await db.query(queuedRanges.text, [known.map { PGJSON(rangesJSON($0)) }], name: queuedRanges.name).map { row in
                ClaimProbe(
                    queue: try row.decode("queue"), priority: Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal,
                    jobType: try row.decode("job_type"))
            }
        }
    }

    static func rangesJSON(_ ranges: [ClaimProbe]) -> String {
        "[" + ranges.map { range in
            "{\"queue\": \(JSONText.string(range.queue)), \"priority\": \(range.priority.rawValue), \"job_type\": \(JSONText.string(range.jobType))}"
        }.joined(separator: ",") + "]"
    }

    static let announceDue = StoreStatement("announce_due", """
        SELECT announced, next_due_in_seconds, extract(epoch FROM now())::float8 AS now
          FROM announce_due(to_timestamp($1::float8), $2::jsonb)
        """)

    /// Announces the delayed executions of `ranges` that came due after `since` (runners wake
    /// for them; nil: the last 2 s) and says how many it announced, the database's now (the next call's `since`)
    /// and in how many seconds the next delayed one comes due.
    package static func announceDue(
        since: Date?, ranges: [ClaimProbe], on connection: StoreConnection
    ) async throws(StoreError) -> (announced: Int, now: Date, nextDueInSeconds: Double?) {
        try await connection.rows("announce due executions") { db in
            let row = try await db.query(announceDue.text, [since?.timeIntervalSince1970, PGJSON(rangesJSON(ranges))], name: announceDue.name)[0]
            return (try row.decode("announced", as: Int.self), Date(timeIntervalSince1970: try row.decode("now", as: Double.self)),
                    try row.decode("next_due_in_seconds", as: Double?.self))
        }
    }

    static let list = StoreStatement("list_schedules", """
        SELECT name, cron, timezone, job_type, payload::text AS payload, queue, priority, max_attempts, catch_up, paused,
               managed_by, extract(epoch FROM next_slot)::float8 AS next_slot, extract(epoch FROM last_slot)::float8 AS last_slot,
               last_execution_id, problem
          FROM schedules
         ORDER BY name
        """)

    /// Every schedule, by name.
    package static func list(on connection: StoreConnection) async throws(StoreError) -> [ScheduleState] {
        try await connection.rows("list schedules") { db in
            try await db.query(list.text, name: list.name).map { row in
                ScheduleState(
                    definition: ScheduleDefinition(
                        name: try row.decode("name"), cron: try row.decode("cron"), timeZone: try row.decode("timezone"),
                        jobType: try row.decode("job_type"), payload: try row.decode("payload"), queue: try row.decode("queue"),
                        priority: Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal,
                        maxAttempts: try row.decode("max_attempts"),
                        catchUp: CatchUp(rawValue: try row.decode("catch_up", as: String.self)) ?? .latest),
                    paused: try row.decode("paused"), managedBy: try row.decode("managed_by"),
                    nextSlot: try row.decode("next_slot", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
                    lastSlot: try row.decode("last_slot", as: Double?.self).map(Date.init(timeIntervalSince1970:)),
                    lastExecutionID: try row.decode("last_execution_id", as: Int64?.self), problem: try row.decode("problem", as: String?.self))
            }
        }
    }

    static let pause = StoreStatement("pause_schedule", "SELECT pause_schedule($1) AS found")
    static let resume = StoreStatement("resume_schedule", "SELECT resume_schedule($1) AS found")
    static let trigger = StoreStatement("trigger_schedule", "SELECT trigger_schedule($1) AS execution_id")

    /// Pauses or resumes a schedule; false when there is none of that name.
    package static func setPaused(_ name: String, _ paused: Bool, on connection: StoreConnection) async throws(StoreError) -> Bool {
        try await connection.rows("\(paused ? "pause" : "resume") schedule") { db in
            let statement = paused ? pause : resume
            return try await db.query(statement.text, [name], name: statement.name)[0].decode("found", as: Bool.self)
        }
    }

    /// Enqueues one execution of a schedule now (`trigger_schedule()`); nil when there is none
    /// of that name.
    package static func trigger(_ name: String, on connection: StoreConnection) async throws(StoreError) -> Int64? {
        try await connection.rows("trigger schedule") { db in
            try await db.query(trigger.text, [name], name: trigger.name)[0].decode("execution_id", as: Int64?.self)
        }
    }
}
