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

/// Which kind of work a runner takes (WORKER_MODE).
public enum WorkerMode: String, Sendable, CaseIterable {
    /// Serves every priority with a small footprint (concurrency defaults lower); for small hosts.
    case thin
    /// Serves the configured queues, priorities and job types.
    case `default`
    /// Serves only the configured priorities (WORKER_PRIORITIES is required to narrow it).
    case specialized
    /// Serves only the configured job types (WORKER_JOB_TYPES is required).
    case jobSpecialized = "job-specialized"
    /// Claims nothing: it keeps a heartbeat and says so (reserved for the scheduler).
    case schedulerOnly = "scheduler-only"
}

/// The rule for queue names and job types, enforced by the schema and checked before any
/// database work: 1 to 128 characters of `A-Z a-z 0-9 _ . : -`.
public enum NameRule {
    /// A sentence that states the rule, for error messages and documentation.
    public static let description = "1 to 128 characters of A-Z a-z 0-9 _ . : -"

    /// Whether `name` follows the rule.
    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128 else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2E || byte == 0x3A || byte == 0x2D
        }
    }
}
