import Foundation

/// Durations as people write them in settings and handlers files: `500ms`, `30s`, `5m`, `1h`,
/// `7d`, `24 hours`, `7 days` or bare seconds (decimals allowed).
public enum DurationText {
    /// The forms, for error messages.
    public static let forms = "500ms, 30s, 5m, 1h, 7d or a number of seconds"

    /// The duration `text` says; nil when it is not one, or negative (or zero, unless `allowZero`).
    public static func parse(_ text: String, allowZero: Bool = false) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = Substring(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces))
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, allowZero || value > 0 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// Unit suffixes, longest first (so `ms` is not read as `s`).
    private static let units: [(String, Double)] = [
        ("milliseconds", 0.001), ("ms", 0.001), ("seconds", 1), ("second", 1), ("secs", 1), ("sec", 1), ("s", 1),
        ("minutes", 60), ("minute", 60), ("mins", 60), ("min", 60), ("m", 60),
        ("hours", 3600), ("hour", 3600), ("h", 3600), ("days", 86_400), ("day", 86_400), ("d", 86_400),
    ].sorted { $0.0.count > $1.0.count }
}
