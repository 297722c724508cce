/// An error from PostgreSQL or from talking to it.
///
/// It carries the server's diagnostics (SQLSTATE, severity, message, detail, hint,
/// constraint) and says whether the connection itself is gone (``isConnectionError``),
/// which callers use to decide between reconnecting and reporting a failed statement.
/// Its `description` never contains a password: connection targets are always shown
/// redacted.
public struct PGError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; opaque so that new kinds can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case connectionFailed, connectionLost, statementFailed, invalidValue, timeout, poolClosed, cancelled
        }
        fileprivate let base: Base
        /// Opening a connection failed (unreachable, authentication, unknown database, ...).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// An open connection broke while it was used.
        public static let connectionLost = Code(base: .connectionLost)
        /// The server refused a statement; the connection is still usable.
        public static let statementFailed = Code(base: .statementFailed)
        /// A value could not be converted to or from its PostgreSQL text form.
        public static let invalidValue = Code(base: .invalidValue)
        /// Waiting for the database took longer than allowed.
        public static let timeout = Code(base: .timeout)
        /// The pool was shut down.
        public static let poolClosed = Code(base: .poolClosed)
        /// The waiting task was cancelled.
        public static let cancelled = Code(base: .cancelled)
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// The primary message (from the server where there is one).
    public var message: String
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// ERROR, FATAL, PANIC (non-localized), when the server sent one.
    public var severity: String?
    /// The server's detail line.
    public var detail: String?
    /// The server's hint line.
    public var hint: String?
    /// The name of the violated constraint.
    public var constraint: String?
    /// The name of the statement that failed (a prepared statement name or a short prefix of its SQL).
    public var statement: String?
    /// The connection target with the password removed.
    public var target: String?

    public init(
        code: Code, message: String, sqlState: String? = nil, severity: String? = nil,
        detail: String? = nil, hint: String? = nil, constraint: String? = nil,
        statement: String? = nil, target: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.statement = statement
        self.target = target
    }

    /// True when the connection is unusable and must be replaced (lost, refused, or the server shut down).
    public var isConnectionError: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let sqlState else { return false }
        // Class 08: connection exceptions; 57P01-57P03: admin/crash shutdown, cannot connect now.
        return sqlState.hasPrefix(SQLState.connectionExceptionClass)
            || [SQLState.adminShutdown, SQLState.crashShutdown, SQLState.cannotConnectNow].contains(sqlState)
    }

    /// True for errors that a retry of the same transaction can cure (serialization failure, deadlock).
    public var isTransient: Bool {
        sqlState == SQLState.serializationFailure || sqlState == SQLState.deadlockDetected
    }

    /// True when the statement's own values caused the failure, so running it again cannot
    /// succeed: a value the client cannot send, or SQLSTATE class 22 (data exception: invalid
    /// JSON, an untranslatable character), 23 (integrity constraint violation) or 54 (program
    /// limit exceeded: a value too large or nested too deep). Every other failure — a cancelled
    /// statement, a serialization failure, a lock or statement timeout, a server shutting down,
    /// a missing prepared statement behind a pooler — says nothing about the values.
    public var isCausedByValues: Bool {
        if code == .invalidValue { return true }
        guard let sqlState else { return false }
        return [SQLState.dataExceptionClass, SQLState.integrityConstraintViolationClass, SQLState.programLimitExceededClass]
            .contains { sqlState.hasPrefix($0) }
    }

    /// SQLSTATE 25006: the server is read-only (a standby, or `default_transaction_read_only`).
    public var isReadOnlyServer: Bool { sqlState == SQLState.readOnlySQLTransaction }

    public var description: String {
        var parts = ["\(code)"]
        if let sqlState { parts.append("sqlstate=\(sqlState)") }
        if let statement { parts.append("statement=\(statement)") }
        if let target { parts.append("target=\(target)") }
        var text = parts.joined(separator: " ") + ": " + message
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }
}

/// The SQLSTATEs (and classes, by their two-character prefix) that Skipper tells apart, named
/// as in PostgreSQL's errcodes table.
public enum SQLState {
    public static let connectionExceptionClass = "08"
    public static let dataExceptionClass = "22"
    public static let integrityConstraintViolationClass = "23"
    public static let programLimitExceededClass = "54"
    public static let readOnlySQLTransaction = "25006"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let adminShutdown = "57P01"
    public static let crashShutdown = "57P02"
    public static let cannotConnectNow = "57P03"
    public static let queryCanceled = "57014"
    public static let lockNotAvailable = "55P03"
    public static let insufficientPrivilege = "42501"
    public static let undefinedTable = "42P01"
    public static let undefinedFunction = "42883"
    public static let invalidPassword = "28P01"
    public static let invalidAuthorization = "28000"
    public static let invalidCatalogName = "3D000"
}

/// A transaction that failed outside its body: it could not start, its commit failed, or the
/// rollback after the body's error failed.
public struct PGTransactionError: Error, Sendable, CustomStringConvertible {
    /// Where the transaction failed.
    public enum Stage: String, Sendable {
        case begin, commit, rollback
    }

    /// Where it failed.
    public var stage: Stage
    /// The error of that step.
    public var error: PGError
    /// For `.rollback`: what the body threw first, as text.
    public var bodyError: String?

    public init(stage: Stage, error: PGError, bodyError: (any Error)? = nil) {
        self.stage = stage
        self.error = error
        self.bodyError = bodyError.map { "\($0)" }
    }

    public var description: String {
        switch stage {
        case .begin: "the transaction could not start: \(error)"
        case .commit: "the commit failed, nothing of the transaction was kept: \(error)"
        case .rollback: "the rollback failed after \(bodyError ?? "an error"): \(error)"
        }
    }
}
