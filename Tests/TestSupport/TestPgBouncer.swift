import Foundation

/// Debian's PgBouncer in front of a ``TestCluster``, started by a test on a free loopback port,
/// in `session` or `transaction` pool mode (trusting every client: the cluster is the test's own).
public final class TestPgBouncer: @unchecked Sendable {
    // @unchecked: only the owning test drives it.
    public let port: Int
    public let directory: String

    /// Whether Debian's pgbouncer is installed (`.ci/run` installs it).
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    private static let binary = "/usr/sbin/pgbouncer"

    /// Starts PgBouncer (as the `postgres` user: it refuses to run as root) and waits until it
    /// accepts connections.
    public static func start(before cluster: TestCluster, poolMode: String, poolSize: Int = 10) async throws -> TestPgBouncer {
        let bouncer = TestPgBouncer(port: freeLocalPort(), directory: "/tmp/skipper-pgbouncer-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(atPath: bouncer.directory, withIntermediateDirectories: true)
        try "\"postgres\" \"\"\n".write(toFile: bouncer.directory + "/userlist.txt", atomically: true, encoding: .utf8)
        try """
            [databases]
            skipper = host=\(cluster.socketDirectory) port=\(cluster.port) dbname=skipper user=postgres
            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(bouncer.port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(bouncer.directory)/userlist.txt
            pool_mode = \(poolMode)
            default_pool_size = \(poolSize)
            max_client_conn = 200
            logfile = \(bouncer.directory)/pgbouncer.log
            pidfile = \(bouncer.directory)/pgbouncer.pid
            """.write(toFile: bouncer.directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        let owner = getuid() == 0 ? "runuser -u postgres -- " : ""
        let started = try await runProgram(["/bin/sh", "-c", """
            set -e
            [ "$(id -u)" = 0 ] && chown -R postgres: \(bouncer.directory)
            \(owner)\(binary) -d \(bouncer.directory)/pgbouncer.ini
            """])
        guard started.status == 0 else { throw TestEnvironment.SetupError("pgbouncer did not start: \(started.output)") }
        let ready = try await eventually(timeout: .seconds(10)) {
            try await runProgram(["/usr/bin/psql", bouncer.url, "-qAtX", "-c", "SELECT 1"]).output.hasPrefix("1")
        }
        guard ready else { throw TestEnvironment.SetupError("pgbouncer does not answer: \(bouncer.log)") }
        return bouncer
    }

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    deinit {
        // SIGKILL: it was started as a daemon; its pid is in its pidfile.
        if let text = try? String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// DATABASE_URL through PgBouncer (loopback TCP, no TLS).
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/skipper?sslmode=disable&connect_timeout=5" }

    /// What PgBouncer logged.
    public var log: String { (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? "" }
}
