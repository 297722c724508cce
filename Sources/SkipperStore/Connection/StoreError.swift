import PGClient

/// Why a store operation failed: what was being done, what kind of failure it was, and the
/// server's message — never the connection target or its password.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure the layers above act on differently.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        /// The database could not be reached or the connection broke: reconnect and retry.
        public static let unavailable = Kind(name: "unavailable")
        /// Connected to a read-only server (a standby): point DATABASE_URL at the primary.
        public static let readOnlyServer = Kind(name: "read_only_server")
        /// The operation's own values were refused (invalid JSON, a constraint, a limit): the
        /// same values can never succeed.
        public static let refusedValues = Kind(name: "refused_values")
        /// The schema is missing or older than this build: run `runner migrate`.
        public static let schemaNotReady = Kind(name: "schema_not_ready")
        /// The database address itself is invalid.
        public static let invalidAddress = Kind(name: "invalid_address")
        /// Anything else the server refused (a timeout, a cancelled statement, a permission).
        public static let failed = Kind(name: "failed")
        public var description: String { name }
    }

    /// The kind of failure.
    public var kind: Kind
    /// What the store was doing ("claim", "write outcomes", "connect"…).
    public var operation: String
    /// The SQLSTATE the server sent, if any.
    public var sqlState: String?
    /// What went wrong, in the server's or libpq's words (with the server's detail and hint).
    public var message: String

    public init(kind: Kind, operation: String, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
    }

    /// Classifies a libpq error.
    package init(operation: String, _ error: PGError) {
        let kind: Kind
        if error.isReadOnlyServer {
            kind = .readOnlyServer
        } else if error.isConnectionError {
            kind = .unavailable
        } else if error.isCausedByValues {
            kind = .refusedValues
        } else if [SQLState.undefinedTable, SQLState.undefinedFunction].contains(error.sqlState) {
            kind = .schemaNotReady
        } else {
            kind = .failed
        }
        var message = error.message
        if let detail = error.detail { message += " (detail: \(detail))" }
        if let hint = error.hint { message += " (hint: \(hint))" }
        self.init(kind: kind, operation: operation, sqlState: error.sqlState, message: message)
    }

    /// Whether the connection it happened on must be replaced.
    public var dropsConnection: Bool { kind == .unavailable || kind == .readOnlyServer }

    /// A reason safe to show anyone (the /health endpoint): the kind of failure and the
    /// SQLSTATE, without the server's text or the target.
    public var reason: String {
        switch kind {
        case .unavailable: "database unreachable"
        case .readOnlyServer: "connected to a read-only server"
        case .schemaNotReady: "schema missing or out of date (run runner migrate)"
        case .invalidAddress: "invalid database address"
        default: "database refused \(operation)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
        }
    }

    public var description: String {
        "\(operation) failed (\(kind)\(sqlState.map { ", SQLSTATE \($0)" } ?? "")): \(message)"
    }
}

extension StoreError {
    /// The schema is missing or older than this build.
    public static let schemaNotReady = StoreError(
        kind: .schemaNotReady, operation: "check the schema",
        message: "the database schema is missing or out of date: run `runner migrate`")
}
