/// One setting: its environment name, its flag, and how its text becomes a value — declared once
/// in ``Settings``, read with ``SettingsSource/read(_:flag:)``, and named in every error about it.
public struct Setting<Value>: Sendable, NamedSetting {
    /// The environment name, e.g. `WORKER_CONCURRENCY`.
    public let name: String
    /// The command-line flag, e.g. `--max-jobs`; nil for a setting only the environment sets.
    public let flag: String?
    private let parser: @Sendable (_ text: String, _ label: String) throws(ConfigurationError) -> Value

    public init(
        _ name: String, flag: String?,
        parse: @escaping @Sendable (_ text: String, _ label: String) throws(ConfigurationError) -> Value
    ) {
        self.name = name
        self.flag = flag
        self.parser = parse
    }

    /// How errors name it: `WORKER_CONCURRENCY (--max-jobs)`.
    public var label: String { flag.map { "\(name) (\($0))" } ?? name }

    /// Parses a value given for it.
    public func parse(_ text: String) throws(ConfigurationError) -> Value {
        try parser(text, label)
    }
}

/// A setting's names, whatever its value type (for the catalog and its documentation test).
public protocol NamedSetting: Sendable {
    var name: String { get }
    var flag: String? { get }
}
