import Foundation
import SkipperStore

/// A setting with a value that cannot be used; raised before any database work.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting's environment name (and flag), e.g. `WORKER_CONCURRENCY (--max-jobs)`.
    public var setting: String
    /// The value as given (never a secret: DATABASE_URL problems are reported without it).
    public var value: String
    /// What would be accepted.
    public var expected: String

    public init(setting: String, value: String, expected: String) {
        self.setting = setting
        self.value = value
        self.expected = expected
    }

    public var description: String {
        "invalid \(setting): '\(value)'; expected \(expected)"
    }
}

/// Parsers for the value forms settings share.
public enum SettingParser {
    /// Parses `500ms`, `30s`, `5m`, `1h`, `7d`, `24 hours`, `7 days` or bare seconds (decimals
    /// allowed) into a duration (positive unless `allowZero`).
    public static func duration(_ text: String, setting: String, allowZero: Bool = false) throws(ConfigurationError) -> Duration {
        guard let duration = DurationText.parse(text, allowZero: allowZero) else {
            throw ConfigurationError(
                setting: setting, value: text, expected: "a \(allowZero ? "non-negative" : "positive") duration such as \(DurationText.forms)")
        }
        return duration
    }

    /// Parses a retention: a duration, or `off` (also `none`, `0`) to turn it off (nil).
    public static func retention(_ text: String, setting: String) throws(ConfigurationError) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if ["off", "none", "0", "false", "disabled"].contains(trimmed) { return nil }
        do {
            return try duration(text, setting: setting)
        } catch {
            throw ConfigurationError(setting: setting, value: text, expected: "a duration such as 24h, 7d, 30 days, or off")
        }
    }

    /// Parses a whole number within a range.
    public static func integer(_ text: String, setting: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ConfigurationError(setting: setting, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Parses a positive decimal number (e.g. STALE_THRESHOLD_MINUTES=0.1).
    public static func positiveNumber(_ text: String, setting: String) throws(ConfigurationError) -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
            throw ConfigurationError(setting: setting, value: text, expected: "a positive number (decimals allowed)")
        }
        return value
    }

    /// Parses a positive number of minutes (decimals allowed, e.g. STALE_THRESHOLD_MINUTES=0.1).
    public static func minutes(_ text: String, setting: String) throws(ConfigurationError) -> Duration {
        .milliseconds(Int64(try positiveNumber(text, setting: setting) * 60_000))
    }

    /// Splits a comma list, dropping blanks.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Parses a comma list of priorities (names or numbers).
    public static func priorities(_ text: String, setting: String) throws(ConfigurationError) -> [Priority] {
        var result: [Priority] = []
        for item in list(text) {
            guard let priority = Priority(parsing: item) else {
                throw ConfigurationError(setting: setting, value: text, expected: "a comma list of high, normal, low (or 0, 1, 2)")
            }
            if !result.contains(priority) { result.append(priority) }
        }
        guard !result.isEmpty else {
            throw ConfigurationError(setting: setting, value: text, expected: "a comma list of high, normal, low (or 0, 1, 2)")
        }
        return result
    }

    /// Checks queue names or job types against ``NameRule``.
    public static func names(_ items: [String], setting: String) throws(ConfigurationError) -> [String] {
        for item in items where !NameRule.isValid(item) {
            throw ConfigurationError(setting: setting, value: item, expected: NameRule.description)
        }
        return items
    }
}
