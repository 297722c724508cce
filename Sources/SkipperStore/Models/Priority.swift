import Foundation

/// How urgent an execution is: claimed high before normal before low among ready work.
public enum Priority: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case high = 0
    case normal = 1
    case low = 2

    /// Reads a priority as a person types it: `high`, `normal`, `low` or `0`, `1`, `2`.
    public init?(parsing text: String) {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "high", "0": self = .high
        case "normal", "1": self = .normal
        case "low", "2": self = .low
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .high: "high"
        case .normal: "normal"
        case .low: "low"
        }
    }
}
