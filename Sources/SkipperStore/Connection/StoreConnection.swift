import PGClient

/// One open connection to Skipper's database. Every named operation of the store takes one
/// (``ExecutionStore``, ``WorkerRegistry``, ``ReaperStore``, ``QueueClient``, ``Migrator``…);
/// it serves one task at a time.
public final class StoreConnection: Sendable {
    package let connection: PGConnection

    package init(_ connection: PGConnection) {
        self.connection = connection
    }

    /// Whether the connection is known to be unusable (replace it).
    public var isBroken: Bool { connection.isBroken }

    /// The server process serving it (`pg_stat_activity.pid`).
    public var backendPID: Int32 { connection.backendPID }

    /// Closes it; safe to call twice.
    public func close() async { await connection.close() }

    /// Runs `body` in one transaction (an application enqueues inside its own this way).
    /// - Throws: what `body` threw, or ``StoreError`` when the transaction itself failed.
    public func withTransaction<T>(_ body: (StoreConnection) async throws -> T) async throws -> T {
        do {
            return try await connection.withTransaction { _ in try await body(self) }
        } catch let error as PGTransactionError {
            throw StoreError(operation: "\(error.stage) the transaction", error.error)
        }
    }

    /// Runs one named operation, turning libpq's errors into ``StoreError``s that name it.
    package func run<T>(_ operation: String, _ body: (PGConnection) async throws(PGError) -> T) async throws(StoreError) -> T {
        do {
            return try await body(connection)
        } catch {
            throw StoreError(operation: operation, error)
        }
    }

    /// Runs one prepared statement for an operation.
    @discardableResult
    package func query(_ operation: String, _ statement: StoreStatement, _ binds: [any PGEncodable] = []) async throws(StoreError) -> PGRows {
        try await run(operation) { db throws(PGError) in try await db.query(statement.text, binds, name: statement.name) }
    }

    /// Runs an operation's statements and decodes their rows, decoding errors included.
    package func rows<T>(_ operation: String, _ body: (PGConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body(connection)
        } catch let error as PGError {
            throw StoreError(operation: operation, error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(kind: .failed, operation: operation, message: "\(error)")
        }
    }
}
