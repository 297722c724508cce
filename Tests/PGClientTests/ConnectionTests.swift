import Foundation
import PGClient
import Testing

@Suite("connections and notifications")
struct ConnectionTests {
    @Test func notifyReachesListenerOnAnotherConnection() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let channel = "test channel \(UInt32.random(in: 0...UInt32.max))"
        try await listener.listen(channel)
        try await sender.query("SELECT pg_notify($1, $2)", [channel, "hello ü"])
        let notification = try await listener.nextNotification(timeout: .seconds(5))
        #expect(notification?.channel == channel)
        #expect(notification?.payload == "hello ü")
        #expect(notification?.senderPID == sender.backendPID)
    }

    @Test func waitForNotificationTimesOut() async throws {
        let listener = try await TestDatabase.connect()
        try await listener.listen("nobody_sends_here")
        let started = ContinuousClock.now
        let notification = try await listener.nextNotification(timeout: .milliseconds(300))
        #expect(notification == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(290))
    }

    @Test func waitingDoesNotBlockOtherConnections() async throws {
        let listener = try await TestDatabase.connect()
        try await listener.listen("quiet_channel")
        let other = try await TestDatabase.connect()
        async let waited = listener.nextNotification(timeout: .seconds(2))
        // While the listener waits on its own thread, the other connection keeps working.
        for index in 0..<50 {
            #expect(try await other.query("SELECT $1::int AS v", [index])[0].decode("v", as: Int.self) == index)
        }
        #expect(try await waited == nil)
    }

    @Test func cancellingAWaitEndsItAtOnce() async throws {
        let listener = try await TestDatabase.connect()
        try await listener.listen("cancel_channel")
        let started = ContinuousClock.now
        let task = Task { try await listener.nextNotification(timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        _ = try await task.value
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func terminatedBackendIsAConnectionError() async throws {
        let connection = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        try await killer.query("SELECT pg_terminate_backend($1)", [connection.backendPID])
        let error = try await #require(throws: PGError.self) {
            try await connection.query("SELECT 1")
        }
        #expect(error.isConnectionError)
        #expect(error.code == .connectionLost)
        #expect(connection.isBroken)
    }

    @Test func aStatementNameIsBoundToOneText() async throws {
        let connection = try await TestDatabase.connect()
        #expect(try await connection.query("SELECT 1 AS n", name: "one_name")[0].decode("n", as: Int.self) == 1)
        #expect(try await connection.query("SELECT 1 AS n", name: "one_name")[0].decode("n", as: Int.self) == 1)
        let error = try await #require(throws: PGError.self) {
            try await connection.query("SELECT 2 AS n", name: "one_name")
        }
        #expect(error.message.contains("already prepared for another text"))
    }

    @Test func connectFailuresSayWhyWithoutThePassword() async throws {
        let admin = try await TestDatabase.connect()
        let port = try await admin.query("SHOW port")[0].decode(at: 0, as: String.self)
        let role = "pw_test_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'right-Secret-123'")
        let secret = "wrong-Secret-987"
        let badPassword = try await #require(throws: PGError.self) {
            try await PGConnection.connect(
                to: "postgresql://\(role):\(secret)@127.0.0.1:\(port)/skipper?connect_timeout=5", logger: TestDatabase.logger)
        }
        #expect(badPassword.code == .connectionFailed)
        #expect(badPassword.message.hasPrefix("authentication failed"))
        #expect(!"\(badPassword)".contains(secret))
        #expect("\(badPassword)".contains("password=***"))

        let good = try await PGConnection.connect(
            to: "postgresql://\(role):right-Secret-123@127.0.0.1:\(port)/skipper?application_name=skipper-test",
            logger: TestDatabase.logger)
        #expect(try await good.query("SELECT current_setting('application_name') AS a")[0].decode("a", as: String.self) == "skipper-test")
        await good.close()
        try await admin.execute("DROP ROLE \(role)")

        let unknownDatabase = try await #require(throws: PGError.self) {
            try await PGConnection.connect(to: "\(try TestDatabase.connectionString().rawValue)&dbname=no_such_db_xyz", logger: TestDatabase.logger)
        }
        #expect(unknownDatabase.message.hasPrefix("unknown database"))

        let unreachable = try await #require(throws: PGError.self) {
            try await PGConnection.connect(to: "postgresql://u:\(secret)@127.0.0.1:1/db?connect_timeout=2", logger: TestDatabase.logger)
        }
        #expect(unreachable.message.hasPrefix("server unreachable"))
        #expect(!"\(unreachable)".contains(secret))
    }

    @Test func multiHostListsPassThroughToLibpq() async throws {
        let admin = try await TestDatabase.connect()
        let port = try await admin.query("SHOW port")[0].decode(at: 0, as: String.self)
        let socket = try await admin.query("SHOW unix_socket_directories")[0].decode(at: 0, as: String.self)
        // The first host does not answer; libpq moves on to the second.
        let connection = try await PGConnection.connect(
            to: "host=127.0.0.1,\(socket) port=1,\(port) dbname=skipper user=postgres connect_timeout=3 target_session_attrs=read-write",
            logger: TestDatabase.logger)
        #expect(try await connection.query("SELECT 1 AS one")[0].decode("one", as: Int.self) == 1)
    }

    @Test func unparsableConnectionStringIsAnErrorWithoutThePassword() throws {
        let error = try #require(throws: PGError.self) {
            try PGConnectionString("postgresql://user:topsecret@host:notaport/db?bogus_option=1")
        }
        #expect(!"\(error)".contains("topsecret"))
    }

    @Test func aHundredThousandQueriesDoNotGrowMemory() async throws {
        let connection = try await TestDatabase.connect()
        func loop(_ count: Int) async throws {
            for index in 0..<count {
                let rows = try await connection.query("SELECT $1::bigint AS v, 'x' AS t", [index], name: "memory_loop")
                precondition(rows.count == 1)
            }
        }
        try await loop(10_000)
        let before = residentBytes()
        try await loop(100_000)
        let after = residentBytes()
        #expect(after - before < 8 * 1024 * 1024, "RSS grew from \(before) to \(after)")
    }
}
