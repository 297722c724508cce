import Foundation
import PGClient

/// The queue's state as `runner status` shows it: depth per queue, priority and status, and
/// every worker with its heartbeat age.
package struct QueueStatus: Sendable {
    /// One worker.
    package struct WorkerLine: Sendable {
        package var workerID: String
        package var hostname: String
        package var pid: Int
        package var status: WorkerStatus
        package var activeJobs: Int
        package var concurrency: Int
        package var secondsSinceHeartbeat: Double
        package var queues: [String]
    }

    /// Queued and running executions (finished ones are not counted: with millions of them a
    /// count would be slow; the runbook's queries in sql/diagnostics.sql show them).
    package var depth: [QueueDepth]
    package var workers: [WorkerLine]

    static let readWorkers = StoreStatement("read_workers", """
        SELECT worker_id, hostname, pid, status, active_jobs, concurrency, queues,
               extract(epoch FROM now() - last_heartbeat_at)::float8 AS age
          FROM worker_heartbeats
         ORDER BY status, last_heartbeat_at DESC
        """)

    /// Reads the current state.
    package static func load(on connection: StoreConnection) async throws(StoreError) -> QueueStatus {
        let depth = try await QueueDepth.read(on: connection)
        let workers = try await connection.rows("read workers") { db in
            try await db.query(readWorkers.text, name: readWorkers.name).map { row in
                WorkerLine(
                    workerID: try row.decode("worker_id"), hostname: try row.decode("hostname"), pid: try row.decode("pid"),
                    status: WorkerStatus(rawValue: try row.decode("status", as: String.self)) ?? .dead,
                    activeJobs: try row.decode("active_jobs"), concurrency: try row.decode("concurrency"),
                    secondsSinceHeartbeat: try row.decode("age"), queues: try row.decode("queues", as: [String].self))
            }
        }
        return QueueStatus(depth: depth, workers: workers)
    }

    /// Plain-text tables for a terminal.
    package func rendered() -> String {
        var out = "EXECUTIONS (queued and running; ~ marks an estimate)\n"
        out += TextTable.render(
            ["queue", "priority", "status", "count", "ready", "scheduled", "oldest (s)"],
            depth.map {
                [$0.queue, $0.priority.description, $0.status.rawValue, Self.count($0.executions, estimated: $0.estimated),
                 $0.status == .queued ? Self.count($0.ready, estimated: $0.estimated) : "-",
                 $0.status == .queued ? Self.count($0.scheduled, estimated: $0.estimated) : "-",
                 $0.oldestAgeSeconds.map { String(format: "%.1f", $0) } ?? "-"]
            })
        out += "\nWORKERS\n"
        out += TextTable.render(
            ["worker_id", "hostname", "pid", "status", "active", "heartbeat age (s)", "queues"],
            workers.map { [$0.workerID, $0.hostname, String($0.pid), $0.status.rawValue, "\($0.activeJobs)/\($0.concurrency)",
                           String(format: "%.1f", $0.secondsSinceHeartbeat), $0.queues.joined(separator: ",")] })
        return out
    }

    /// A count, with `~` in front when it is an estimate.
    static func count(_ value: Int, estimated: Bool) -> String { (estimated ? "~" : "") + String(value) }

}
