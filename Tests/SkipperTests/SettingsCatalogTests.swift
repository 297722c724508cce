import Foundation
import SkipperCLI
import TestSupport
import Testing

/// Every setting of the catalog (`Settings`) is documented in the README's table and takes the
/// flag it declares, so a setting cannot be parsed without being offered, or offered without
/// being read.
@Suite("settings catalog")
struct SettingsCatalogTests {
    @Test func everySettingIsInTheReadmeTable() throws {
        let readme = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table = readme.split(separator: "\n").filter { $0.hasPrefix("| ") }
        for setting in Settings.all {
            let row = table.first { $0.contains("`\(setting.name)`") }
            #expect(row != nil, "README's configuration table has no row for \(setting.name)")
            if let flag = setting.flag, let row {
                #expect(row.contains("`\(flag)`"), "README's row for \(setting.name) does not name \(flag)")
            }
        }
    }

    @Test func everyFlagIsOfferedByACommand() async throws {
        var help = ""
        for (program, arguments) in [("runner", ["poll", "--help"]), ("runner", ["enqueue", "--help"]), ("cleanup-daemon", ["--help"])] {
            help += try await BinaryProcess.run(program, arguments, environment: [:]).output
        }
        for setting in Settings.all {
            guard let flag = setting.flag else { continue }
            #expect(help.contains(flag), "no command offers \(flag) (\(setting.name))")
        }
    }

    @Test func aBadValueIsNamedByItsSettingAndFlag() async throws {
        let source = try await SettingsSource(envFile: nil, environment: ["WORKER_CONCURRENCY": " 12 ", "POLL_INTERVAL": "soon", "QUEUE_NAME": "  "])
        #expect(try source.read(Settings.concurrency) == 12)
        #expect(try source.read(Settings.queues) == nil)
        #expect(try source.read(Settings.concurrency, flag: "3") == 3)
        let error = try #require(throws: ConfigurationError.self) { try source.read(Settings.pollInterval) }
        #expect(error.setting == "POLL_INTERVAL (--poll-interval)")
        #expect(error.value == "soon")
    }

    @Test func theEnvFileComesAfterTheEnvironment() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).env")
        try "WORKER_CONCURRENCY=7\nPOLL_INTERVAL=2s\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let source = try await SettingsSource(envFile: file.path, environment: ["WORKER_CONCURRENCY": "5"])
        #expect(try source.read(Settings.concurrency) == 5)
        #expect(try source.read(Settings.pollInterval) == .seconds(2))
    }
}
