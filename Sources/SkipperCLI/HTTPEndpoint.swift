import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SkipperRuntime
import SkipperStore
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
        host: String, port: Int, registry: PrometheusCollectorRegistry, database: Database, logger: Logger,
        beforeScrape: @escaping @Sendable () -> Void = {}, health: @escaping @Sendable () -> HealthReport
    ) -> some Service {
        let probe = DatabaseProbe(database: database, logger: logger)
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            beforeScrape()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("health") { _, _ -> Response in
            var report = health()
            let database = await probe.check()
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
}

/// The database check of `/health`: `SELECT 1` on one connection kept between requests
/// (reopened when it broke), answered within a timeout. Its reasons say what is wrong
/// (``StoreError/reason``) without the server's text or the target: the endpoint may be
/// reachable from anywhere (METRICS_HOST defaults to 0.0.0.0).
actor DatabaseProbe {
    private let database: Database
    private let logger: Logger
    private let timeout: Duration
    private var connection: StoreConnection?
    /// The probe running now; concurrent requests share its answer.
    private var inFlight: Task<String?, Never>?

    init(database: Database, logger: Logger, timeout: Duration = .seconds(3)) {
        self.database = database
        self.logger = logger
        self.timeout = timeout
    }

    /// nil when the database answered, else the reason.
    func check() async -> String? {
        let probe: Task<String?, Never>
        if let inFlight {
            probe = inFlight
        } else {
            probe = Task { await self.probeOnce() }
            inFlight = probe
        }
        let timeout = timeout
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let first = FirstAnswer(continuation)
            // A probe that hangs (a connect to a host that drops packets) must not hang /health:
            // the request gets the timeout's answer and the probe ends on its own later.
            Task { first.finish(await probe.value) }
            Task {
                try? await Task.sleep(for: timeout)
                first.finish("database: no answer within \(timeout.seconds) s")
            }
        }
        return answer
    }

    private func probeOnce() async -> String? {
        defer { inFlight = nil }
        do throws(StoreError) {
            let db: StoreConnection
            if let connection, !connection.isBroken {
                db = connection
            } else {
                db = try await database.connect(role: "health", logger: logger)
                connection = db
            }
            try await HealthQuery.run(on: db)
            return nil
        } catch {
            if error.dropsConnection, let connection {
                await connection.close()
                self.connection = nil
            }
            return "database: \(error.reason)"
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
