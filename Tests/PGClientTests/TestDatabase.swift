import Foundation
import Logging
import PGClient
import TestSupport
import Testing

/// Connections for the PGClient tests, on the database TestSupport finds (DATABASE_URL, which
/// `scripts/test` sets; a missing one fails the test, it is never skipped).
enum TestDatabase {
    static func connectionString() throws -> PGConnectionString {
        try PGConnectionString(TestEnvironment.databaseURL())
    }

    static let logger = TestEnvironment.logger

    static func connect() async throws -> PGConnection {
        try await PGConnection.connect(to: connectionString(), logger: logger)
    }
}

/// The process's resident set size in bytes (Linux).
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}
