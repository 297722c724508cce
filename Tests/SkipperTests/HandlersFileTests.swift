import Foundation
import SkipperCLI
import SkipperCommandHandlers
import SkipperStore
import Testing

@Suite("handlers file and settings")
struct HandlersFileTests {
    @Test func aValidFileParses() throws {
        let file = try HandlersFile.parse("""
            handlers:
              send_email:
                command: ["/usr/local/bin/send-email", "--fast"]
                timeout: 30s
                environment:
                  SMTP_HOST: mail.internal
              resize:
                command: ["/usr/bin/convert"]
            """)
        let email = try #require(file.definitions["send_email"])
        #expect(email.executable == "/usr/local/bin/send-email")
        #expect(email.arguments == ["--fast"])
        #expect(email.timeout == .seconds(30))
        #expect(email.environment == ["SMTP_HOST": "mail.internal"])
        #expect(file.definitions["resize"]?.timeout == nil)
    }

    @Test(arguments: [
        ("handlers:\n  x:\n    command: [\"/bin/true\"]\n    comand: 1\n", "unknown key 'comand'"),
        ("handler:\n  x:\n    command: [\"/bin/true\"]\n", "unknown top-level key 'handler'"),
        ("handlers:\n  x:\n    command: [\"/bin/true\"]\n  x:\n    command: [\"/bin/false\"]\n", "x"),
        ("handlers:\n  x:\n    command: [\"bin/true\"]\n", "must be an absolute path"),
        ("handlers:\n  x:\n    command: []\n", "needs 'command'"),
        ("handlers:\n  \"bad name; drop\":\n    command: [\"/bin/true\"]\n", "does not follow the rule"),
        ("handlers:\n  x:\n    command: [\"/bin/true\"]\n    timeout: soon\n", "timeout"),
        ("handlers:\n  noop:\n    command: [\"/bin/true\"]\n", "built in"),
        ("handlers: [unclosed\n", "not valid YAML"),
    ])
    func badFilesAreRefusedWithTheReason(text: String, reason: String) {
        #expect {
            _ = try HandlersFile.parse(text, path: "/etc/skipper/handlers.yaml")
        } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && message.contains("/etc/skipper/handlers.yaml")
        }
    }

    @Test func durationsAndRetentions() throws {
        #expect(try SettingParser.duration("500ms", setting: "X") == .milliseconds(500))
        #expect(try SettingParser.duration("30s", setting: "X") == .seconds(30))
        #expect(try SettingParser.duration("5m", setting: "X") == .seconds(300))
        #expect(try SettingParser.duration("1h", setting: "X") == .seconds(3600))
        #expect(try SettingParser.duration("24 hours", setting: "X") == .seconds(86_400))
        #expect(try SettingParser.duration("7d", setting: "X") == .seconds(604_800))
        #expect(try SettingParser.duration("2.5", setting: "X") == .milliseconds(2500))
        #expect(try SettingParser.duration(" 10s ", setting: "X") == .seconds(10))
        #expect(try SettingParser.retention("off", setting: "X") == nil)
        for bad in ["", "abc", "-1s", "0", "10 parsecs", "nan", "inf"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try SettingParser.duration(bad, setting: "X") }
        }
        let error = try #require(throws: ConfigurationError.self) { try SettingParser.integer("-1", setting: "WORKER_CONCURRENCY", range: 1...1000) }
        #expect(error.description.contains("WORKER_CONCURRENCY") && error.description.contains("'-1'") && error.description.contains("1 to 1000"))
        #expect(try SettingParser.priorities("high, low", setting: "P") == [.high, .low])
        #expect(throws: ConfigurationError.self) { try SettingParser.priorities("urgent", setting: "P") }
    }

    @Test func theNameRule() {
        for good in ["default", "send_email", "a.b:c-d", String(repeating: "x", count: 128)] {
            #expect(NameRule.isValid(good), "\(good)")
        }
        for bad in ["", "it's", "a;b", "ünïcode", "with space", "\"quoted\"", String(repeating: "x", count: 129), String(repeating: "q", count: 1000)] {
            #expect(!NameRule.isValid(bad), "\(bad)")
        }
    }

    @Test func enqueueRequestsAreValidatedBeforeTheDatabase() {
        var deep = QueueClient.EnqueueRequest(jobType: "noop")
        deep.payload = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        // Deep nesting is either refused here or by the database; it must not crash the process.
        _ = try? QueueClient.validate(deep)
        var notJSON = QueueClient.EnqueueRequest(jobType: "noop")
        notJSON.payload = "{not json"
        #expect(throws: QueueClient.InvalidRequest.self) { try QueueClient.validate(notJSON) }
        var badQueue = QueueClient.EnqueueRequest(jobType: "noop")
        badQueue.queue = "a'; DROP TABLE executions; --"
        #expect(throws: QueueClient.InvalidRequest.self) { try QueueClient.validate(badQueue) }
    }

    @Test func handlerOutputBecomesAJSONResult() {
        #expect(CommandHandler.resultJSON(Array("{\"a\": 1}".utf8)) == "{\"a\": 1}")
        #expect(CommandHandler.resultJSON(Array("plain text\n".utf8)) == "\"plain text\"")
        #expect(CommandHandler.resultJSON([]) == nil)
        let notUTF8 = CommandHandler.resultJSON([0xff, 0xfe, 0x41])
        #expect(notUTF8 != nil && JSONText.isValid(notUTF8!))
    }
}
