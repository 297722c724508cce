import Foundation
import Hummingbird
import JobQueue
import Logging
import Metrics
import PGClient
import Prometheus
import ServiceLifecycle
import Synchronization

/// What a process knows about its own health for `/health`; the endpoint adds the database check.
public struct HealthReport: Sendable {
    /// Named facts for the JSON body (`worker_id`, `heartbeat_age_seconds`, ...).
    public var fields: [(String, String)]
    /// Why the process is unhealthy; empty when it is healthy.
    public var problems: [String]

    public init(fields: [(String, String)], problems: [String] = []) {
        self.fields = fields
        self.problems = problems
    }
}

/// The process's HTTP endpoint (METRICS_PORT): `/metrics` in Prometheus text format and
/// `/health` as a small JSON document, served by Hummingbird.
public enum HTTPEndpoint {
    /// Installs the Prometheus backend for swift-metrics (once per process) and returns its registry.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let milliseconds: [Double] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000]
        // Every value histogram here (job_latency_ms, queue_wait_ms) is in milliseconds.
        factory.defaultValueHistogramBuckets = milliseconds
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// The HTTP service; add it to the process's ServiceGroup. `/health` answers 200 when `health`
    /// reports no problem and the database answers `SELECT 1`, else 503 with the reasons.
    public static func service(
        host: String, port: Int, registry: PrometheusCollectorRegistry, connectionString: PGConnectionString, logger: Logger,
        beforeScrape: @escaping @Sendable () -> Void = {}, health: @escaping @Sendable () -> HealthReport
    ) -> some Service {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            beforeScrape()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("health") { _, _ -> Response in
            var report = health()
            let database = await databaseCheck(connectionString, logger: logger)
            if let database { report.problems.append(database) }
            let healthy = report.problems.isEmpty
            var fields = [("status", healthy ? "ok" : "unhealthy")] + report.fields
            fields.append(("database", database == nil ? "ok" : "unreachable"))
            if !healthy { fields.append(("reason", report.problems.joined(separator: "; "))) }
            let body = "{" + fields.map { "\(JSONText.string($0.0)):\(JSONText.string($0.1))" }.joined(separator: ",") + "}\n"
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: healthy ? .ok : .serviceUnavailable, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "skipper"), logger: logger)
    }

    /// Answers whether the database responds to `SELECT 1` within `timeout` (a fresh connection
    /// each time); nil when it does, else the reason.
    static func databaseCheck(_ connectionString: PGConnectionString, logger: Logger, timeout: Duration = .seconds(3)) async -> String? {
        await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let answer = FirstAnswer(continuation)
            // The probe is not awaited: a connect that hangs must not hang /health. It ends on its
            // own (libpq's connect_timeout, or the server answering) and its late answer is dropped.
            Task {
                do {
                    let connection = try await PGConnection.connect(to: connectionString, logger: logger)
                    try await connection.query("SELECT 1")
                    await connection.close()
                    answer.finish(nil)
                } catch {
                    answer.finish("database: \(error)")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer.finish("database: no answer within \(timeout.seconds) s")
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<String?, Never>?>

    init(_ continuation: CheckedContinuation<String?, Never>) {
        self.continuation = Mutex(continuation)
    }

    func finish(_ answer: String?) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
