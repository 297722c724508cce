import Foundation

/// A PostgreSQL cluster of a test's own (made by `scripts/pg` in a temporary folder on a free
/// port), for tests that restart, stop, promote or reconfigure the server under running binaries.
public final class TestCluster: @unchecked Sendable {
    // @unchecked: only the owning test drives it.
    public let directory: String
    public let port: Int
    public var socketDirectory: String { directory + "/run" }
    public var dataDirectory: String { directory + "/data" }

    private static let pgBin: String = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap(Int.init).max() ?? 15
        return "/usr/lib/postgresql/\(newest)/bin"
    }()

    /// Creates and starts a fresh cluster with a `skipper` database.
    public static func start() async throws -> TestCluster {
        let directory = "/tmp/skipper-cluster-\(UInt32.random(in: 0...UInt32.max))"
        let cluster = TestCluster(directory: directory, port: freeLocalPort())
        try await cluster.script(["start"])
        return cluster
    }

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    deinit {
        // A synchronous stop: deinit cannot await. system(3) waits for the shell itself.
        _ = system("\(asOwner) \(Self.pgBin)/pg_ctl -D \(dataDirectory) -m immediate -w stop >/dev/null 2>&1; rm -rf \(directory)")
    }

    /// DATABASE_URL over the unix socket (trusted), with extra query parameters.
    public func url(_ parameters: String = "") -> String {
        "postgresql:///skipper?host=\(socketDirectory)&port=\(port)&user=postgres" + (parameters.isEmpty ? "" : "&" + parameters)
    }

    /// `pg_ctl restart -m fast|immediate`.
    public func restart(mode: String) async throws {
        try await script(["restart", mode])
    }

    /// `pg_ctl stop -m fast|immediate`.
    public func stop(mode: String = "fast") async throws {
        try await pgctl("-m \(mode) -w stop")
    }

    /// Starts a stopped cluster again.
    public func startAgain() async throws {
        try await pgctl("-l \(directory)/postgres.log -w start")
    }

    /// Runs SQL with psql as the superuser; returns its output.
    @discardableResult
    public func psql(_ sql: String) async throws -> String {
        try await Self.run(["/usr/bin/psql", url(), "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// A streaming standby of this cluster (pg_basebackup), started on its own port.
    public func standby() async throws -> TestCluster {
        let standby = TestCluster(directory: "/tmp/skipper-cluster-\(UInt32.random(in: 0...UInt32.max))", port: freeLocalPort())
        try await Self.run(["/bin/sh", "-c", """
            set -e
            mkdir -p \(standby.socketDirectory)
            [ "$(id -u)" = 0 ] && chown -R postgres: \(standby.directory)
            \(asOwner) \(Self.pgBin)/pg_basebackup -h \(socketDirectory) -p \(port) -U postgres -D \(standby.dataDirectory) -R -X stream -c fast
            \(asOwner) sh -c "printf \\"port = \(standby.port)\\nunix_socket_directories = '\(standby.socketDirectory)'\\n\\" >> \(standby.dataDirectory)/postgresql.conf"
            """])
        try await standby.startAgain()
        return standby
    }

    /// Promotes a standby to primary.
    public func promote() async throws {
        try await pgctl("-w promote")
    }

    private var asOwner: String { getuid() == 0 ? "runuser -u postgres --" : "" }

    private func pgctl(_ arguments: String) async throws {
        try await Self.run(["/bin/sh", "-c", "\(asOwner) \(Self.pgBin)/pg_ctl -D \(dataDirectory) \(arguments) >/dev/null"])
    }

    private func script(_ arguments: [String]) async throws {
        let path = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/pg").path
        try await Self.run([path] + arguments, environment: ["SKIPPER_PG_DIR": directory, "SKIPPER_PG_PORT": String(port)])
    }

    /// Runs a program to the end; throws on a non-zero exit. - Returns: its output, trimmed.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let result = try await runProgram(arguments, environment: environment)
        let output = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0 else {
            throw TestEnvironment.SetupError("\(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output
    }
}
