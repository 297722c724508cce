import Foundation

/// One statement parameter as it goes over the wire: NULL, text, or binary bytes.
public enum PGValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// The PostgreSQL text form of a value, with the type OID to declare (0 lets the server infer it).
    case text(String, oid: UInt32)
    /// Raw bytes sent in binary format (used for bytea).
    case binary([UInt8], oid: UInt32)
}

/// Well-known type OIDs used when declaring parameter types.
public enum PGOID {
    public static let unknown: UInt32 = 0
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let float8: UInt32 = 701
    public static let int8Array: UInt32 = 1016
    public static let textArray: UInt32 = 1009
    public static let timestamptz: UInt32 = 1184
    public static let jsonb: UInt32 = 3802
}

/// A Swift value that can be sent as a statement parameter.
public protocol PGEncodable: Sendable {
    /// The wire form of this value.
    var pgValue: PGValue { get }
}

/// A Swift value that can be read from a column in PostgreSQL's text result format.
public protocol PGDecodable: Sendable {
    /// Creates the value from the column's text form.
    /// - Throws: ``PGError`` with code `.invalidValue` when the text is not of this type.
    init(pgText: String) throws(PGError)
}

extension PGValue: PGEncodable {
    public var pgValue: PGValue { self }
}

extension Optional: PGEncodable where Wrapped: PGEncodable {
    public var pgValue: PGValue { self?.pgValue ?? .null }
}

func invalid(_ text: String, _ type: String) -> PGError {
    PGError(code: .invalidValue, message: "cannot read \(type) from '\(text.prefix(64))'")
}

extension String: PGEncodable, PGDecodable {
    // Declared as unknown so the server infers text, varchar, jsonb or an enum from context.
    public var pgValue: PGValue { .text(self, oid: PGOID.unknown) }
    public init(pgText: String) { self = pgText }
}

extension Int: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(String(self), oid: PGOID.int8) }
    public init(pgText: String) throws(PGError) {
        guard let value = Int(pgText) else { throw invalid(pgText, "Int") }
        self = value
    }
}

extension Int64: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(String(self), oid: PGOID.int8) }
    public init(pgText: String) throws(PGError) {
        guard let value = Int64(pgText) else { throw invalid(pgText, "Int64") }
        self = value
    }
}

extension Int32: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(String(self), oid: PGOID.int4) }
    public init(pgText: String) throws(PGError) {
        guard let value = Int32(pgText) else { throw invalid(pgText, "Int32") }
        self = value
    }
}

extension Int16: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(String(self), oid: PGOID.int2) }
    public init(pgText: String) throws(PGError) {
        guard let value = Int16(pgText) else { throw invalid(pgText, "Int16") }
        self = value
    }
}

extension Double: PGEncodable, PGDecodable {
    public var pgValue: PGValue {
        let text: String
        if isNaN {
            text = "NaN"
        } else if isInfinite {
            text = self < 0 ? "-Infinity" : "Infinity"
        } else {
            text = "\(self)"
        }
        return .text(text, oid: PGOID.float8)
    }
    public init(pgText: String) throws(PGError) {
        switch pgText {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(pgText) else { throw invalid(pgText, "Double") }
            self = value
        }
    }
}

extension Bool: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(self ? "t" : "f", oid: PGOID.bool) }
    public init(pgText: String) throws(PGError) {
        switch pgText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw invalid(pgText, "Bool")
        }
    }
}

extension Date: PGEncodable, PGDecodable {
    public var pgValue: PGValue { .text(PGTimestamp.format(self), oid: PGOID.timestamptz) }
    public init(pgText: String) throws(PGError) {
        self = try PGTimestamp.parse(pgText)
    }
}

