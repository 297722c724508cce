import ArgumentParser
import SkipperStore

/// Settings of the HTTP endpoint and the periodic metrics log line.
public struct ObservabilityOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("metrics-host"), help: "Address the HTTP endpoint binds (METRICS_HOST). Default 0.0.0.0.")
    public var metricsHost: String?

    @Option(name: .customLong("metrics-log-interval"), help: "Period of the metrics log line; 0 turns it off (METRICS_LOG_INTERVAL). Default 30s.")
    public var metricsLogInterval: String?

    @Option(name: .customLong("queue-depth-interval"), help: "How often queue depth is read from SQL for /metrics (QUEUE_DEPTH_INTERVAL). Default 15s.")
    public var queueDepthInterval: String?

    /// The resolved values.
    public struct Values: Sendable {
        public var host = "0.0.0.0"
        public var logInterval: Duration? = .seconds(30)
        public var depthInterval: Duration = .seconds(15)
    }

    public func resolve(_ source: SettingsSource) throws(ConfigurationError) -> Values {
        var values = Values()
        if let host = try source.read(Settings.metricsHost, flag: metricsHost) { values.host = host }
        if let interval = try source.read(Settings.metricsLogInterval, flag: metricsLogInterval) {
            values.logInterval = interval == .zero ? nil : interval
        }
        if let interval = try source.read(Settings.queueDepthInterval, flag: queueDepthInterval) { values.depthInterval = interval }
        return values
    }
}
