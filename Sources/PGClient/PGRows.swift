/// The rows a statement returned, copied out of libpq's result before it was freed.
public struct PGRows: Sendable, RandomAccessCollection {
    /// Column names in result order.
    public let columns: [String]
    /// The number of rows the statement inserted, updated or deleted (`PQcmdTuples`), or returned.
    public let affectedRows: Int
    private let cells: [String?]
    private let columnIndex: [String: Int]

    init(columns: [String], cells: [String?], affectedRows: Int) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    public subscript(position: Int) -> PGRow {
        precondition(position >= 0 && position < endIndex, "row \(position) out of range: the result has \(endIndex) rows")
        return PGRow(rows: self, offset: position * columns.count)
    }

    fileprivate func cell(_ offset: Int) -> String? { cells[offset] }
    fileprivate func position(of name: String) -> Int? { columnIndex[name] }
}

/// One row of a ``PGRows`` with typed access by column name or index.
public struct PGRow: Sendable {
    fileprivate let rows: PGRows
    fileprivate let offset: Int

    /// The number of columns.
    public var count: Int { rows.columns.count }

    /// The raw text of a column, nil for NULL.
    public func text(at index: Int) -> String? {
        precondition(index >= 0 && index < rows.columns.count, "column index \(index) out of range")
        return rows.cell(offset + index)
    }

    /// Whether the named column is NULL.
    public func isNull(_ column: String) throws(PGError) -> Bool {
        try text(column) == nil
    }

    /// The raw text of the named column, nil for NULL.
    /// - Throws: ``PGError`` when there is no such column.
    public func text(_ column: String) throws(PGError) -> String? {
        guard let index = rows.position(of: column) else {
            throw PGError(code: .invalidValue, message: "no column named '\(column)' (have: \(rows.columns.joined(separator: ", ")))")
        }
        return rows.cell(offset + index)
    }

    /// The value of the named column; NULL is an error.
    public func decode<T: PGDecodable>(_ column: String, as type: T.Type = T.self) throws(PGError) -> T {
        guard let text = try text(column) else {
            throw PGError(code: .invalidValue, message: "column '\(column)' is NULL, expected \(T.self)")
        }
        return try T(pgText: text)
    }

    /// The value of the named column, nil for NULL.
    public func decode<T: PGDecodable>(_ column: String, as type: T?.Type) throws(PGError) -> T? {
        guard let text = try text(column) else { return nil }
        return try T(pgText: text)
    }

    /// The value at a column index; NULL is an error.
    public func decode<T: PGDecodable>(at index: Int, as type: T.Type = T.self) throws(PGError) -> T {
        guard let text = text(at: index) else {
            throw PGError(code: .invalidValue, message: "column \(index) is NULL, expected \(T.self)")
        }
        return try T(pgText: text)
    }

    /// The value at a column index, nil for NULL.
    public func decode<T: PGDecodable>(at index: Int, as type: T?.Type) throws(PGError) -> T? {
        guard let text = text(at: index) else { return nil }
        return try T(pgText: text)
    }
}
