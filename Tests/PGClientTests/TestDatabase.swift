import Foundation
import Logging
import PGClient
import Testing

/// Database coordinates for the tests: DATABASE_URL, which `scripts/test` sets. A missing
/// database fails the test; it is never skipped.
enum TestDatabase {
    static func connectionString() throws -> PGConnectionString {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw TestSetupError(message: "DATABASE_URL is not set: run the tests with scripts/test")
        }
        return try PGConnectionString(url)
    }

    static let logger = Logger(label: "pgclient-tests")

    static func connect() async throws -> PGConnection {
        try await PGConnection.connect(to: connectionString(), logger: logger)
    }

    static func pool(max: Int) throws -> PGPool {
        var configuration = PGPool.Configuration(connectionString: try connectionString())
        configuration.maxConnections = max
        return PGPool(configuration: configuration, logger: logger)
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The process's resident set size in bytes (Linux).
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
