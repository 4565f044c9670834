import Foundation
import Testing
@testable import PedidosPostgres

@Suite("PostgreSQL statement timeout and watchdog")
struct PostgresStatementTimeoutTests {
    @Test("statement_timeout in the URL is parsed; 0 means no limit; the default is 30 s")
    func parsing() throws {
        #expect(try PostgresConfiguration(url: "postgresql://u@h/db").statementTimeout == .seconds(30))
        #expect(try PostgresConfiguration(url: "postgresql://u@h/db?statement_timeout=1.5").statementTimeout == .milliseconds(1500))
        #expect(try PostgresConfiguration(url: "postgresql://u@h/db?statement_timeout=0").statementTimeout == nil)
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "postgresql://u@h/db?statement_timeout=x") }
    }

    @Test("the server cancels a statement past the timeout, and the connection serves the next one")
    func serverTimeout() async throws {
        var configuration = try PostgresTestSupport.configuration(poolSize: 1)
        configuration.statementTimeout = .milliseconds(300)
        let pool = PostgresPool(configuration: configuration, logger: PostgresTestSupport.logger)
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT pg_sleep(20)") }
        #expect(error?.sqlState == "57014")
        #expect(started.duration(to: .now) < .seconds(10))
        #expect(try await pool.query("SELECT 1 AS one").first?.int("one") == 1)
        await pool.close()
    }

    @Test("the watchdog cancels from the client a statement the server no longer limits")
    func watchdog() async throws {
        var configuration = try PostgresTestSupport.configuration(poolSize: 1)
        configuration.statementTimeout = .milliseconds(300)
        let pool = PostgresPool(configuration: configuration, logger: PostgresTestSupport.logger)
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { transaction in
                // The session's own limit is lifted inside this transaction; only the watchdog is left.
                try await transaction.execute("SET LOCAL statement_timeout = 0")
                _ = try await transaction.query("SELECT pg_sleep(30)")
            }
        }
        #expect(error?.sqlState == "57014")
        // Deadline 0.3 s + 2 s margin, swept once a second; far below the 30 s sleep.
        #expect(started.duration(to: .now) < .seconds(15))
        #expect(try await pool.query("SELECT 1 AS one").first?.int("one") == 1)
        await pool.close()
    }
}
