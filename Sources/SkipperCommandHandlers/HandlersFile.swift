import Foundation
import SkipperStore
import Yams

/// The worker host's handlers file (HANDLERS_FILE): which program runs each job type.
///
/// ```yaml
/// handlers:
///   send_email:
///     command: ["/usr/local/bin/send-email", "--fast"]   # absolute path, then arguments; no shell
///     timeout: 30s                                        # optional, overrides JOB_TIMEOUT
///     environment:                                        # optional
///       SMTP_HOST: mail.internal
/// ```
///
/// Unknown keys, duplicate job types, relative program paths and names outside ``NameRule``
/// are errors, so a typo is caught when the runner starts instead of when a job fails.
public struct HandlersFile: Sendable {
    /// Handler definitions by job type.
    public var definitions: [String: CommandHandler.Definition]

    /// A handlers file that could not be used, with where and why.
    public typealias ParseError = YAMLFileError

    /// Reads and validates a handlers file.
    public static func load(path: String) throws(ParseError) -> HandlersFile {
        try parse(try YAMLFile(kind: "handlers file", path: path).text(), path: path)
    }

    /// Parses handlers-file text (`path` is only for messages).
    public static func parse(_ text: String, path: String = "<text>") throws(ParseError) -> HandlersFile {
        let file = YAMLFile(kind: "handlers file", path: path)
        func fail(_ reason: String) -> ParseError { file.fail(reason) }
        let handlers = try file.section("handlers", in: text, entries: "job type to handler")
        var definitions: [String: CommandHandler.Definition] = [:]
        for (keyNode, valueNode) in handlers {
            guard let jobType = keyNode.string, NameRule.isValid(jobType) else {
                throw fail("job type '\(keyNode.string ?? "?")' does not follow the rule: \(NameRule.description)")
            }
            if jobType == "noop" { throw fail("'noop' is built in and cannot be redefined") }
            guard let fields = valueNode.mapping else { throw fail("handler '\(jobType)' must be a mapping") }
            for key in fields.keys where !["command", "timeout", "environment"].contains(key.string ?? "") {
                throw fail("handler '\(jobType)' has unknown key '\(key.string ?? "?")' (allowed: command, timeout, environment)")
            }
            guard let command = fields["command"]?.sequence?.compactMap(\.string), command.count == fields["command"]?.sequence?.count,
                let program = command.first
            else {
                throw fail("handler '\(jobType)' needs 'command': a list whose first item is the program's absolute path")
            }
            guard program.hasPrefix("/") else {
                throw fail("handler '\(jobType)': program '\(program)' must be an absolute path (no PATH lookup, no shell)")
            }
            var timeout: Duration?
            if let timeoutNode = fields["timeout"] {
                guard let raw = timeoutNode.string else { throw fail("handler '\(jobType)': timeout must be a duration like 30s") }
                guard let parsed = DurationText.parse(raw) else {
                    throw fail("handler '\(jobType)': timeout '\(raw)' is not a positive duration such as \(DurationText.forms)")
                }
                timeout = parsed
            }
            var environment: [String: String] = [:]
            if let environmentNode = fields["environment"] {
                guard let pairs = environmentNode.mapping else { throw fail("handler '\(jobType)': environment must be a mapping") }
                for (name, value) in pairs {
                    guard let name = name.string, !name.isEmpty, !name.contains("="), let value = value.string else {
                        throw fail("handler '\(jobType)': environment entries must be NAME: value")
                    }
                    environment[name] = value
                }
            }
            definitions[jobType] = CommandHandler.Definition(
                executable: program, arguments: Array(command.dropFirst()), environment: environment, timeout: timeout)
        }
        return HandlersFile(definitions: definitions)
    }

    /// Job types whose program is missing or not executable on this host (warned about at start;
    /// their executions fail with a clear error rather than being skipped).
    public var missingPrograms: [String: String] {
        definitions.filter { !FileManager.default.isExecutableFile(atPath: $0.value.executable) }
            .mapValues(\.executable)
    }
}
