import Foundation

/// Small helpers for JSON text the runner writes itself.
public enum JSONText {
    /// A JSON string literal for `text` (quotes, backslashes and control characters escaped).
    public static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A handler's result as JSON: the text itself when it is JSON, else the text as a JSON string.
    public static func result(_ text: String) -> String {
        isValid(text) ? text : string(text)
    }

    /// Whether `text` is one well-formed JSON value.
    public static func isValid(_ text: String) -> Bool {
        guard let data = text.data(using: .utf8) else { return false }
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
    }
}
