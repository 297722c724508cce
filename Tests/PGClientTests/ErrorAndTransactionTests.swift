import Foundation
import PGClient
import Testing

@Suite("errors and transactions")
struct ErrorAndTransactionTests {
    @Test func uniqueViolationCarriesSQLStateAndConstraint() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute("CREATE TEMP TABLE t_unique (id int CONSTRAINT t_unique_pk PRIMARY KEY)")
        try await connection.query("INSERT INTO t_unique VALUES ($1)", [1])
        let error = try await #require(throws: PGError.self) {
            try await connection.query("INSERT INTO t_unique VALUES ($1)", [1])
        }
        #expect(error.sqlState == "23505")
        #expect(error.constraint == "t_unique_pk")
        #expect(error.severity == "ERROR")
        #expect(error.detail?.contains("already exists") == true)
        #expect(error.code == .statementFailed)
        #expect(!error.isConnectionError)
        // The connection is still usable.
        #expect(try await connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
    }

    @Test func errorsCausedByValuesAreToldApartFromTheRest() async throws {
        let connection = try await TestDatabase.connect()
        func failure(_ sql: String, _ parameters: [any PGEncodable] = []) async throws -> PGError {
            try await #require(throws: PGError.self) { try await connection.query(sql, parameters) }
        }
        // The values' fault: running the statement again cannot succeed.
        let badJSON = try await failure("SELECT $1::jsonb", ["{not json"])
        #expect(badJSON.sqlState == "22P02" && badJSON.isCausedByValues)
        let outOfRange = try await failure("SELECT $1::int", ["99999999999"])
        #expect(outOfRange.sqlState == "22003" && outOfRange.isCausedByValues)
        try await connection.execute("CREATE TEMP TABLE t_values (id int PRIMARY KEY)")
        try await connection.query("INSERT INTO t_values VALUES (1)")
        #expect(try await failure("INSERT INTO t_values VALUES (1)").isCausedByValues)
        // Not the values' fault: a cancelled statement, a missing prepared statement, bad SQL.
        try await connection.execute("SET statement_timeout = '50ms'")
        let timedOut = try await failure("SELECT pg_sleep(1)")
        #expect(timedOut.sqlState == "57014" && !timedOut.isCausedByValues && !timedOut.isConnectionError)
        try await connection.execute("RESET statement_timeout")
        let missing = try await failure("EXECUTE no_such_statement")
        #expect(missing.sqlState == "26000" && !missing.isCausedByValues)
        #expect(try await !failure("SELEC 1").isCausedByValues)
    }

    @Test func syntaxError() async throws {
        let connection = try await TestDatabase.connect()
        let error = try await #require(throws: PGError.self) { try await connection.query("SELEC 1") }
        #expect(error.sqlState == "42601")
        #expect(error.message.contains("syntax error"))
    }

    @Test func serializationFailure() async throws {
        let setup = try await TestDatabase.connect()
        let table = "t_serial_\(UInt32.random(in: 0...UInt32.max))"
        try await setup.execute("CREATE TABLE \(table) (k int PRIMARY KEY, v int); INSERT INTO \(table) VALUES (1, 0), (2, 0)")
        let a = try await TestDatabase.connect()
        let b = try await TestDatabase.connect()
        try await a.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try await b.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        _ = try await a.query("SELECT sum(v) FROM \(table)")
        _ = try await b.query("SELECT sum(v) FROM \(table)")
        try await a.query("UPDATE \(table) SET v = v + 1 WHERE k = 1")
        try await b.query("UPDATE \(table) SET v = v + 1 WHERE k = 2")
        try await a.execute("COMMIT")
        let error = try await #require(throws: PGError.self) {
            try await b.execute("COMMIT")
        }
        #expect(error.sqlState == "40001")
        #expect(error.isTransient)
        try? await b.execute("ROLLBACK")
        try await setup.execute("DROP TABLE \(table)")
    }

    @Test func transactionRollsBackOnThrowAndCommitsOnReturn() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute("CREATE TEMP TABLE t_tx (x int)")
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await connection.withTransaction { tx in
                try await tx.query("INSERT INTO t_tx VALUES (1)")
                throw Boom()
            }
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM t_tx")[0].decode("n", as: Int.self) == 0)
        try await connection.withTransaction { tx in
            try await tx.query("INSERT INTO t_tx VALUES (2)")
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM t_tx")[0].decode("n", as: Int.self) == 1)
    }

    @Test func aFailedCommitIsToldApartFromAFailedBody() async throws {
        let connection = try await TestDatabase.connect()
        try await connection.execute("CREATE TEMP TABLE t_deferred (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        let error = try await #require(throws: PGTransactionError.self) {
            try await connection.withTransaction { tx in
                try await tx.query("INSERT INTO t_deferred VALUES (1), (1)")
            }
        }
        #expect(error.stage == .commit)
        #expect(error.error.sqlState == "23505")
        #expect(try await connection.query("SELECT count(*) AS n FROM t_deferred")[0].decode("n", as: Int.self) == 0)
    }
}
