import PGClient
import SkipperStore

/// Raw SQL on a store connection, for tests only: they set up and inspect rows directly, while
/// the product's code goes through the store's named operations.
extension StoreConnection {
    @discardableResult
    public func query(_ sql: String, _ binds: [any PGEncodable] = []) async throws -> PGRows {
        try await connection.query(sql, binds)
    }

    public func execute(_ script: String) async throws {
        try await connection.execute(script)
    }
}
