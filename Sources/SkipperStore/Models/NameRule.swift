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