/// Bytes for a `bytea` column.
public struct PGBytes: PGEncodable, PGDecodable, Hashable {
    /// The raw bytes.
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var pgValue: PGValue { .binary(bytes, oid: PGOID.bytea) }
    public init(pgText: String) throws(PGError) {
        // bytea_output = hex (the default since PostgreSQL 9.0): \x followed by two hex digits a byte.
        let utf8 = Array(pgText.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0
        else { throw invalid(pgText, "bytea (hex)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = hexDigit(utf8[index]), let low = hexDigit(utf8[index + 1]) else {
                throw invalid(pgText, "bytea (hex)")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }
}

private func hexDigit(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// A JSON document for a `jsonb` (or `json`) column, kept as its text.
public struct PGJSON: PGEncodable, PGDecodable, Hashable {
    /// The JSON text.
    public var text: String
    public init(_ text: String) { self.text = text }
    public var pgValue: PGValue { .text(text, oid: PGOID.jsonb) }
    public init(pgText: String) { self.text = pgText }
}

extension Array: PGEncodable where Element: PGArrayElement {
    public var pgValue: PGValue {
        .text(PGArrayLiteral.format(self.map { $0.arrayElementText }), oid: Element.arrayOID)
    }
}

extension Array: PGDecodable where Element: PGArrayElement {
    public init(pgText: String) throws(PGError) {
        let items = try PGArrayLiteral.parse(pgText)
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for item in items {
            if let item {
                result.append(try Element(pgText: item))
            } else {
                result.append(try Element.fromNull())
            }
        }
        self = result
    }
}

/// A type that can be an element of a one-dimensional array parameter or column.
public protocol PGArrayElement: PGDecodable, Sendable {
    /// The OID of the array type (`int8[]`, `text[]`).
    static var arrayOID: UInt32 { get }
    /// The element's text form inside an array literal (before quoting); nil for NULL.
    var arrayElementText: String? { get }
    /// The element for a NULL in an array; throws unless the element type is optional.
    static func fromNull() throws(PGError) -> Self
}

extension PGArrayElement {
    public static func fromNull() throws(PGError) -> Self {
        throw PGError(code: .invalidValue, message: "array has a NULL element, expected \(Self.self)")
    }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    public init(pgText: String) throws(PGError) { self = .some(try Wrapped(pgText: pgText)) }
}

extension Optional: PGArrayElement where Wrapped: PGArrayElement {
    public static var arrayOID: UInt32 { Wrapped.arrayOID }
    public var arrayElementText: String? { self?.arrayElementText ?? nil }
    public static func fromNull() -> Self { nil }
}

extension Int64: PGArrayElement {
    public static var arrayOID: UInt32 { PGOID.int8Array }
    public var arrayElementText: String? { String(self) }
}

extension Int: PGArrayElement {
    public static var arrayOID: UInt32 { PGOID.int8Array }
    public var arrayElementText: String? { String(self) }
}

extension Int32: PGArrayElement {
    public static var arrayOID: UInt32 { 1007 }
    public var arrayElementText: String? { String(self) }
}

extension Double: PGArrayElement {
    public static var arrayOID: UInt32 { 1022 }
    public var arrayElementText: String? { String(self) }
}

extension String: PGArrayElement {
    public static var arrayOID: UInt32 { PGOID.textArray }
    public var arrayElementText: String? { self }
}

/// Reads and writes one-dimensional PostgreSQL array literals (`{a,"b c",NULL}`).
enum PGArrayLiteral {
    static func format(_ items: [String?]) -> String {
        var out = "{"
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            guard let item else { out += "NULL"; continue }
            out += "\""
            for character in item {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.append(character)
            }
            out += "\""
        }
        return out + "}"
    }

    static func parse(_ text: String) throws(PGError) -> [String?] {
        var chars = Array(text.unicodeScalars)
        // Arrays with explicit bounds look like "[0:1]={...}"; drop the bounds.
        if chars.first == "[", let equals = chars.firstIndex(of: "=") { chars.removeSubrange(0...equals) }
        guard chars.first == "{", chars.last == "}" else { throw invalid(text, "array") }
        var items: [String?] = []
        var index = 1
        let end = chars.count - 1
        if index == end { return [] }
        while index <= end {
            var value = String.UnicodeScalarView()
            var quoted = false
            if chars[index] == "\"" {
                quoted = true
                index += 1
                while index < end, chars[index] != "\"" {
                    if chars[index] == "\\" { index += 1 }
                    guard index < end else { throw invalid(text, "array") }
                    value.append(chars[index])
                    index += 1
                }
                index += 1  // closing quote
            } else {
                while index < end, chars[index] != "," {
                    if chars[index] == "{" { throw invalid(text, "one-dimensional array") }
                    value.append(chars[index])
                    index += 1
                }
            }
            let item = String(value)
            items.append(!quoted && item == "NULL" ? nil : item)
            guard index <= end else { break }
            if chars[index] == "}" { break }
            guard chars[index] == "," else { throw invalid(text, "array") }
            index += 1
        }
        return items
    }
}
