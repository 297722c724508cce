import Configuration
import Foundation
import SkipperStore
import SystemPackage

/// Where a setting's value comes from, in order: the command-line flag, the process
/// environment, the `--env-file`, the default. Values are trimmed (a trailing space in an env
/// file is a classic outage).
public struct SettingsSource: Sendable {
    private let environment: EnvironmentVariablesProvider
    private let environmentFile: EnvironmentVariablesProvider?

    /// A source over the process environment and, when given, an env file.
    /// - Throws: ``ConfigurationError`` naming `--env-file` when the file cannot be read.
    public init(envFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(ConfigurationError) {
        self.environment = EnvironmentVariablesProvider(environmentVariables: environment)
        if let envFile {
            do {
                self.environmentFile = try await EnvironmentVariablesProvider(environmentFilePath: FilePath(envFile))
            } catch {
                throw ConfigurationError(setting: "--env-file", value: envFile, expected: "a readable file of NAME=value lines")
            }
        } else {
            self.environmentFile = nil
        }
    }

    /// The value of a setting: the flag's when given, else the environment's, else the env file's.
    public func value(_ name: String, flag: String? = nil) -> String? {
        if let flag { return flag.trimmingCharacters(in: .whitespaces) }
        for provider in [environment, environmentFile].compactMap({ $0 }) {
            if let value = try? provider.environmentValue(forName: name) {
                let trimmed = value.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { return trimmed }
            }
        }
        return nil
    }

    /// DATABASE_URL, required; checked with libpq's parser (errors never echo it). PGBOUNCER says
    /// what pools its connections: `off` (the default) and `session` change nothing; `transaction`
    /// lends each transaction any server connection, so the string is marked
    /// ``Database/isPooledPerTransaction`` (statements unnamed, nothing set per session;
    /// LISTEN then needs LISTEN_DATABASE_URL, and `runner migrate` a direct connection).
    public func database(flag: String?, pgbouncerFlag: String? = nil) throws(ConfigurationError) -> Database {
        guard let raw = value("DATABASE_URL", flag: flag) else {
            throw ConfigurationError(setting: "DATABASE_URL (--database-url)", value: "", expected: "a libpq URL or conninfo string; it is required")
        }
        var database = try Self.database(raw, setting: "DATABASE_URL (--database-url)")
        switch value("PGBOUNCER", flag: pgbouncerFlag)?.lowercased() {
        case nil, "off", "session": break
        case "transaction": database.isPooledPerTransaction = true
        case let other?:
            throw ConfigurationError(setting: "PGBOUNCER (--pgbouncer)", value: other, expected: "off, session or transaction (PgBouncer's pool_mode)")
        }
        return database
    }

    /// LISTEN_DATABASE_URL, when set: where the runner's listener connects (directly to PostgreSQL
    /// when DATABASE_URL goes through a transaction-mode pooler, which cannot keep a LISTEN).
    public func listenDatabase(flag: String?) throws(ConfigurationError) -> Database? {
        guard let raw = value("LISTEN_DATABASE_URL", flag: flag) else { return nil }
        return try Self.database(raw, setting: "LISTEN_DATABASE_URL (--listen-database-url)")
    }

    private static func database(_ raw: String, setting: String) throws(ConfigurationError) -> Database {
        do {
            return try Database(url: raw)
        } catch {
            throw ConfigurationError(setting: setting, value: "(hidden)", expected: "a libpq URL or conninfo string (\(error.message))")
        }
    }
}
