import Foundation
import SkipperRuntime
import SkipperStore
import Yams

/// A runner's schedules file (SCHEDULES_FILE): the recurring schedules it declares.
///
/// ```yaml
/// schedules:
///   nightly_report:
///     cron: "30 2 * * *"        # 5 fields, 6 with seconds first, @daily and the like, "@every 30s"
///     timezone: Europe/Berlin   # optional, IANA name; default UTC
///     job_type: report
///     payload: {kind: nightly}  # optional, an object or a list; default {}
///     queue: default            # optional
///     priority: normal          # optional: high, normal, low
///     max_attempts: 4           # optional
///     catch_up: latest          # optional: latest, all, none
/// ```
///
/// Every mistake — an unknown key, a cron that cannot fire, an unknown zone, a payload that is
/// not an object or list, a duplicate name — is an error naming the schedule, found before the
/// runner touches the database.
public struct SchedulesFile: Sendable {
    /// The schedules, in file order.
    public var definitions: [ScheduleDefinition]

    /// A schedules file that could not be used, with where and why.
    public typealias ParseError = YAMLFileError

    private static let keys = ["cron", "timezone", "job_type", "payload", "queue", "priority", "max_attempts", "catch_up"]

    /// Reads and validates a schedules file.
    public static func load(path: String) throws(ParseError) -> SchedulesFile {
        try parse(try YAMLFile(kind: "schedules file", path: path).text(), path: path)
    }

    /// Parses schedules-file text (`path` is only for messages).
    public static func parse(_ text: String, path: String = "<text>") throws(ParseError) -> SchedulesFile {
        let file = YAMLFile(kind: "schedules file", path: path)
        func fail(_ reason: String) -> ParseError { file.fail(reason) }
        let schedules = try file.section("schedules", in: text, entries: "name to schedule")
        var definitions: [ScheduleDefinition] = []
        var seen = Set<String>()
        for (keyNode, valueNode) in schedules {
            guard let name = keyNode.string, NameRule.isValid(name) else {
                throw fail("schedule name '\(keyNode.string ?? "?")' does not follow the rule: \(NameRule.description)")
            }
            guard seen.insert(name).inserted else { throw fail("schedule '\(name)' is declared twice") }
            func bad(_ reason: String) -> ParseError { fail("schedule '\(name)': \(reason)") }
            guard let fields = valueNode.mapping else { throw bad("must be a mapping") }
            for key in fields.keys where !keys.contains(key.string ?? "") {
                throw bad("unknown key '\(key.string ?? "?")' (allowed: \(keys.joined(separator: ", ")))")
            }
            guard let cron = fields["cron"]?.string else { throw bad("needs 'cron', e.g. \"30 2 * * *\" or \"@every 30s\"") }
            let zoneName = fields["timezone"]?.string ?? "UTC"
            guard let zone = TimeZone(identifier: zoneName) else {
                throw bad("unknown time zone '\(zoneName)' (an IANA name such as Europe/Berlin)")
            }
            do {
                _ = try CronSchedule(cron, timeZone: zone)
            } catch {
                throw bad("\(error)")
            }
            guard let jobType = fields["job_type"]?.string, NameRule.isValid(jobType) else {
                throw bad("needs 'job_type' following the rule: \(NameRule.description)")
            }
            var definition = ScheduleDefinition(name: name, cron: cron, timeZone: zoneName, jobType: jobType)
            if let payload = fields["payload"] {
                guard payload.mapping != nil || payload.sequence != nil else { throw bad("payload must be an object or a list") }
                definition.payload = try json(payload, fail: bad)
            }
            if let queue = fields["queue"] {
                guard let text = queue.string, NameRule.isValid(text) else { throw bad("queue must follow the rule: \(NameRule.description)") }
                definition.queue = text
            }
            if let priority = fields["priority"] {
                guard let text = priority.string, let value = Priority(parsing: text) else { throw bad("priority must be high, normal or low") }
                definition.priority = value
            }
            if let attempts = fields["max_attempts"] {
                guard let value = attempts.int, (1...1000).contains(value) else { throw bad("max_attempts must be a whole number from 1 to 1000") }
                definition.maxAttempts = value
            }
            if let catchUp = fields["catch_up"] {
                guard let text = catchUp.string, let value = CatchUp(rawValue: text) else { throw bad("catch_up must be latest, all or none") }
                definition.catchUp = value
            }
            definitions.append(definition)
        }
        return SchedulesFile(definitions: definitions)
    }

    /// A YAML node as JSON text (mappings, lists, strings, numbers, booleans, null).
    private static func json(_ node: Node, fail: (String) -> ParseError) throws(ParseError) -> String {
        switch node {
        case .mapping(let mapping):
            var parts: [String] = []
            for (key, value) in mapping {
                guard let name = key.string else { throw fail("payload keys must be strings") }
                parts.append(JSONText.string(name) + ":" + (try json(value, fail: fail)))
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .sequence(let sequence):
            var parts: [String] = []
            for value in sequence { parts.append(try json(value, fail: fail)) }
            return "[" + parts.joined(separator: ",") + "]"
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return "null" }
                if let bool = node.bool { return bool ? "true" : "false" }
                if let int = node.int { return String(int) }
                if let double = node.float, double.isFinite { return String(double) }
            }
            return JSONText.string(scalar.string)
        case .alias:
            throw fail("payload may not use YAML aliases")
        }
    }
}
