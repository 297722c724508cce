/// A numbered schema change from `migrations/`, embedded in the binary.
public struct Migration: Sendable {
    /// The number that orders migrations (the file's prefix).
    package let version: Int
    /// The file name without `.sql`.
    package let name: String
    /// The SQL text (it records itself in `skipper_schema_migrations`).
    package let sql: String

    /// A migration a run applied.
    public struct Applied: Sendable, Equatable {
        public let version: Int
        public let name: String
    }
}

/// The SQL files the queue installs, compiled into the binary so `runner migrate` needs no files
/// on the host. (`Sources/SkipperStore/SQL` holds symlinks to the repository's `migrations/` and `sql/`.)
package enum SQLFiles {
    /// Every migration, in order. A new file in `migrations/` gets a line here (a test checks it).
    package static let migrations: [Migration] = [
        Migration(version: 1, name: "0001_schema", sql: text(PackageResources._001_schema_sql)),
        Migration(version: 2, name: "0002_running_index", sql: text(PackageResources._002_running_index_sql)),
        Migration(version: 3, name: "0003_claim_probes", sql: text(PackageResources._003_claim_probes_sql)),
        Migration(version: 4, name: "0004_queue_depth_sample", sql: text(PackageResources._004_queue_depth_sample_sql)),
        Migration(version: 5, name: "0005_schedules", sql: text(PackageResources._005_schedules_sql)),
    ]

    /// `sql/functions.sql`: the SQL API, re-applied by migrate whenever its text changes.
    package static let functions = text(PackageResources.functions_sql)

    /// `sql/diagnostics.sql`: the operator's psql queries.
    package static let diagnostics = text(PackageResources.diagnostics_sql)

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
