import Foundation
import Logging
import Testing
@testable import PedidosPostgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers shared by the PostgreSQL suites.
enum PostgresTestSupport {
    static let logger = Logger(label: "pedidos.tests.postgres")

    static func configuration(poolSize: Int = 4, searchPath: String? = nil) throws -> PostgresConfiguration {
        var configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL())
        configuration.poolSize = poolSize
        configuration.connectTimeout = .seconds(2)
        configuration.acquireTimeout = .seconds(20)
        configuration.searchPath = searchPath
        configuration.applicationName = "pedidos-tests"
        return configuration
    }

    static func pool(poolSize: Int = 4, searchPath: String? = nil) throws -> PostgresPool {
        PostgresPool(configuration: try configuration(poolSize: poolSize, searchPath: searchPath), logger: logger)
    }

    /// Runs `body` with a pool whose `search_path` is a fresh, uniquely named schema, dropped afterwards.
    /// The schema name travels as a parameter: `format('%I', ...)` quotes it on the server.
    static func withScratchSchema(
        poolSize: Int = 4,
        _ body: (_ pool: PostgresPool, _ schema: String) async throws -> Void
    ) async throws {
        let schema = "pgtest_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try pool(poolSize: 1)
        try await runWithName(admin, schema, "CREATE SCHEMA %I")
        let pool = try pool(poolSize: poolSize, searchPath: schema)
        do {
            try await body(pool, schema)
        } catch {
            await pool.close()
            try? await runWithName(admin, schema, "DROP SCHEMA %I CASCADE")
            await admin.close()
            throw error
        }
        await pool.close()
        try await runWithName(admin, schema, "DROP SCHEMA %I CASCADE")
        await admin.close()
    }

    /// Executes the constant DDL template `template` with `%I` replaced by the quoted identifier `name`.
    private static func runWithName(_ pool: PostgresPool, _ name: String, _ template: String) async throws {
        try await pool.withTransaction { tx in
            _ = try await tx.query("SELECT set_config('pedidos.test_identifier', $1, true), set_config('pedidos.test_template', $2, true)",
                                   [.string(name), .string(template)])
            try await tx.execute("""
                DO $$ BEGIN
                  EXECUTE format(current_setting('pedidos.test_template'), current_setting('pedidos.test_identifier'));
                END $$
                """)
        }
    }

    /// A temporary directory holding the given `file name → SQL` migration files.
    static func migrationsDirectory(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent(TestEnvironment.uniqueName("pedidos-migrations"), isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static func count(_ pool: PostgresPool, _ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int64 {
        try await pool.query(sql, parameters)[0].int64("count")
    }
}

/// Lets the regular PostgreSQL tests and the fault tests share one test process (`swift test --filter Postgres`):
/// tests of a suite marked `.postgresServer(.shared)` run concurrently with each other, a test marked
/// `.postgresServer(.exclusive)` (one that stops the server) runs alone. Waiting writers go first.
/// Suites of other layers are not covered: the test script runs `*FaultTests` suites in a separate process.
actor PostgresServerGate {
    static let shared = PostgresServerGate()

    private var readers = 0
    private var writing = false
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []
    private var waitingWriters: [CheckedContinuation<Void, Never>] = []

    func lock(exclusive: Bool) async {
        if exclusive {
            if writing || readers > 0 || !waitingWriters.isEmpty {
                await withCheckedContinuation { waitingWriters.append($0) }  // handed over with `writing` set
            } else {
                writing = true
            }
        } else {
            if writing || !waitingWriters.isEmpty {
                await withCheckedContinuation { waitingReaders.append($0) }  // handed over with `readers` counted
            } else {
                readers += 1
            }
        }
    }

    func unlock(exclusive: Bool) {
        if exclusive { writing = false } else { readers -= 1 }
        guard !writing, readers == 0 else { return }
        if !waitingWriters.isEmpty {
            writing = true
            waitingWriters.removeFirst().resume()
        } else {
            readers += waitingReaders.count
            waitingReaders.forEach { $0.resume() }
            waitingReaders = []
        }
    }
}

/// The trait that takes `PostgresServerGate` around every test of a suite.
struct PostgresServerAccess: SuiteTrait, TestTrait, TestScoping {
    enum Mode: Sendable { case shared, exclusive }
    let mode: Mode

    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> PostgresServerAccess? {
        test.isSuite || testCase == nil ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let exclusive = mode == .exclusive
        await PostgresServerGate.shared.lock(exclusive: exclusive)
        do {
            try await function()
        } catch {
            await PostgresServerGate.shared.unlock(exclusive: exclusive)
            throw error
        }
        await PostgresServerGate.shared.unlock(exclusive: exclusive)
    }
}

extension Trait where Self == PostgresServerAccess {
    /// Shared (most tests) or exclusive (tests that stop the server) use of the PostgreSQL server.
    static func postgresServer(_ mode: PostgresServerAccess.Mode) -> Self { PostgresServerAccess(mode: mode) }
}

private struct Boom: Error {}

/// A loopback TCP port whose connections the kernel accepts but nobody ever answers: a hung server.
private final class SilentListener {
    let port: Int
    private let socketDescriptor: Int32

    init() throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, generic, &length) == 0
            }
        }
        socketDescriptor = descriptor
        guard descriptor >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        #if canImport(Glibc)
        _ = Glibc.close(socketDescriptor)
        #else
        _ = Darwin.close(socketDescriptor)
        #endif
    }
}

