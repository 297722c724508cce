import Foundation
import SkipperCommandHandlers
import SkipperStore
import Testing

@Suite("schedules file")
struct SchedulesFileTests {
    @Test func aValidFileParsesWithItsDefaults() throws {
        let file = try SchedulesFile.parse("""
            schedules:
              nightly_report:
                cron: "30 2 * * *"
                timezone: Europe/Berlin
                job_type: report
                payload: {kind: nightly, days: 7, dry: false, tags: [a, "b"], none: null, ratio: 0.5, text: "7"}
                queue: reports
                priority: low
                max_attempts: 2
                catch_up: all
              tick:
                cron: "@every 30s"
                job_type: noop
            """)
        #expect(file.definitions.map(\.name) == ["nightly_report", "tick"])
        let nightly = file.definitions[0]
        #expect((nightly.cron, nightly.timeZone, nightly.jobType, nightly.queue) == ("30 2 * * *", "Europe/Berlin", "report", "reports"))
        #expect((nightly.priority, nightly.maxAttempts, nightly.catchUp) == (.low, 2, .all))
        let payload = try JSONSerialization.jsonObject(with: Data(nightly.payload.utf8)) as? [String: Any]
        #expect(payload?["kind"] as? String == "nightly" && payload?["days"] as? Int == 7 && payload?["dry"] as? Bool == false)
        #expect(payload?["tags"] as? [String] == ["a", "b"] && payload?["none"] is NSNull && payload?["text"] as? String == "7")
        let tick = file.definitions[1]
        #expect(tick == ScheduleDefinition(name: "tick", cron: "@every 30s", jobType: "noop"))
    }

    @Test(arguments: [
        ("schedules:\n  a:\n    cron: \"61 * * * *\"\n    job_type: x\n", "schedule 'a': invalid cron \"61 * * * *\": minute \"61\": 61 is outside 0-59"),
        ("schedules:\n  a:\n    cron: \"* * * *\"\n    job_type: x\n", "schedule 'a': invalid cron \"* * * *\": 4 fields"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n    timezone: Mars/Olympus\n    job_type: x\n", "schedule 'a': unknown time zone 'Mars/Olympus'"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n    job_type: x\n    payload: 3\n", "schedule 'a': payload must be an object or a list"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n    job_type: x\n  a:\n    cron: \"@hourly\"\n    job_type: x\n", "duplicated key(s): 'a'"),  // Yams refuses it already
        ("schedules:\n  a:\n    cron: \"@daily\"\n    job_type: x\n    every: 3\n", "schedule 'a': unknown key 'every'"),
        ("schedules:\n  a:\n    job_type: x\n", "schedule 'a': needs 'cron'"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n", "schedule 'a': needs 'job_type'"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n    job_type: x\n    catch_up: some\n", "schedule 'a': catch_up must be latest, all or none"),
        ("schedules:\n  a:\n    cron: \"@daily\"\n    job_type: x\n    priority: urgent\n", "schedule 'a': priority must be high, normal or low"),
        ("schedules:\n  \"bad name\":\n    cron: \"@daily\"\n    job_type: x\n", "schedule name 'bad name' does not follow the rule"),
        ("jobs: {}\n", "unknown top-level key 'jobs'"),
    ])
    func mistakesAreErrorsNamingTheSchedule(text: String, reason: String) {
        let error = #expect(throws: SchedulesFile.ParseError.self) { try SchedulesFile.parse(text, path: "s.yaml") }
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "no error")")
    }
}
