import Configuration
import Foundation
import SkipperStore
import SystemPackage

/// Where a setting's value comes from, in order: the command-line flag, the process
/// environment, the `--env-file`, the default. The environment and the file are one
/// swift-configuration `ConfigReader` over two providers (the addresses marked secret, so the
/// library never shows them); values are trimmed (a trailing space in an env file is a classic
/// outage) and a blank value counts as unset.
public struct SettingsSource: Sendable {
    private let reader: ConfigReader

    /// A source over the process environment and, when given, an env file.
    /// - Throws: ``ConfigurationError`` naming `--env-file` when the file cannot be read.
    public init(envFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(ConfigurationError) {
        let secrets = SecretsSpecifier<String, String>.specific([Settings.databaseURL.name, Settings.listenDatabaseURL.name])
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets)
        ]
        if let envFile {
            do {
                providers.append(try await EnvironmentVariablesProvider(environmentFilePath: FilePath(envFile), secretsSpecifier: secrets))
            } catch {
                throw ConfigurationError(setting: "--env-file", value: envFile, expected: "a readable file of NAME=value lines")
            }
        }
        reader = ConfigReader(providers: providers)
    }

    /// A setting's value: the flag's when given, else the environment's or the env file's;
    /// nil when none sets it.
    /// - Throws: ``ConfigurationError`` naming the setting when its value cannot be used.
    public func read<Value>(_ setting: Setting<Value>, flag: String? = nil) throws(ConfigurationError) -> Value? {
        guard let text = text(setting.name, flag: flag) else { return nil }
        return try setting.parse(text)
    }

    /// The text given for a setting, trimmed: the flag's as given (a blank flag is a value, and
    /// its parser says what is wrong with it), else the environment's or the file's, where a blank
    /// value counts as unset.
    public func text(_ name: String, flag: String? = nil) -> String? {
        if let flag { return flag.trimmingCharacters(in: .whitespaces) }
        guard let trimmed = reader.string(forKey: ConfigKey(name))?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }

    /// DATABASE_URL, required; checked with libpq's parser (errors never echo it). PGBOUNCER says
    /// what pools its connections: `off` (the default) and `session` change nothing; `transaction`
    /// lends each transaction any server connection, so the database is marked
    /// ``Database/isPooledPerTransaction`` (statements unnamed, nothing set per session;
    /// LISTEN then needs LISTEN_DATABASE_URL, and `runner migrate` a direct connection).
    public func database(flag: String?, pgbouncerFlag: String? = nil) throws(ConfigurationError) -> Database {
        guard let raw = try read(Settings.databaseURL, flag: flag) else {
            throw ConfigurationError(setting: Settings.databaseURL.label, value: "", expected: "a libpq URL or conninfo string; it is required")
        }
        var database = try Self.database(raw, setting: Settings.databaseURL.label)
        database.isPooledPerTransaction = try read(Settings.pgbouncer, flag: pgbouncerFlag) ?? false
        return database
    }

    /// LISTEN_DATABASE_URL, when set: where the runner's listener connects (directly to PostgreSQL
    /// when DATABASE_URL goes through a transaction-mode pooler, which cannot keep a LISTEN).
    public func listenDatabase(flag: String?) throws(ConfigurationError) -> Database? {
        guard let raw = try read(Settings.listenDatabaseURL, flag: flag) else { return nil }
        return try Self.database(raw, setting: Settings.listenDatabaseURL.label)
    }

    private static func database(_ raw: String, setting: String) throws(ConfigurationError) -> Database {
        do {
            return try Database(url: raw)
        } catch {
            throw ConfigurationError(setting: setting, value: "(hidden)", expected: "a libpq URL or conninfo string (\(error.message))")
        }
    }
}
