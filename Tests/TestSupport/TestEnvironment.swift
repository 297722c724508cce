import Foundation
import SkipperStore
import Logging
import PGClient

/// What every database test needs: the DATABASE_URL `scripts/test` exports (a missing one is a
/// failure, never a skip), an isolated schema per suite, and the built binaries.
public enum TestEnvironment {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static let logger = Logger(label: "skipper-tests")

    /// The database URL from the environment.
    public static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw SetupError("DATABASE_URL is not set: run the tests with scripts/test")
        }
        return url
    }

    /// The folder of the built `runner` and `cleanup-daemon`.
    public static func binDirectory() throws -> URL {
        if let dir = ProcessInfo.processInfo.environment["SKIPPER_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        // `swift test` without scripts/test: the test bundle sits beside the binaries.
        let candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("runner").path) { return candidate }
        throw SetupError("SKIPPER_BIN_DIR is not set and the runner binary was not found: run the tests with scripts/test")
    }

    /// The repository's root folder (for SQL files and scripts).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `url` with `search_path` set to `schema` (URL or conninfo form).
    public static func url(_ url: String, searchPath schema: String) -> String {
        if url.contains("://") {
            return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        }
        return url + " options='-csearch_path=\(schema)'"
    }
}

/// A schema of its own with Skipper migrated into it: one per suite, so suites never see each
/// other's executions or workers.
public struct TestSchema: Sendable {
    /// The schema name.
    public let name: String
    /// DATABASE_URL pointing into the schema.
    public let url: String
    public let connectionString: PGConnectionString

    /// Creates and migrates a fresh schema.
    public static func create(prefix: String = "t") async throws -> TestSchema {
        let base = try TestEnvironment.databaseURL()
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await PGConnection.connect(to: base, logger: TestEnvironment.logger)
        try await admin.execute("CREATE SCHEMA \(name)")
        await admin.close()
        let url = TestEnvironment.url(base, searchPath: name)
        let schema = TestSchema(name: name, url: url, connectionString: try PGConnectionString(url))
        let connection = try await schema.connect()
        try await Migrator().migrate(on: StoreConnection(connection))
        await connection.close()
        return schema
    }

    /// A new connection into the schema.
    public func connect() async throws -> PGConnection {
        try await PGConnection.connect(to: connectionString, logger: TestEnvironment.logger)
    }

    /// The schema as the runtime reaches it.
    public var database: Database { Database(connectionString) }

    /// A new store connection into the schema (for the store's named operations).
    public func store() async throws -> StoreConnection {
        StoreConnection(try await connect())
    }

    /// One value from one query.
    public func scalar<T: PGDecodable>(_ sql: String, _ binds: [any PGEncodable] = [], as type: T.Type = T.self) async throws -> T {
        let connection = try await connect()
        let rows = try await connection.query(sql, binds)
        guard let row = rows.first else { throw TestEnvironment.SetupError("no row from: \(sql)") }
        return try row.decode(at: 0, as: T.self)
    }

    /// Runs a statement.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PGEncodable] = []) async throws -> PGRows {
        let connection = try await connect()
        return try await connection.query(sql, binds)
    }

    /// Runs a script of several statements.
    public func execute(_ script: String) async throws {
        try await connect().execute(script)
    }

    /// Waits until `condition` holds, for at most `timeout` (see the free function ``eventually(timeout:_:)``).
    public func eventually(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        try await TestSupport.eventually(timeout: timeout, condition)
    }
}
