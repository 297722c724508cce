import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What a program run to the end printed and how it ended.
public struct ProgramResult: Sendable {
    /// The exit status; nil when a signal ended it.
    public let status: Int32?
    /// Its standard output followed by its standard error.
    public let output: String
}

/// Runs a program to the end (through swift-subprocess) with extra environment variables.
public func runProgram(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) async throws -> ProgramResult {
    var keyed: [Environment.Key: String?] = [:]
    for (key, value) in environment { keyed[Environment.Key(stringLiteral: key)] = value }
    let result = try await Subprocess.run(
        .path(FilePath(arguments[0])), arguments: Arguments(Array(arguments.dropFirst())),
        environment: .inherit.updating(keyed), workingDirectory: directory.map { FilePath($0) },
        output: .string(limit: 4 << 20), error: .string(limit: 4 << 20))
    let status: Int32? = if case .exited(let code) = result.terminationStatus { code } else { nil }
    return ProgramResult(status: status, output: result.standardOutput + result.standardError)
}

/// Runs a SQL file with psql (stopping at the first error) against `url`.
public func runSQLFile(_ url: String, _ path: String) async throws -> ProgramResult {
    try await runProgram(["/usr/bin/psql", url, "-X", "-v", "ON_ERROR_STOP=1", "-f", path])
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes; an error while polling
/// counts as "not yet" (a server may be restarting), an error at the last check is thrown.
/// - Returns: whether it held in time.
public func eventually(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
