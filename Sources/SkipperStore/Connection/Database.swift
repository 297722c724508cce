import Logging
import PGClient

/// Where Skipper's database is and how to reach it: a libpq URL or conninfo string, checked by
/// libpq's own parser, and whether a transaction-mode pooler sits in front of it.
///
/// The one handle the layers above the store get on the database: they open connections with
/// ``connect(role:logger:)`` and never see libpq's types.
public struct Database: Sendable, CustomStringConvertible {
    package var connectionString: PGConnectionString

    /// - Throws: ``StoreError`` of kind `.invalidAddress` saying what libpq refused (never the
    ///   string itself: it may hold a password).
    public init(url: String) throws(StoreError) {
        do {
            connectionString = try PGConnectionString(url)
        } catch {
            throw StoreError(kind: .invalidAddress, operation: "read the database address", message: error.message)
        }
    }

    package init(_ connectionString: PGConnectionString) {
        self.connectionString = connectionString
    }

    /// Whether a pooler hands each transaction any server connection (PgBouncer's
    /// `pool_mode = transaction`): statements are then sent unnamed, nothing is set per session,
    /// and LISTEN cannot work through it.
    public var isPooledPerTransaction: Bool {
        get { connectionString.isPooledPerTransaction }
        set { connectionString.isPooledPerTransaction = newValue }
    }

    /// The address with any password removed.
    public var description: String { connectionString.redacted }

    /// Removes the password from a text that may quote the address.
    public func scrub(_ text: String) -> String { connectionString.scrub(text) }

    /// Opens a connection named `skipper-<role>` in `pg_stat_activity` (a name chosen in the
    /// address is kept in front), except behind a transaction-mode pooler, where the setting
    /// would stay on whichever server connection the pool lent.
    /// - Throws: ``StoreError`` of kind `.unavailable` saying why.
    public func connect(role: String, logger: Logger) async throws(StoreError) -> StoreConnection {
        let connection: PGConnection
        do {
            connection = try await PGConnection.connect(to: connectionString, logger: logger)
        } catch {
            throw StoreError(operation: "connect", error)
        }
        let store = StoreConnection(connection)
        if !connectionString.isPooledPerTransaction {
            try await store.run("name the connection") { db throws(PGError) in
                try await db.query(
                    "SELECT set_config('application_name', CASE WHEN current_setting('application_name') = '' THEN $1 ELSE current_setting('application_name') || ' ' || $1 END, false)",
                    ["skipper-\(role)"])
            }
        }
        return store
    }
}

/// What opens connections for the runtime's loops: a ``Database``, or in tests a connector
/// around one that can be told to fail (a database outage, on demand, against a real server).
public protocol StoreConnector: Sendable, CustomStringConvertible {
    /// Opens a connection named after its role (see ``Database/connect(role:logger:)``).
    func connect(role: String, logger: Logger) async throws(StoreError) -> StoreConnection
    /// Whether a transaction-mode pooler sits in front (no LISTEN through it).
    var isPooledPerTransaction: Bool { get }
}

extension Database: StoreConnector {}
