import Foundation
import PGClient
import Testing

@Suite("values round-trip through PostgreSQL")
struct ValueRoundTripTests {
    let connection: PGConnection

    init() async throws {
        connection = try await TestDatabase.connect()
    }

    func roundTrip<T: PGEncodable & PGDecodable>(_ value: T, as cast: String) async throws -> T {
        let rows = try await connection.query("SELECT $1::\(cast) AS v", [value])
        return try rows[0].decode("v", as: T.self)
    }

    @Test func integers() async throws {
        for value in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(try await roundTrip(value, as: "bigint") == value)
        }
        #expect(try await roundTrip(Int32.min, as: "integer") == Int32.min)
        #expect(try await roundTrip(Int16.max, as: "smallint") == Int16.max)
        #expect(try await roundTrip(Int.max, as: "bigint") == Int.max)
    }

    @Test func doubles() async throws {
        for value in [0.0, -0.5, 1e-300, 1.7976931348623157e308, 0.1 + 0.2, .infinity, -.infinity] {
            #expect(try await roundTrip(value, as: "double precision") == value)
        }
        #expect(try await roundTrip(Double.nan, as: "double precision").isNaN)
    }

    @Test func booleans() async throws {
        #expect(try await roundTrip(true, as: "boolean") == true)
        #expect(try await roundTrip(false, as: "boolean") == false)
    }

    @Test func strings() async throws {
        let megabyte = String(repeating: "abcdefgh", count: 131_072)
        for value in ["", "plain", "ünïcødé ✓ 日本語 🚀", "quotes ' \" and \\ backslash", "line\nbreak\ttab", megabyte] {
            #expect(try await roundTrip(value, as: "text") == value)
        }
    }

    @Test func timestamps() async throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let back = try await roundTrip(date, as: "timestamptz")
        #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        let old = Date(timeIntervalSince1970: -2_208_988_800.5)  // 1899-12-31 23:59:59.5 UTC
        #expect(abs(try await roundTrip(old, as: "timestamptz").timeIntervalSince1970 - old.timeIntervalSince1970) < 0.000_001)
        // A literal with an offset is read as the same instant.
        let rows = try await connection.query(
            "SELECT '2024-03-10 12:34:56.789+05:30'::timestamptz AS a, '2024-03-10 07:04:56.789Z'::timestamptz AS b")
        let a = try rows[0].decode("a", as: Date.self)
        let b = try rows[0].decode("b", as: Date.self)
        #expect(abs(a.timeIntervalSince1970 - b.timeIntervalSince1970) < 0.000_001)
        #expect(abs(a.timeIntervalSince1970 - 1_710_054_296.789) < 0.000_001)
        // In another session time zone the server prints another offset; the instant is the same.
        try await connection.execute("SET TIME ZONE 'America/St_Johns'")
        let shifted = try await connection.query("SELECT $1::timestamptz AS v", [date])
        #expect(abs(try shifted[0].decode("v", as: Date.self).timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        try await connection.execute("SET TIME ZONE 'UTC'")
    }

    @Test func bytea() async throws {
        let all = PGBytes((0...255).map { UInt8($0) })
        #expect(try await roundTrip(all, as: "bytea") == all)
        #expect(try await roundTrip(PGBytes([]), as: "bytea") == PGBytes([]))
    }

    @Test func json() async throws {
        let nested = #"{"a": [1, 2, {"b": {"c": [true, null, "ü"]}}], "d": {"e": {"f": {"g": 1.5}}}}"#
        let back = try await roundTrip(PGJSON(nested), as: "jsonb")
        let same = try await connection.query("SELECT $1::jsonb = $2::jsonb AS same", [back, PGJSON(nested)])
        #expect(try same[0].decode("same", as: Bool.self))
    }

    @Test func arrays() async throws {
        #expect(try await roundTrip([Int64.min, 0, Int64.max], as: "bigint[]") == [Int64.min, 0, Int64.max])
        #expect(try await roundTrip([Int64](), as: "bigint[]") == [])
        let texts = ["a", "", "with space", "com,ma", "quo\"te", "back\\slash", "NULL", "{brace}", "ü"]
        #expect(try await roundTrip(texts, as: "text[]") == texts)
        #expect(try await roundTrip([String](), as: "text[]") == [])
        let rows = try await connection.query("SELECT $1::bigint[] AS v", [[Int64]?.none])
        #expect(try rows[0].decode("v", as: [Int64]?.self) == nil)
    }

    @Test func nullsAsOptionals() async throws {
        let rows = try await connection.query(
            "SELECT $1::bigint AS i, $2::text AS t, $3::timestamptz AS d, $4::jsonb AS j, $5::bytea AS b",
            [Int64?.none, String?.none, Date?.none, PGJSON?.none, PGBytes?.none])
        let row = rows[0]
        #expect(try row.decode("i", as: Int64?.self) == nil)
        #expect(try row.decode("t", as: String?.self) == nil)
        #expect(try row.decode("d", as: Date?.self) == nil)
        #expect(try row.decode("j", as: PGJSON?.self) == nil)
        #expect(try row.decode("b", as: PGBytes?.self) == nil)
        #expect(try row.isNull("t"))
        #expect(throws: PGError.self) { try row.decode("t", as: String.self) }
        #expect(throws: PGError.self) { try row.decode("missing", as: String?.self) }
    }

    @Test func rowsByIndexAndAffectedCount() async throws {
        try await connection.execute("CREATE TEMP TABLE t_affected (x int)")
        let inserted = try await connection.query("INSERT INTO t_affected SELECT generate_series(1, 7)")
        #expect(inserted.affectedRows == 7)
        let updated = try await connection.query("UPDATE t_affected SET x = x + 1 WHERE x > $1", [4])
        #expect(updated.affectedRows == 3)
        let rows = try await connection.query("SELECT x, x * 2 AS y FROM t_affected ORDER BY x", name: "select_affected")
        #expect(rows.count == 7)
        #expect(try rows[6].decode(at: 1, as: Int.self) == 16)
        // The prepared statement is reused.
        #expect(try await connection.query("SELECT x, x * 2 AS y FROM t_affected ORDER BY x", name: "select_affected").count == 7)
    }
}
