import Foundation
import SkipperStore
import PGClient
import TestSupport
import Testing

@Suite("migrations")
struct MigrationTests {
    @Test func everyMigrationFileIsEmbedded() throws {
        let folder = TestEnvironment.repositoryRoot.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == SQLFiles.migrations.map(\.name))
        #expect(SQLFiles.migrations.map(\.version) == Array(1...SQLFiles.migrations.count))
        for migration in SQLFiles.migrations {
            let text = try String(contentsOf: folder.appendingPathComponent(migration.name + ".sql"), encoding: .utf8)
            #expect(text == migration.sql)
        }
    }

    @Test func migrateTwiceAndConcurrentlyIsSafe() async throws {
        let schema = try await TestSchema.create(prefix: "mig")
        // Already migrated once by create(); two more at the same time change nothing.
        async let first = Migrator().migrate(on: try await schema.store())
        async let second = Migrator().migrate(on: try await schema.store())
        let outcomes = try await [first, second]
        #expect(outcomes.allSatisfy { $0.appliedVersions.isEmpty && !$0.functionsInstalled })
        #expect(try await Migrator().isUpToDate(on: try await schema.store()))
    }

    @Test func aNewerVersionsSQLAPIIsKeptAndAcceptedAnOlderOneIsReplaced() async throws {
        // A rolling upgrade: version N+1 migrated first; runners of version N still start, and
        // N's `runner migrate` does not put its older SQL API back.
        let schema = try await TestSchema.create(prefix: "migver")
        let connection = try await schema.store()
        let migrator = Migrator()
        let ours = try await schema.scalar("SELECT name FROM skipper_schema_migrations WHERE version = 0", as: String.self)
        #expect(ours.hasSuffix(" skipper \(SkipperVersion.current)"))
        let newer = "functions:0123456789abcdef skipper 99.0.0"
        try await schema.query("UPDATE skipper_schema_migrations SET name = $1 WHERE version = 0", [newer])
        #expect(try await migrator.isUpToDate(on: connection))
        #expect(try await migrator.migrate(on: connection).functionsInstalled == false)
        #expect(try await schema.scalar("SELECT name FROM skipper_schema_migrations WHERE version = 0", as: String.self) == newer)
        // An older version's (or a pre-version record's) SQL API is out of date, and replaced.
        for older in ["functions:0123456789abcdef skipper 0.0.9", "functions:0123456789abcdef"] {
            try await schema.query("UPDATE skipper_schema_migrations SET name = $1 WHERE version = 0", [older])
            #expect(try await !migrator.isUpToDate(on: connection))
            #expect(try await migrator.migrate(on: connection).functionsInstalled)
            #expect(try await schema.scalar("SELECT name FROM skipper_schema_migrations WHERE version = 0", as: String.self) == ours)
        }
        #expect(SkipperVersion.isNewer("0.10.0", than: "0.9.1"))
        #expect(!SkipperVersion.isNewer("0.1.0", than: "0.1.0"))
        #expect(!SkipperVersion.isNewer("0.1", than: "0.1.0"))
    }

    @Test func twoFreshMigrationsRacingApplyEachFileOnce() async throws {
        let base = try TestEnvironment.databaseURL()
        let name = "race_\(UInt32.random(in: 0...UInt32.max))"
        try await PGConnection.connect(to: base, logger: TestEnvironment.logger).execute("CREATE SCHEMA \(name)")
        let url = TestEnvironment.url(base, searchPath: name)
        async let a = Migrator().migrate(on: StoreConnection(try await PGConnection.connect(to: url, logger: TestEnvironment.logger)))
        async let b = Migrator().migrate(on: StoreConnection(try await PGConnection.connect(to: url, logger: TestEnvironment.logger)))
        let (first, second) = try await (a, b)
        #expect((first.appliedVersions + second.appliedVersions).sorted() == SQLFiles.migrations.map(\.version))
    }

    @Test func theSameFilesApplyWithPsqlInOrder() async throws {
        let base = try TestEnvironment.databaseURL()
        let name = "psql_\(UInt32.random(in: 0...UInt32.max))"
        try await PGConnection.connect(to: base, logger: TestEnvironment.logger).execute("CREATE SCHEMA \(name)")
        let url = TestEnvironment.url(base, searchPath: name)
        let root = TestEnvironment.repositoryRoot
        var files = SQLFiles.migrations.map { root.appendingPathComponent("migrations/\($0.name).sql").path }
        files.append(root.appendingPathComponent("sql/functions.sql").path)
        for file in files {
            let applied = try await runProgram(["/usr/bin/psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", file])
            #expect(applied.status == 0, "psql -f \(file): \(applied.output)")
        }
        let connection = try await PGConnection.connect(to: url, logger: TestEnvironment.logger)
        let id = try await connection.query("SELECT enqueue_execution('noop') AS id")[0].decode("id", as: Int64.self)
        #expect(id > 0)
        // `runner migrate` afterwards only records the SQL API it finds already current.
        let outcome = try await Migrator().migrate(on: StoreConnection(connection))
        #expect(outcome.appliedVersions.isEmpty)
    }
}
