import PGClient

/// Applies the missing migrations in order, then the SQL API, under an advisory lock so that
/// several `runner migrate` (or runners starting together) never apply a file twice.
public struct Migrator: Sendable {
    /// The advisory lock key (an arbitrary constant: "skipper" in ASCII).
    static let lockKey: Int64 = 0x736b_6970_7065_72

    public init() {}

    /// What a migrate run did (the caller logs it).
    public struct Outcome: Sendable, Equatable {
        /// Migrations applied by this run, in order: (version, file name).
        public var applied: [Migration.Applied] = []
        /// Whether the SQL API file was (re)installed.
        public var functionsInstalled = false
        /// The record of a newer version's SQL API that was kept rather than replaced (a rolling
        /// upgrade whose newer `runner migrate` ran first).
        public var keptNewerAPI: String?

        /// Versions applied by this run.
        public var appliedVersions: [Int] { applied.map(\.version) }
    }

    /// Brings the schema of the connection's database (and search_path) up to date.
    @discardableResult
    public func migrate(on connection: StoreConnection) async throws(StoreError) -> Outcome {
        try await connection.rows("migrate") { db in try await migrate(on: db) }
    }

    private func migrate(on connection: PGConnection) async throws -> Outcome {
        try await connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
        do {
            let outcome = try await applyMissing(on: connection)
            try await connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey])
            return outcome
        } catch {
            if !connection.isBroken { _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
            throw error
        }
    }

    private func applyMissing(on connection: PGConnection) async throws -> Outcome {
        var outcome = Outcome()
        // Created only when missing, so that a role without CREATE on the schema can confirm
        // an up-to-date schema (IF NOT EXISTS would still check that privilege).
        if try await !Self.migrationsTableExists(on: connection) {
            try await connection.execute("""
                CREATE TABLE IF NOT EXISTS skipper_schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """)
        }
        let appliedRows = try await connection.query("SELECT version FROM skipper_schema_migrations")
        let applied = Set(try appliedRows.map { try $0.decode("version", as: Int.self) })
        for migration in SQLFiles.migrations where !applied.contains(migration.version) {
            try await connection.withTransaction { tx in
                try await tx.execute(migration.sql)
                try await tx.query(
                    "INSERT INTO skipper_schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
                    [migration.version, migration.name])
            }
            outcome.applied.append(Migration.Applied(version: migration.version, name: migration.name))
        }
        let functionsName = try await Self.functionsRecord(on: connection)
        let recorded = try await Self.recordedFunctions(on: connection)
        if let recorded, recorded != functionsName, Self.serves(recorded: recorded, ours: functionsName) {
            // A newer Skipper's migrate ran first (a rolling upgrade): never put an older API back.
            outcome.keptNewerAPI = recorded
        } else if recorded != functionsName {
            try await connection.withTransaction { tx in
                try await tx.execute(SQLFiles.functions)
                try await tx.query("""
                    INSERT INTO skipper_schema_migrations (version, name) VALUES (0, $1)
                    ON CONFLICT (version) DO UPDATE SET name = excluded.name, applied_at = now()
                    """, [functionsName])
            }
            outcome.functionsInstalled = true
        }
        return outcome
    }

    /// Whether every migration and the current SQL API are installed (used before a runner starts work).
    public func isUpToDate(on connection: StoreConnection) async throws(StoreError) -> Bool {
        try await connection.rows("check the schema") { db in try await isUpToDate(on: db) }
    }

    private func isUpToDate(on connection: PGConnection) async throws -> Bool {
        guard try await Self.migrationsTableExists(on: connection) else { return false }
        let rows = try await connection.query("SELECT version, name FROM skipper_schema_migrations")
        var versions = Set<Int>()
        var functionsName = ""
        for row in rows {
            let version = try row.decode("version", as: Int.self)
            versions.insert(version)
            if version == 0 { functionsName = try row.decode("name", as: String.self) }
        }
        let expected = try await Self.functionsRecord(on: connection)
        return SQLFiles.migrations.allSatisfy { versions.contains($0.version) }
            && Self.serves(recorded: functionsName, ours: expected)
    }

    /// Whether the SQL API recorded in the database serves this version: it is this version's own,
    /// or a newer version's, which keeps what older runners call (docs/operations.md, "Upgrades"),
    /// so that runners of version N run on beside N+1 after N+1's migrate.
    private static func serves(recorded: String, ours: String) -> Bool {
        recorded == ours || SkipperVersion.isNewer(version(inRecord: recorded), than: SkipperVersion.current)
    }

    /// The record of the SQL API installed now, if any.
    private static func recordedFunctions(on connection: PGConnection) async throws -> String? {
        try await connection.query("SELECT name FROM skipper_schema_migrations WHERE version = 0").first?.decode("name", as: String.self)
    }

    /// The Skipper version in a record (`functions:<md5> skipper <version>`); "0" for records
    /// written before versions were recorded.
    private static func version(inRecord record: String) -> String {
        guard let range = record.range(of: " skipper ") else { return "0" }
        return String(record[range.upperBound...])
    }

    private static func migrationsTableExists(on connection: PGConnection) async throws -> Bool {
        try await connection.query("SELECT to_regclass('skipper_schema_migrations') IS NOT NULL AS present")[0].decode("present", as: Bool.self)
    }

    /// The name under which the current sql/functions.sql is recorded (version 0): its md5 and
    /// the version that installed it.
    private static func functionsRecord(on connection: PGConnection) async throws -> String {
        let md5 = try await connection.query("SELECT md5($1) AS md5", [SQLFiles.functions])[0].decode("md5", as: String.self)
        return "functions:\(md5) skipper \(SkipperVersion.current)"
    }
}
