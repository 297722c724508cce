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

extension Setting where Value == Duration {
    /// A duration (``DurationText``): positive, or non-negative when `allowZero`.
    static func duration(_ name: String, flag: String?, allowZero: Bool = false) -> Setting {
        Setting(name, flag: flag) { text, label throws(ConfigurationError) in
            try SettingParser.duration(text, setting: label, allowZero: allowZero)
        }
    }
}

extension Setting where Value == Duration? {
    /// A retention: a duration, or `off`.
    static func retention(_ name: String, flag: String?) -> Setting {
        Setting(name, flag: flag) { text, label throws(ConfigurationError) in try SettingParser.retention(text, setting: label) }
    }
}

extension Setting where Value == Int {
    /// A whole number within `range`.
    static func integer(_ name: String, flag: String?, range: ClosedRange<Int>) -> Setting {
        Setting(name, flag: flag) { text, label throws(ConfigurationError) in try SettingParser.integer(text, setting: label, range: range) }
    }
}

extension Setting where Value == String {
    /// Text taken as given (trimmed).
    static func text(_ name: String, flag: String?) -> Setting {
        Setting(name, flag: flag) { text, _ in text }
    }
}

/// A setting's names, whatever its value type (for the catalog and its documentation test).
public protocol NamedSetting: Sendable {
    var name: String { get }
    var flag: String? { get }
}
