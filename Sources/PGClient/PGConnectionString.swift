internal import CLibPQ
import Foundation

/// A libpq connection string (URL or `key=value` conninfo) that knows how to hide its password.
///
/// Everything libpq accepts passes through untouched (multi-host lists, `sslmode`,
/// `application_name`, `connect_timeout`, `target_session_attrs`, ...); this type only
/// validates that libpq can parse it and produces a redacted form for logs and errors.
public struct PGConnectionString: Sendable, CustomStringConvertible {
    /// The string exactly as given; never log it.
    public let rawValue: String
    /// The same target with the password removed, safe for logs and errors.
    public let redacted: String
    /// The password, when the string carries one; used only to scrub it from messages.
    let password: String?
    /// Whether a pooler in front of the server hands each transaction any server connection
    /// (PgBouncer with `pool_mode = transaction`). Nothing may then outlive a transaction: named
    /// statements are not prepared (one prepared on a server connection is missing on the next;
    /// every statement is sent unnamed) and no session setting is made. Default false.
    public var isPooledPerTransaction = false

    /// Parses `rawValue` with libpq's own parser.
    /// - Throws: ``PGError`` with code `.invalidValue` when libpq cannot parse it (the message never echoes the string).
    public init(_ rawValue: String) throws(PGError) {
        self.rawValue = rawValue
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(rawValue, &errorMessage) else {
            var message = "the connection string cannot be parsed"
            if let errorMessage {
                message += ": " + String(cString: errorMessage).trimmingTrailingNewlines()
                PQfreemem(errorMessage)
            }
            if let password = Self.extractPasswordLeniently(rawValue) {
                message = message.replacingAll(password, with: "***")
            }
            throw PGError(code: .invalidValue, message: message)
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var password: String?
        var index = 0
        while let keyword = options[index].keyword {
            let key = String(cString: keyword)
            if let value = options[index].val {
                let text = String(cString: value)
                if key == "password" {
                    password = text
                } else {
                    pairs.append((key, text))
                }
            }
            index += 1
        }
        self.password = password.flatMap { $0.isEmpty ? nil : $0 }
        let shown = pairs.filter { ["host", "hostaddr", "port", "dbname", "user"].contains($0.0) }
        self.redacted = shown.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            + (self.password == nil ? "" : " password=***")
    }

    public var description: String { redacted }

    /// Removes the password from text that may echo it (libpq messages, user input).
    public func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacingAll(password, with: "***")
    }

    /// Best effort for strings libpq refused: the part between `:` and `@` of a URL.
    private static func extractPasswordLeniently(_ raw: String) -> String? {
        guard let scheme = raw.range(of: "://"), let at = raw.range(of: "@", range: scheme.upperBound..<raw.endIndex)
        else { return nil }
        let userInfo = raw[scheme.upperBound..<at.lowerBound]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = String(userInfo[userInfo.index(after: colon)...])
        return password.isEmpty ? nil : password
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last == "\n" || last == " " { text.removeLast() }
        return text
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
