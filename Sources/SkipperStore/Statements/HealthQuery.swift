import PGClient

/// The `/health` endpoint's question to the database: does it answer at all.
package enum HealthQuery {
    /// Runs `SELECT 1`.
    package static func run(on connection: StoreConnection) async throws(StoreError) {
        try await connection.run("answer SELECT 1") { db throws(PGError) in
            try await db.query("SELECT 1")
        }
    }
}