/// The migrations used by the migration tests: multi-statement files, out-of-order names, a non-SQL file.
private let sampleMigrations: [String: String] = [
    "001_create_orders.sql": """
        CREATE TABLE orders (
            id bigserial PRIMARY KEY,
            customer text NOT NULL,
            total numeric(12, 3) NOT NULL
        );
        CREATE INDEX orders_customer ON orders (customer);
        -- a comment; and a semicolon inside a string: 'a;b'
        INSERT INTO orders (customer, total) VALUES ('seed;customer', 759.000);
        """,
    "002_add_note.sql": """
        ALTER TABLE orders ADD COLUMN note text;
        UPDATE orders SET note = 'migrated';
        """,
    "010_order_events.sql": """
        CREATE TABLE order_events (order_id bigint NOT NULL REFERENCES orders (id), kind text NOT NULL);
        INSERT INTO order_events SELECT id, 'created' FROM orders;
        """,
    "README.md": "not a migration",
]

/// The PostgreSQL layer against the real server started by `scripts/infra.sh up postgres`.
@Suite("PostgreSQL layer", .timeLimit(.minutes(2)), .postgresServer(.shared))
struct PostgresTests {
    // MARK: Configuration and text formats (no server needed)

    @Test("a postgresql:// URL becomes a configuration")
    func configurationFromURL() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://pedidos:s%40cret@db.internal:15432/ventas?pool_size=7&connect_timeout=3&sslmode=disable&search_path=app")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 15432)
        #expect(configuration.user == "pedidos")
        #expect(configuration.password == "s@cret")
        #expect(configuration.database == "ventas")
        #expect(configuration.poolSize == 7)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.searchPath == "app")
        #expect(configuration.options == ["sslmode": "disable"])
        #expect(!configuration.description.contains("s@cret"))

        let socket = try PostgresConfiguration(url: "postgresql://app:p%3Aw%25d@%2Fvar%2Frun%2Fpostgresql/my%20db")
        #expect(socket.host == "/var/run/postgresql" && socket.password == "p:w%d" && socket.database == "my db")

