import ArgumentParser
import SkipperCLI
import SkipperRuntime
import SkipperStore

/// `runner migrate`: create or update the schema and the SQL API.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the missing migrations and the SQL API (safe to run twice, or from several hosts at once).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try await common.prepare(label: "skipper.migrate")
        if context.database.isPooledPerTransaction {
            // The migration lock is a session-level advisory lock: behind transaction pooling it
            // would be taken on one server connection and left held there for good.
            try usage { () throws(ConfigurationError) -> Void in
                throw ConfigurationError(
                    setting: "PGBOUNCER (--pgbouncer)", value: "transaction",
                    expected: "a direct connection for `runner migrate`: point DATABASE_URL at PostgreSQL (or a session-mode pool) and drop PGBOUNCER=transaction")
            }
        }
        do {
            let connection = try await context.database.connect(role: "cli", logger: context.logger)
            let outcome = try await Migrator().migrate(on: connection)
            await connection.close()
            for migration in outcome.applied {
                context.logger.info("migration applied", metadata: [
                    LogKey.status: "\(LogStatus.migrated)", "version": "\(migration.version)", "name": "\(migration.name)",
                ])
            }
            if let kept = outcome.keptNewerAPI {
                context.logger.notice("SQL API of a newer version kept", metadata: [LogKey.status: "\(LogStatus.kept)", "recorded": "\(kept)"])
            }
            if outcome.functionsInstalled {
                context.logger.info("SQL API installed", metadata: [LogKey.status: "\(LogStatus.migrated)", "file": "sql/functions.sql"])
            }
            if outcome.appliedVersions.isEmpty && !outcome.functionsInstalled {
                print("schema is up to date")
            } else {
                let applied = outcome.appliedVersions.map(String.init).joined(separator: ", ")
                print("applied migrations: \(applied.isEmpty ? "none" : applied); SQL API \(outcome.functionsInstalled ? "installed" : "unchanged")")
            }
        } catch {
            throw runtimeFailure(error, logger: context.logger)
        }
    }
}
