import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

/// End-to-end tests drive the built binaries as processes. They run one at a time: they
/// measure heartbeats and thresholds of a few seconds and must not compete for 2 cores.
@Suite("end to end", .serialized)
struct EndToEnd {}

/// The environment of a test runner: short intervals, no HTTP port, the schema's database.
func runnerEnvironment(_ schema: TestSchema, _ extra: [String: String] = [:]) -> [String: String] {
    var environment = [
        "DATABASE_URL": schema.url, "HEARTBEAT_INTERVAL": "1s", "POLL_INTERVAL": "1s", "METRICS_PORT": "0",
        "LOG_LEVEL": "info", "STALE_THRESHOLD_MINUTES": "0.05", "SHUTDOWN_GRACE": "5s",
    ]
    for (key, value) in extra { environment[key] = value }
    return environment
}

/// Enqueues `count` executions of one type in one queue through the SQL API.
@discardableResult
func enqueue(_ schema: TestSchema, jobType: String, queue: String, count: Int = 1, maxAttempts: Int = 4, payload: String = "{}") async throws -> [Int64] {
    let connection = try await schema.store()
    var ids: [Int64] = []
    var start = 0
    while start < count {
        let batch = (start..<min(start + 1000, count)).map { _ -> QueueClient.EnqueueRequest in
            var request = QueueClient.EnqueueRequest(jobType: jobType)
            request.queue = queue
            request.maxAttempts = maxAttempts
            request.payload = payload
            return request
        }
        ids += try await QueueClient.enqueueMany(batch, on: connection)
        start += batch.count
    }
    return ids
}

/// Counts executions of a queue by status.
func statusCounts(_ schema: TestSchema, queue: String) async throws -> [String: Int] {
    let rows = try await schema.query("SELECT status, count(*) AS n FROM executions WHERE queue = $1 GROUP BY status", [queue])
    var counts: [String: Int] = [:]
    for row in rows { counts[try row.decode("status", as: String.self)] = try row.decode("n", as: Int.self) }
    return counts
}

/// How many executions of `queue` are in each status, in a cluster of the test's own.
func statusCounts(_ cluster: TestCluster, queue: String) async throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for line in try await cluster.psql("SELECT status || '=' || count(*) FROM executions WHERE queue = '\(queue)' GROUP BY status").split(separator: "\n") {
        let parts = line.split(separator: "=")
        counts[String(parts[0])] = Int(parts[1])
    }
    return counts
}

/// Migrates the database at `url` with `runner migrate`.
func migrateWithRunner(_ url: String) async throws {
    let result = try await BinaryProcess.run("runner", ["migrate"], environment: ["DATABASE_URL": url])
    #expect(result.status == 0, "\(result.output)")
}

/// Whether a process with this pid exists.
func processIsAlive(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}

/// The direct children of a process (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap(Int32.init).filter { candidate in
        guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == pid
    }
}
