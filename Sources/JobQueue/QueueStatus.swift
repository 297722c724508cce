import Foundation
import PGClient

/// The queue's state as `runner status` shows it: depth per queue, priority and status, and
/// every worker with its heartbeat age.
public struct QueueStatus: Sendable {
    /// One line of depth.
    public struct Depth: Sendable {
        public var queue: String
        public var priority: Priority
        public var status: String
        public var executions: Int
        public var oldestAgeSeconds: Double?
    }

    /// One worker.
    public struct WorkerLine: Sendable {
        public var workerID: String
        public var hostname: String
        public var pid: Int
        public var status: String
        public var activeJobs: Int
        public var concurrency: Int
        public var secondsSinceHeartbeat: Double
        public var queues: [String]
    }

    public var depth: [Depth]
    public var workers: [WorkerLine]

    /// Reads the current state.
    public static func load(on connection: PGConnection) async throws -> QueueStatus {
        let depthRows = try await connection.query("""
            SELECT queue, priority, status, count(*) AS n,
                   extract(epoch FROM now() - min(CASE WHEN status = 'queued' THEN run_at ELSE started_at END))::float8 AS oldest
              FROM executions
             GROUP BY queue, priority, status
             ORDER BY queue, priority, status
            """)
        let workerRows = try await connection.query("""
            SELECT worker_id, hostname, pid, status, active_jobs, concurrency, queues,
                   extract(epoch FROM now() - last_heartbeat_at)::float8 AS age
              FROM worker_heartbeats
             ORDER BY status, last_heartbeat_at DESC
            """)
        return QueueStatus(
            depth: try depthRows.map { row in
                Depth(
                    queue: try row.decode("queue"), priority: Priority(rawValue: try row.decode("priority", as: Int16.self)) ?? .normal,
                    status: try row.decode("status"), executions: try row.decode("n"),
                    oldestAgeSeconds: try row.decode("oldest", as: Double?.self))
            },
            workers: try workerRows.map { row in
                WorkerLine(
                    workerID: try row.decode("worker_id"), hostname: try row.decode("hostname"), pid: try row.decode("pid"),
                    status: try row.decode("status"), activeJobs: try row.decode("active_jobs"),
                    concurrency: try row.decode("concurrency"), secondsSinceHeartbeat: try row.decode("age"),
                    queues: try row.decode("queues", as: [String].self))
            })
    }

    /// Plain-text tables for a terminal.
    public func rendered() -> String {
        var out = "EXECUTIONS\n"
        out += Self.table(
            ["queue", "priority", "status", "count", "oldest (s)"],
            depth.map { [$0.queue, $0.priority.description, $0.status, String($0.executions), $0.oldestAgeSeconds.map { String(format: "%.1f", $0) } ?? "-"] })
        out += "\nWORKERS\n"
        out += Self.table(
            ["worker_id", "hostname", "pid", "status", "active", "heartbeat age (s)", "queues"],
            workers.map { [$0.workerID, $0.hostname, String($0.pid), $0.status, "\($0.activeJobs)/\($0.concurrency)",
                           String(format: "%.1f", $0.secondsSinceHeartbeat), $0.queues.joined(separator: ",")] })
        return out
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "  (none)\n" }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            "  " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