        let defaults = try PostgresConfiguration(url: "postgres://127.0.0.1/pedidos")
        #expect(defaults.port == 5432 && defaults.poolSize == 4 && defaults.user == nil)
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "mysql://127.0.0.1/x") }
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "postgresql://h/db?pool_size=0") }
        #expect(defaults.preparedStatements)
        #expect(try !PostgresConfiguration(url: "postgresql://h/db?prepared_statements=false").preparedStatements)
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "postgresql://h/db?prepared_statements=sometimes") }
    }

    @Test("timestamp text is formatted and parsed exactly")
    func timestampText() throws {
        let instant = Date(timeIntervalSince1970: 1_714_566_896.789)
        #expect(PostgresTimestamp.format(instant) == "2024-05-01T12:34:56.789Z")
        #expect(PostgresTimestamp.parse("2024-05-01 12:34:56.789+00") == instant)
        #expect(PostgresTimestamp.parse("2024-05-01 18:04:56.789+05:30") == instant)
        #expect(PostgresTimestamp.parse("2024-05-01 12:34:56.789123+00")?.timeIntervalSince1970 == 1_714_566_896.789123)
        #expect(PostgresTimestamp.parse("1969-12-31 23:59:59.5+00")?.timeIntervalSince1970 == -0.5)
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(PostgresTimestamp.parse("2000-02-29") == Date(timeIntervalSince1970: 951_782_400))
        #expect(PostgresTimestamp.parse("0044-03-15 12:00:00+00 BC").map(PostgresTimestamp.format) == "0044-03-15T12:00:00.000Z BC")
        #expect(PostgresTimestamp.parse("infinity") == .distantFuture)
        #expect(PostgresTimestamp.parse("2024-13-01 00:00:00+00") == nil)
        #expect(PostgresTimestamp.parse("yesterday") == nil)
        // Formatting and parsing are written apart: each undoes the other, to the millisecond, across centuries.
        for milliseconds in stride(from: Int64(-70_000_000_000_000), to: 260_000_000_000_000, by: 977_777_777_777) {
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let parsed = try #require(PostgresTimestamp.parse(PostgresTimestamp.format(date)), "\(PostgresTimestamp.format(date))")
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == milliseconds, "\(PostgresTimestamp.format(date))")
        }
    }

    // MARK: Values

    @Test("every parameter type round-trips, NULL included")
    func typedRoundTrip() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 2)
        let instant = Date(timeIntervalSince1970: 1_714_566_896.789)
        let hostile = "ção 'quoted' \"double\" $1 ; DROP TABLE round_trip; --"
        let row = try await pool.withTransaction { tx in
            try await tx.execute("""
                CREATE TEMP TABLE round_trip (
                    i int8, i64 int8, i32 int4, s text, b bool, d float8, n numeric(12, 3), t timestamptz,
                    absent text, absent_int int8
                ) ON COMMIT DROP
                """)
            let inserted = try await tx.execute(
                "INSERT INTO round_trip VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                [.int(-42), .int64(Int64.max), .int32(Int32.min), .string(hostile), .bool(true), .double(0.1),
                 .decimal(Decimal(string: "759.000")!), .date(instant), .null, PostgresValue(Int?.none)])
            #expect(inserted == 1)
            return try #require(try await tx.query("SELECT * FROM round_trip").first)
        }
        #expect(try row.int("i") == -42)
        #expect(try row.int64("i64") == Int64.max)
        #expect(try row.int32("i32") == Int32.min)
        #expect(try row.string("s") == hostile)
        #expect(try row.bool("b") == true)
        #expect(try row.double("d") == 0.1)
        #expect(try row.string("n") == "759.000")
        #expect(try row.decimal("n") == Decimal(string: "759", locale: Locale(identifier: "en_US_POSIX")))
        #expect(try row.date("t") == instant)
        #expect(try row.isNull("absent"))
        #expect(try row.decode("absent", as: String?.self) == nil)
        #expect(try row.decode("absent_int", as: Int64?.self) == nil)
        #expect(try row.decode("i", as: Int?.self) == -42)
        let nullError = #expect(throws: PostgresError.self) { try row.string("absent") }
        #expect(nullError?.kind == .decoding)
        let missing = #expect(throws: PostgresError.self) { try row.string("nope") }
        #expect(missing?.message.contains("nope") == true)
        #expect(throws: PostgresError.self) { try row.int64("s") }
        #expect(throws: PostgresError.self) { try row.decimal("s") }
        #expect(throws: PostgresError.self) { try row.date("s") }
        #expect(throws: PostgresError.self) { try row.bool("i") }

        // Literal syntax, special floating-point values and the extremes.
        let literals = try await pool.query(
            "SELECT $1::int8 AS a, $2::text AS b, $3::bool AS c, $4::float8 AS d, $5::text AS e, "
                + "$6::float8 AS nan, $7::float8 AS inf, $8::bool AS f",
            [7, "siete", false, 2.5, nil, .double(.nan), .double(-.infinity), PostgresValue(Bool?.some(true))])[0]
        #expect(try literals.int64("a") == 7)
        #expect(try literals.string("b") == "siete")
        #expect(try literals.bool("c") == false)
        #expect(try literals.double("d") == 2.5)
        #expect(try literals.decode("e", as: String?.self) == nil)
        #expect(try literals.double("nan").isNaN)
        #expect(try literals.double("inf") == -.infinity)
        #expect(try literals.bool("f") == true)
        #expect(literals.columnNames == ["a", "b", "c", "d", "e", "nan", "inf", "f"])
        await pool.close()
    }

    @Test("Decimal parameters and numeric columns stay exact")
    func decimalsAreExact() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 1)
        let posix = Locale(identifier: "en_US_POSIX")
        let big = Decimal(string: "123456789012345678901234567890.123", locale: posix)!
        let row = try await pool.query(
            "SELECT $1::numeric AS tenth, $1::numeric * 3 AS three_tenths, $2::numeric AS big, "
                + "'759.000'::numeric(10, 3) AS price, $3::numeric(10, 3) AS scaled, $4::numeric AS negative",
            [.decimal(Decimal(string: "0.1", locale: posix)!), .decimal(big),
             .decimal(Decimal(string: "759", locale: posix)!), .decimal(Decimal(string: "-0.005", locale: posix)!)])[0]
        #expect(try row.string("tenth") == "0.1")  // not 0.1000000000000000055511151231257827
        #expect(try row.string("three_tenths") == "0.3")
        #expect(try row.decimal("big") == big)
        #expect(try row.string("price") == "759.000")
        #expect(try row.string("scaled") == "759.000")
        #expect(try row.decimal("price") == Decimal(759))
        #expect(try row.decimal("negative") == Decimal(string: "-0.005", locale: posix))
        await pool.close()
    }

    @Test("timestamptz parameters keep milliseconds and come back as the same Date")
    func datesRoundTrip() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 1)
        let instant = Date(timeIntervalSince1970: 1_714_566_896.789)
        let early = Date(timeIntervalSince1970: -86_400.25)
        let row = try await pool.query(
            "SELECT $1::timestamptz AS t, $1::timestamptz::text AS t_text, $2::timestamptz AS early, "
                + "current_setting('TimeZone') AS zone, now() AS now, 'infinity'::timestamptz AS forever, "
                + "'2024-05-01 12:34:56.789'::timestamp AS local, '2024-05-01'::date AS day",
            [.date(instant), .date(early)])[0]
        #expect(try row.string("t_text") == "2024-05-01 12:34:56.789+00")
        #expect(try row.date("t") == instant)
        #expect(try row.date("early") == early)
        #expect(try row.string("zone") == "UTC")
        #expect(abs(try row.date("now").timeIntervalSinceNow) < 60)
        #expect(try row.date("forever") == .distantFuture)
        #expect(try row.date("local") == instant)
        #expect(try row.date("day") == Date(timeIntervalSince1970: 1_714_521_600))
        await pool.close()
    }

    // MARK: Errors and transactions

    @Test("a unique violation carries SQLSTATE 23505 and the constraint")
    func uniqueViolation() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 1)
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { tx in
                try await tx.execute("CREATE TEMP TABLE customers (email text CONSTRAINT customers_email_key UNIQUE) ON COMMIT DROP")
                try await tx.execute("INSERT INTO customers VALUES ($1)", ["ana@example.com"])
                try await tx.execute("INSERT INTO customers VALUES ($1)", ["ana@example.com"])
            }
        }
        #expect(error?.kind == .server)
        #expect(error?.sqlState == "23505")
        #expect(error?.isUniqueViolation == true)
        #expect(error?.constraint == "customers_email_key")
        #expect(error?.detail?.contains("ana@example.com") == true)
        #expect(error?.isConnectionError == false)
        #expect(error?.isTransient == false)

        let syntax = await #expect(throws: PostgresError.self) { try await pool.query("SELEC 1") }
        #expect(syntax?.sqlState == "42601")
        // The connection is still fine afterwards.
        try await pool.ping()
        await pool.close()
    }

    @Test("a transaction commits when the body returns and rolls back when it throws")
    func transactions() async throws {
        try await PostgresTestSupport.withScratchSchema { pool, schema in
            try await pool.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount numeric NOT NULL)")

            await #expect(throws: Boom.self) {
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO ledger VALUES ($1, $2)", [1, .decimal(10)])
                    #expect(try await tx.query("SELECT count(*) FROM ledger")[0].int64("count") == 1)
                    throw Boom()
                }
            }
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM ledger") == 0)

            let returned = try await pool.withTransaction(.serializable) { tx in
                try await tx.execute("INSERT INTO ledger VALUES ($1, $2), ($3, $4)", [1, .decimal(10), 2, .decimal(5)])
            }
            #expect(returned == 2)
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM ledger") == 2)

            // A failed statement that the body swallows still dooms the transaction: COMMIT reports it.
            let doomed = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO ledger VALUES ($1, $2)", [3, .decimal(1)])
                    _ = try? await tx.execute("INSERT INTO ledger VALUES ($1, $2)", [1, .decimal(1)])
                }
            }
            #expect(doomed?.sqlState == "25P02")
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM ledger") == 2)

            // The handle is dead once the transaction is over.
            let escaped = try await pool.withTransaction { tx in tx }
            let closed = await #expect(throws: PostgresError.self) { try await escaped.query("SELECT 1") }
            #expect(closed?.kind == .transactionClosed)

            // A stray BEGIN through the pool never leaks an open transaction to the next caller: the insert
            // after it is committed on its own, so another pool sees it.
            try await pool.execute("BEGIN")
            try await pool.execute("INSERT INTO ledger VALUES ($1, $2)", [9, .decimal(9)])
            let observer = try PostgresTestSupport.pool(poolSize: 1, searchPath: schema)
            #expect(try await PostgresTestSupport.count(observer, "SELECT count(*) FROM ledger WHERE id = $1", [9]) == 1)
            await observer.close()
        }
    }

    @Test("a connection prepares each statement once, plans it for the table as it is, survives a schema change; prepared_statements=false prepares nothing")
    func preparedStatements() async throws {
        try await PostgresTestSupport.withScratchSchema(poolSize: 1) { pool, schema in
            // One connection: every call below runs on it, and pg_prepared_statements shows its statements.
            let sum = "SELECT $1::int + 1 AS sum"
            for value in 1...3 {
                #expect(try await pool.query(sum, [.int(value)])[0].int64("sum") == Int64(value + 1))
            }
            let preparedCount = "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1"
            #expect(try await PostgresTestSupport.count(pool, preparedCount, [.string(sum)]) == 1)

            // A table whose columns change under a prepared SELECT *: the server refuses the old plan
            // ("cached plan must not change result type"); outside a transaction it is prepared again and
            // the caller sees the new shape, not the error.
            try await pool.execute("CREATE TABLE shapes (a int)")
            try await pool.execute("INSERT INTO shapes VALUES (1)")
            let all = "SELECT * FROM shapes"
            #expect(try await pool.query(all)[0].columnNames == ["a"])
            try await pool.execute("ALTER TABLE shapes ADD COLUMN b int DEFAULT 2")
            let reshaped = try await pool.query(all)
            #expect(reshaped[0].columnNames == ["a", "b"])
            #expect(try reshaped[0].int64("b") == 2)
            // Inside a transaction the same error aborts it, so it reaches the caller; the next run prepares afresh.
            try await pool.execute("ALTER TABLE shapes DROP COLUMN b")
            let inTransaction = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in _ = try await tx.query(all) }
            }
            #expect(inTransaction?.sqlState == PostgresError.SQLState.featureNotSupported)
            #expect(try await pool.query(all)[0].columnNames == ["a"])
            // The statements the server refused were deallocated: one left for the SELECT *.
            #expect(try await PostgresTestSupport.count(pool, preparedCount, [.string(all)]) == 1)

            // Planned on every execution, for the table as it is. Left in the server's default mode, a statement
            // run five times on a nearly empty table gets a generic plan that scans the table whole, and keeps it
            // as the table grows until the table is next analysed (what a fresh database does in its first
            // minute under load).
            try await pool.execute("""
                CREATE TABLE growing (id bigint, state text, status text NOT NULL, note text, PRIMARY KEY (id, state))
                """)
            // The shape of the outbox's marks: an UPDATE joined with the rows of two arrays.
            let mark = """
                UPDATE growing AS g SET note = 'marked' FROM unnest($1::bigint[], $2::text[]) AS k(id, state)
                WHERE g.id = k.id AND g.state = k.state AND g.status IN ('pending', 'sending')
                """
            let keys: [PostgresValue] = [PostgresArrayLiteral.integers([1, 2]), PostgresArrayLiteral.texts(["a", "a"])]
            for _ in 1...8 { #expect(try await pool.execute(mark, keys) == 0) }
            let name = try await pool.query("SELECT name FROM pg_prepared_statements WHERE statement = $1",
                                            [.string(mark)])[0].string("name")
            try #require(name.wholeMatch(of: /pedidos_[0-9]+/) != nil)
            let plan = try await pool.query("EXPLAIN EXECUTE \(name)('{1,2}', '{a,a}')").map { try $0.text(at: 0) ?? "" }
            #expect(plan.contains { $0.contains("growing_pkey") } && !plan.contains { $0.contains("Seq Scan on growing") },
                    "\(plan.joined(separator: "\n"))")
            try await pool.execute("INSERT INTO growing SELECT g, 'a', 'pending', NULL FROM generate_series(1, 50000) g")
            #expect(try await pool.execute(mark, keys) == 2)
            #expect(try await pool.query("SHOW plan_cache_mode")[0].string("plan_cache_mode") == "force_custom_plan")

            // Turned off (for a pooler without sessions), nothing is prepared.
            var configuration = try PostgresTestSupport.configuration(poolSize: 1, searchPath: schema)
            configuration.preparedStatements = false
            let unprepared = PostgresPool(configuration: configuration, logger: PostgresTestSupport.logger)
            #expect(try await unprepared.query(sum, [.int(41)])[0].int64("sum") == 42)
            #expect(try await PostgresTestSupport.count(unprepared, "SELECT count(*) FROM pg_prepared_statements") == 0)
            await unprepared.close()
        }
    }

    @Test("a statement run with reused planning is planned once; the statements after it, and those in a transaction, on every execution")
    func reusedPlanning() async throws {
        try await PostgresTestSupport.withScratchSchema(poolSize: 1) { pool, _ in
            // One connection: pg_prepared_statements shows how its statements were planned.
            try await pool.execute("CREATE TABLE journal (id bigint PRIMARY KEY, note text NOT NULL)")
            let insert = """
                INSERT INTO journal (id, note) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (id) DO NOTHING
                """
            let delete = "DELETE FROM journal WHERE id = $1"
            let plans = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1"
            func planCounts(_ sql: String) async throws -> (generic: Int64, custom: Int64) {
                let row = try #require(try await pool.query(plans, [.string(sql)]).first)
                return (try row.int64("generic_plans"), try row.int64("custom_plans"))
            }
            for batch in 0..<4 {
                let ids = (1...3).map { Int64(batch * 3 + $0) }
                #expect(try await pool.execute(insert, [PostgresArrayLiteral.integers(ids),
                                                        PostgresArrayLiteral.texts(ids.map { "n\($0)" })],
                                               planning: .reused) == 3)
                // Alternating with a statement planned per execution switches the session back and forth.
                #expect(try await pool.execute(delete, [.int64(ids[0])]) == 1)
            }
            let inserted = try await planCounts(insert)
            #expect(inserted.generic == 4 && inserted.custom == 0, "\(inserted)")
            let deleted = try await planCounts(delete)
            #expect(deleted.generic == 0 && deleted.custom == 4, "\(deleted)")
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM journal") == 8)

            // A transaction begins planned per execution even on a connection whose last statement reused its
            // plan, and nothing inside it switches; so is everything after it.
            try await pool.execute(insert, [PostgresArrayLiteral.integers([100]), PostgresArrayLiteral.texts(["x"])],
                                   planning: .reused)
            try await pool.withTransaction { tx in
                #expect(try await tx.query("SHOW plan_cache_mode")[0].string("plan_cache_mode") == "force_custom_plan")
                try await tx.execute(delete, [.int64(100)])
            }
            #expect(try await pool.query("SHOW plan_cache_mode")[0].string("plan_cache_mode") == "force_custom_plan")
            #expect(try await planCounts(delete).custom == 5)
        }
    }

    // MARK: Pool

    @Test("50 concurrent queries on a pool of 4 all succeed on at most 4 connections")
    func concurrency() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 4)
        let results = try await withThrowingTaskGroup(of: (Int, Int64, Int64).self) { group in
            for index in 0..<50 {
                group.addTask {
                    let row = try await pool.query("SELECT $1::int8 AS n, pg_backend_pid() AS pid, pg_sleep(0.01)", [.int(index)])[0]
                    return (index, try row.int64("n"), try row.int64("pid"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(results.allSatisfy { Int64($0.0) == $0.1 })
        let backends = Set(results.map(\.2))
        #expect(backends.count >= 1 && backends.count <= 4)
        #expect(pool.waitingCount == 0)
        await pool.close()
    }

    @Test("waiters are served first come, first served")
    func fifoWaiters() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 1)
        try await pool.ping()
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await pool.withTransaction { _ in
                heldSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        var waiters: [Task<Date, any Error>] = []
        for index in 0..<5 {
            waiters.append(Task { try await pool.query("SELECT $1::int8 AS n, clock_timestamp() AS at", [.int(index)])[0].date("at") })
            try await waitUntil("waiter \(index) to queue") { pool.waitingCount == index + 1 }
        }
        releaseSignal.yield()
        releaseSignal.finish()
        try await holder.value
        var times: [Date] = []
        for waiter in waiters { times.append(try await waiter.value) }
        #expect(times == times.sorted())
        await pool.close()
    }

    @Test("a caller that cannot get a connection in time gets a clear error; cancelling a waiter works")
    func acquireTimeoutAndCancellation() async throws {
        var configuration = try PostgresTestSupport.configuration(poolSize: 1)
        configuration.acquireTimeout = .milliseconds(300)
        let pool = PostgresPool(configuration: configuration, logger: PostgresTestSupport.logger)
        let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
        let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await pool.withTransaction { _ in
                heldSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }

        let clock = ContinuousClock()
        let start = clock.now
        let timeout = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        let elapsed = clock.now - start
        #expect(timeout?.kind == .poolTimeout)
        #expect(timeout?.message.contains("pool size 1") == true)
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(5))
        #expect(pool.waitingCount == 0)

        let cancelled = Task { try await pool.query("SELECT 1") }
        try await waitUntil("the waiter to queue") { pool.waitingCount == 1 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(pool.waitingCount == 0)

        releaseSignal.finish()
        try await holder.value
        try await pool.ping()
        await pool.close()
    }

    @Test("connecting to a dead server fails within the connect timeout")
    func deadServer() async throws {
        var refused = try PostgresTestSupport.configuration(poolSize: 1)
        refused.port = 1  // nothing listens there
        let clock = ContinuousClock()
        var start = clock.now
        let error = await #expect(throws: PostgresError.self) {
            try await PostgresPool(configuration: refused, logger: PostgresTestSupport.logger).ping()
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.isConnectionError == true && error?.isTransient == true)
        #expect(clock.now - start < .seconds(3))

        // A server that accepts the TCP connection but never answers: bounded by connect_timeout (2 s).
        let listener = try SilentListener()
        var silent = refused
        silent.port = listener.port
        start = clock.now
        let timeout = await #expect(throws: PostgresError.self) {
            try await PostgresPool(configuration: silent, logger: PostgresTestSupport.logger).ping()
        }
        let elapsed = clock.now - start
        #expect(timeout?.kind == .connectionFailed, "\(String(describing: timeout))")
        #expect(elapsed >= .milliseconds(1500) && elapsed < .seconds(6), "took \(elapsed)")
        withExtendedLifetime(listener) {}
    }

    @Test("close lets running work finish, then rejects new calls")
    func gracefulClose() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 2)
        try await pool.ping()
        let running = Task { try await pool.query("SELECT pg_sleep(0.3), 1 AS done")[0].int("done") }
        try await waitUntil("the slow query to start") {
            try await PostgresTestSupport.count(
                pool, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.3)%' AND pid <> pg_backend_pid()") == 1
        }
        await pool.close()
        #expect(try await running.value == 1)
        let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        #expect(error?.kind == .poolClosed)
        await pool.close()  // idempotent
    }

    // MARK: Migrations

    @Test("migrations apply once, in numeric order; a second run applies none")
    func migrationsApplyOnce() async throws {
        try await PostgresTestSupport.withScratchSchema { pool, _ in
            let directory = try PostgresTestSupport.migrationsDirectory(sampleMigrations)
            defer { try? FileManager.default.removeItem(at: directory) }
            let runner = MigrationRunner(pool: pool, directory: directory)
            #expect(try runner.migrations().map(\.version) == [1, 2, 10])

            #expect(try await runner.run() == [1, 2, 10])
            let recorded = try await pool.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
            #expect(try recorded.map { try $0.int("version") } == [1, 2, 10])
            #expect(try recorded.map { try $0.string("name") } == ["create_orders", "add_note", "order_events"])
            #expect(try recorded.allSatisfy { abs(try $0.date("applied_at").timeIntervalSinceNow) < 60 })
            let seed = try await pool.query("SELECT customer, total, note FROM orders")
            #expect(seed.count == 1)
            #expect(try seed[0].string("customer") == "seed;customer")
            #expect(try seed[0].string("total") == "759.000")
            #expect(try seed[0].string("note") == "migrated")

            #expect(try await runner.run() == [])
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM order_events") == 1)

            // A new file later is picked up alone.
            try "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';"
                .write(to: directory.appendingPathComponent("011_status.sql"), atomically: true, encoding: .utf8)
            #expect(try await runner.run() == [11])
            #expect(try await runner.run() == [])
        }
    }

    @Test("concurrent migration runners apply each file exactly once")
    func concurrentMigrations() async throws {
        try await PostgresTestSupport.withScratchSchema(poolSize: 1) { _, schema in
            let directory = try PostgresTestSupport.migrationsDirectory(sampleMigrations)
            defer { try? FileManager.default.removeItem(at: directory) }
            // Six "services", each with its own pool, start at the same time.
            let pools = try (0..<6).map { _ in try PostgresTestSupport.pool(poolSize: 2, searchPath: schema) }
            let appliedByRunner = try await withThrowingTaskGroup(of: [Int].self) { group in
                for pool in pools {
                    group.addTask { try await MigrationRunner(pool: pool, directory: directory).run() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = appliedByRunner.flatMap { $0 }
            #expect(all.sorted() == [1, 2, 10])
            #expect(try await PostgresTestSupport.count(pools[0], "SELECT count(*) FROM schema_migrations") == 3)
            #expect(try await PostgresTestSupport.count(pools[0], "SELECT count(*) FROM orders") == 1)
            #expect(try await PostgresTestSupport.count(pools[0], "SELECT count(*) FROM order_events") == 1)
            for pool in pools { await pool.close() }
        }
    }

    @Test("malformed file names and duplicate versions are rejected")
    func badMigrationFiles() async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 1)  // never connects: the files are checked first
        for name in ["create_orders.sql", "001_.sql", "001-create.sql", "01a_x.sql", "001_bad name.sql", "99999999999_big.sql"] {
            let directory = try PostgresTestSupport.migrationsDirectory(["001_ok.sql": "SELECT 1;", name: "SELECT 1;"])
            defer { try? FileManager.default.removeItem(at: directory) }
            let error = await #expect(throws: MigrationError.self, "\(name)") {
                try await MigrationRunner(pool: pool, directory: directory).run()
            }
            #expect(error?.kind == .malformedFileName)
            #expect(error?.files == [name])
        }
        let directory = try PostgresTestSupport.migrationsDirectory(["001_a.sql": "SELECT 1;", "1_b.sql": "SELECT 2;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let duplicate = #expect(throws: MigrationError.self) { try MigrationRunner(pool: pool, directory: directory).migrations() }
        #expect(duplicate?.kind == .duplicateVersion)
        #expect(duplicate?.version == 1)
        #expect(duplicate?.files == ["001_a.sql", "1_b.sql"])

        let missing = #expect(throws: MigrationError.self) {
            try MigrationRunner(pool: pool, directory: directory.appendingPathComponent("nope")).migrations()
        }
        #expect(missing?.kind == .unreadable)
        await pool.close()
    }

    @Test("a failing migration is rolled back, not recorded, and stops the run")
    func failingMigration() async throws {
        try await PostgresTestSupport.withScratchSchema { pool, _ in
            let directory = try PostgresTestSupport.migrationsDirectory([
                "001_first.sql": "CREATE TABLE first (id int);",
                "002_broken.sql": "CREATE TABLE partial (id int);\nSELECT 1 / 0;",
                "003_later.sql": "CREATE TABLE later (id int);",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            let runner = MigrationRunner(pool: pool, directory: directory)
            let error = await #expect(throws: MigrationError.self) { try await runner.run() }
            #expect(error?.kind == .failed)
            #expect(error?.version == 2)
            #expect((error?.underlying as? PostgresError)?.sqlState == "22012")  // division_by_zero
            let tables = try await pool.query(
                "SELECT to_regclass('first') IS NOT NULL AS first, to_regclass('partial') IS NOT NULL AS partial, "
                    + "to_regclass('later') IS NOT NULL AS later")[0]
            #expect(try tables.bool("first") && !tables.bool("partial") && !tables.bool("later"))
            #expect(try await PostgresTestSupport.count(pool, "SELECT count(*) FROM schema_migrations") == 1)

            try "CREATE TABLE partial (id int);"
                .write(to: directory.appendingPathComponent("002_broken.sql"), atomically: true, encoding: .utf8)
            #expect(try await runner.run() == [2, 3])
        }
    }
}
