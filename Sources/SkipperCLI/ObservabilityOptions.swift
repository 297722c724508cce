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
        if let host = source.value("METRICS_HOST", flag: metricsHost) { values.host = host }
        if let text = source.value("METRICS_LOG_INTERVAL", flag: metricsLogInterval) {
            let interval = try SettingParser.duration(text, setting: "METRICS_LOG_INTERVAL (--metrics-log-interval)", allowZero: true)
            values.logInterval = interval == .zero ? nil : interval
        }
        if let text = source.value("QUEUE_DEPTH_INTERVAL", flag: queueDepthInterval) {
            values.depthInterval = try SettingParser.duration(text, setting: "QUEUE_DEPTH_INTERVAL (--queue-depth-interval)")
        }
        return values
    }
}
