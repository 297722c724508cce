internal import CLibPQ
import Foundation
import Logging
import Synchronization

/// One PostgreSQL connection over libpq.
///
/// Every libpq call runs on the connection's own serial queue (``PGConnectionQueue``), never
/// on the cooperative pool. A connection serves one task at a time: keep it private to one
/// service (Skipper's loops each own theirs). Statements take
/// parameters only (`$1 … $n`); results are copied out before the `PGresult` is cleared.
public final class PGConnection: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `handle`, `prepared` and `listening` are read and
    // written only inside closures run on `queue`, which is serial; `broken` is atomic.
    private var handle: OpaquePointer?
    /// Each prepared name with the one text it was prepared from.
    private var prepared: [String: String] = [:]
    private let queue: PGConnectionQueue
    private let broken = Atomic<Bool>(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// The target this connection was opened to (password redacted in its description).
    public let connectionString: PGConnectionString
    /// The server process id serving this connection (for `pg_terminate_backend`, logs).
    public let backendPID: Int32
    private let logger: Logger

    private init(handle: OpaquePointer, connectionString: PGConnectionString, queue: PGConnectionQueue, logger: Logger) {
        self.handle = handle
        self.connectionString = connectionString
        self.queue = queue
        self.logger = logger
        self.backendPID = PQbackendPID(handle)
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        }
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
    }

    deinit {
        // Exactly once: close() sets handle to nil after PQfinish.
        if let handle { PQfinish(handle) }
        if wakeRead >= 0 { Foundation.close(wakeRead) }
        if wakeWrite >= 0 { Foundation.close(wakeWrite) }
    }

    /// Opens a connection.
    /// - Parameters:
    ///   - connectionString: any libpq URL or conninfo string.
    ///   - logger: receives debug lines about the connection (never the password).
    /// - Throws: ``PGError`` `.connectionFailed` saying why (unreachable, authentication, unknown database).
    public static func connect(to connectionString: PGConnectionString, logger: Logger) async throws(PGError) -> PGConnection {
        let queue = PGConnectionQueue(label: "skipper.pg")
        let handle = try await queue.run { () throws(PGError) -> UncheckedHandle in
            guard let conn = PQconnectdb(connectionString.rawValue) else {
                throw PGError(code: .connectionFailed, message: "libpq could not allocate a connection", target: connectionString.redacted)
            }
            guard PQstatus(conn) == CONNECTION_OK else {
                let message = connectionString.scrub(String(cString: PQerrorMessage(conn)).trimmingTrailingNewlines())
                PQfinish(conn)
                throw PGError(code: .connectionFailed, message: Self.explainConnectFailure(message), target: connectionString.redacted)
            }
            _ = PQsetClientEncoding(conn, "UTF8")
            // libpq prints NOTICEs to stderr by default; the server log has them, keep ours clean.
            PQsetNoticeProcessor(conn, { _, _ in }, nil)
            return UncheckedHandle(pointer: conn)
        }
        let connection = PGConnection(handle: handle.pointer, connectionString: connectionString, queue: queue, logger: logger)
        logger.debug("connected", metadata: ["target": "\(connectionString.redacted)", "backend_pid": "\(connection.backendPID)"])
        return connection
    }

    /// Convenience: parses the string, then connects.
    public static func connect(to connectionString: String, logger: Logger) async throws(PGError) -> PGConnection {
        try await connect(to: PGConnectionString(connectionString), logger: logger)
    }

    /// Prefixes libpq's message with a short reason an operator can act on.
    static func explainConnectFailure(_ message: String) -> String {
        let lower = message.lowercased()
        let reason: String
        if lower.contains("password authentication failed") || lower.contains("no password supplied")
            || lower.contains("authentication failed") || lower.contains("no pg_hba.conf entry")
        {
            reason = "authentication failed"
        } else if lower.contains("does not exist") && lower.contains("database") {
            reason = "unknown database"
        } else if lower.contains("connection refused") || lower.contains("no such file or directory")
            || lower.contains("could not translate host name") || lower.contains("timeout expired")
            || lower.contains("network is unreachable")
        {
            reason = "server unreachable"
        } else if lower.contains("read-write") || lower.contains("read only") {
            reason = "no read-write server"
        } else {
            reason = "connection failed"
        }
        return "\(reason): \(message)"
    }

    /// True once the connection is known to be unusable (the server closed it, or it was closed here).
    public var isBroken: Bool { broken.load(ordering: .relaxed) }

    /// Runs one statement with parameters and returns its rows.
    /// - Parameters:
    ///   - sql: the statement, with `$1 … $n` placeholders.
    ///   - binds: the parameter values, in order.
    ///   - name: when given, the statement is prepared once per connection under this name and reused
    ///     (unless the connection string says ``PGConnectionString/isPooledPerTransaction``).
    /// - Throws: ``PGError``; `.connectionLost` when the connection broke (reconnect), `.statementFailed` otherwise.
    @discardableResult
    public func query(_ sql: String, _ binds: [any PGEncodable] = [], name: String? = nil) async throws(PGError) -> PGRows {
        let values = binds.map(\.pgValue)
        return try await queue.run { () throws(PGError) -> PGRows in
            try self.runQuery(sql, values, name: name)
        }
    }

    /// Runs one or more statements without parameters (a migration script, `BEGIN`, `SET`).
    public func execute(_ script: String) async throws(PGError) {
        try await queue.run { () throws(PGError) in
            let conn = try self.liveHandle(statement: Self.label(script))
            let result = PQexec(conn, script)
            _ = try self.consume(result, statement: Self.label(script))
        }
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// - Throws: what `body` threw, after the rollback; ``PGTransactionError`` when the
    ///   transaction could not be started, the commit failed (nothing of `body`'s work was kept)
    ///   or the rollback after `body`'s error failed too (the connection is then closed, since
    ///   its transaction state is unknown).
    @discardableResult
    public func withTransaction<T>(_ body: (PGConnection) async throws -> T) async throws -> T {
        do {
            try await execute("BEGIN")
        } catch {
            throw PGTransactionError(stage: .begin, error: error)
        }
        let value: T
        do {
            value = try await body(self)
        } catch let bodyError {
            if isBroken { throw bodyError }
            do {
                try await execute("ROLLBACK")
            } catch {
                await close()
                throw PGTransactionError(stage: .rollback, error: error, bodyError: bodyError)
            }
            throw bodyError
        }
        do {
            try await execute("COMMIT")
        } catch {
            throw PGTransactionError(stage: .commit, error: error)
        }
        return value
    }

    /// Starts listening on a channel (the name is quoted as an identifier, never interpolated raw).
    public func listen(_ channel: String) async throws(PGError) {
        try await queue.run { () throws(PGError) in
            let conn = try self.liveHandle(statement: "LISTEN")
            guard let escaped = PQescapeIdentifier(conn, channel, channel.utf8.count) else {
                throw PGError(code: .invalidValue, message: "cannot quote channel name", statement: "LISTEN")
            }
            let sql = "LISTEN " + String(cString: escaped)
            PQfreemem(escaped)
            _ = try self.consume(PQexec(conn, sql), statement: "LISTEN")
        }
    }

    /// Waits for the next notification on this connection's channels.
    ///
    /// Blocks only this connection's own thread (in `poll(2)` on its socket); cancelling the
    /// task wakes it at once.
    /// - Returns: the notification, or nil when `timeout` passed (or the task was cancelled) first.
    public func nextNotification(timeout: Duration) async throws(PGError) -> PGNotification? {
        let deadline = ContinuousClock.now + timeout
        let result: Result<PGNotification?, PGError> = await withTaskCancellationHandler {
            do throws(PGError) {
                return .success(try await queue.run { () throws(PGError) -> PGNotification? in
                    try self.waitForNotification(until: deadline)
                })
            } catch {
                return .failure(error)
            }
        } onCancel: {
            self.wake()
        }
        return try result.get()
    }

    /// Wakes a thread waiting in ``nextNotification(timeout:)`` so it returns nil now.
    public func wake() {
        var byte: UInt8 = 1
        _ = Foundation.write(wakeWrite, &byte, 1)
    }

    /// Closes the connection; later calls fail with `.connectionLost`. Safe to call twice.
    public func close() async {
        broken.store(true, ordering: .relaxed)
        _ = try? await queue.run { () throws(PGError) in
            if let handle = self.handle {
                PQfinish(handle)
                self.handle = nil
            }
        }
    }

    // MARK: - On the connection's queue only

    private func liveHandle(statement: String?) throws(PGError) -> OpaquePointer {
        queue.assertOnQueue()
        guard let handle, !isBroken else {
            throw PGError(code: .connectionLost, message: "the connection is closed", statement: statement, target: connectionString.redacted)
        }
        return handle
    }

    private func runQuery(_ sql: String, _ values: [PGValue], name: String?) throws(PGError) -> PGRows {
        let statement = name ?? Self.label(sql)
        let conn = try liveHandle(statement: statement)
        var types: [Oid] = []
        var pointers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        types.reserveCapacity(values.count)
        pointers.reserveCapacity(values.count)
        defer { for pointer in pointers { free(pointer) } }
        for value in values {
            switch value {
            case .null:
                types.append(0); pointers.append(nil); lengths.append(0); formats.append(0)
            case .text(let text, let oid):
                types.append(oid); pointers.append(strdup(text)); lengths.append(0); formats.append(0)
            case .binary(let bytes, let oid):
                let buffer = malloc(max(1, bytes.count))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in
                    if let base = raw.baseAddress { memcpy(buffer, base, bytes.count) }
                }
                types.append(oid); pointers.append(buffer); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        let count = Int32(values.count)
        let result: OpaquePointer?
        // Behind a pooler that hands each transaction a different server connection, a statement
        // prepared on one would be missing on the next: send every statement unnamed there.
        if let name, !connectionString.isPooledPerTransaction {
            switch prepared[name] {
            case nil:
                _ = try consume(PQprepare(conn, name, sql, count, types), statement: name)
                prepared[name] = sql
            case sql?:
                break
            case _?:
                // One name with two texts would silently run the first: refuse it instead.
                throw PGError(code: .invalidValue, message: "the statement name '\(name)' is already prepared for another text", statement: name)
            }
            result = pointers.withUnsafeBufferPointer { valuePointers in
                valuePointers.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) { base in
                    PQexecPrepared(conn, name, count, count == 0 ? nil : base, lengths, formats, 0)
                }
            }
        } else {
            result = pointers.withUnsafeBufferPointer { valuePointers in
                valuePointers.baseAddress.map { address in
                    address.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) { base in
                        PQexecParams(conn, sql, count, types, base, lengths, formats, 0)
                    }
                } ?? PQexecParams(conn, sql, 0, nil, nil, nil, nil, 0)
            }
        }
        return try consume(result, statement: statement)
    }

    /// Copies a result out, clears it exactly once, and turns failures into ``PGError``.
    private func consume(_ result: OpaquePointer?, statement: String) throws(PGError) -> PGRows {
        guard let result else {
            throw lostError(statement: statement)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PGRows(columns: [], cells: [], affectedRows: Self.affected(result))
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            let rowCount = Int(PQntuples(result))
            let columnCount = Int(PQnfields(result))
            var columns: [String] = []
            columns.reserveCapacity(columnCount)
            for column in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(column)))) }
            var cells: [String?] = []
            cells.reserveCapacity(rowCount * columnCount)
            for row in 0..<Int32(rowCount) {
                for column in 0..<Int32(columnCount) {
                    if PQgetisnull(result, row, column) == 1 {
                        cells.append(nil)
                    } else {
                        let length = Int(PQgetlength(result, row, column))
                        let pointer = UnsafeRawPointer(PQgetvalue(result, row, column)!)
                        cells.append(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
                    }
                }
            }
            return PGRows(columns: columns, cells: cells, affectedRows: rowCount)
        default:
            var error = PGError(
                code: .statementFailed,
                message: connectionString.scrub(Self.field(result, CLIBPQ_DIAG_MESSAGE_PRIMARY)
                    ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()),
                sqlState: Self.field(result, CLIBPQ_DIAG_SQLSTATE),
                severity: Self.field(result, CLIBPQ_DIAG_SEVERITY),
                detail: Self.field(result, CLIBPQ_DIAG_MESSAGE_DETAIL).map(connectionString.scrub),
                hint: Self.field(result, CLIBPQ_DIAG_MESSAGE_HINT),
                constraint: Self.field(result, CLIBPQ_DIAG_CONSTRAINT_NAME),
                statement: statement,
                target: connectionString.redacted
            )
            if let handle, PQstatus(handle) != CONNECTION_OK {
                broken.store(true, ordering: .relaxed)
                error.code = .connectionLost
            } else if error.isConnectionError {
                broken.store(true, ordering: .relaxed)
            }
            if error.message.isEmpty { error.message = "statement failed" }
            throw error
        }
    }

    private func lostError(statement: String) -> PGError {
        broken.store(true, ordering: .relaxed)
        let message = handle.map { String(cString: PQerrorMessage($0)).trimmingTrailingNewlines() } ?? "connection closed"
        return PGError(
            code: .connectionLost, message: connectionString.scrub(message.isEmpty ? "connection lost" : message),
            statement: statement, target: connectionString.redacted)
    }

    private func waitForNotification(until deadline: ContinuousClock.Instant) throws(PGError) -> PGNotification? {
        let conn = try liveHandle(statement: "wait for notification")
        // A wake-up that arrived before this wait began ends it at once: that is how a cancel
        // that raced with the start of the wait is not lost (a stale one costs one spurious nil).
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            guard PQconsumeInput(conn) == 1 else { throw lostError(statement: "wait for notification") }
            if let notify = PQnotifies(conn) {
                defer { PQfreemem(notify) }
                return PGNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                    senderPID: notify.pointee.be_pid)
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return nil }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var fds = [
                pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, milliseconds)
            if ready < 0 && errno != EINTR { throw lostError(statement: "wait for notification") }
            if fds[1].revents != 0 {
                while Foundation.read(wakeRead, &drain, drain.count) > 0 {}
                return nil
            }
        }
    }

    private static func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        PQresultErrorField(result, code).map { String(cString: $0) }
    }

    private static func affected(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// A short name for an unnamed statement, for errors and logs.
    static func label(_ sql: String) -> String {
        let collapsed = sql.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).prefix(6).joined(separator: " ")
        return collapsed.count > 60 ? String(collapsed.prefix(60)) + "…" : collapsed
    }
}

/// Carries a fresh `PGconn*` from the connect closure to the initializer (owned by nobody else yet).
private struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
