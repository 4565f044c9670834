import Foundation
import Logging

/// Applies `NNN_name.sql` files from a directory to the database, in numeric order, each exactly once.
///
/// - Applied versions are recorded in `schema_migrations(version, name, applied_at)` (created on first use in
///   the first schema of the connection's `search_path`).
/// - Each file runs in its own transaction together with its `schema_migrations` row: a failing file leaves
///   no trace and stops the run; files before it stay applied.
/// - Runners in several processes may start at once: every transaction first takes
///   `pg_advisory_xact_lock(lockKey)`, then re-checks whether the file is still pending.
/// - A file may hold several statements. It must not contain its own BEGIN/COMMIT nor statements that cannot
///   run inside a transaction (such as `CREATE INDEX CONCURRENTLY`).
///
/// ```swift
/// let applied = try await MigrationRunner(pool: pool, directory: URL(fileURLWithPath: "migrations")).run()
/// ```
public struct MigrationRunner: Sendable {
    /// The advisory-lock key used by default ("pedidos" in ASCII).
    public static let defaultLockKey: Int64 = 0x0070_6564_6964_6F73

    /// The pool the migrations run on.
    public let pool: PostgresPool
    /// The directory holding the `.sql` files.
    public let directory: URL
    /// The `pg_advisory_xact_lock` key that serialises runners sharing a database.
    public let lockKey: Int64
    private let logger: Logger

    /// Creates a runner for the `.sql` files in `directory`.
    public init(
        pool: PostgresPool,
        directory: URL,
        lockKey: Int64 = MigrationRunner.defaultLockKey,
        logger: Logger = Logger(label: "pedidos.migrations")
    ) {
        self.pool = pool
        self.directory = directory
        self.lockKey = lockKey
        self.logger = logger
    }

    /// The migrations in the directory, sorted by version. Files not ending in `.sql` and hidden files are
    /// ignored.
    /// - Throws: `MigrationError` for an unreadable directory, a malformed `.sql` file name or a duplicate version.
    public func migrations() throws -> [Migration] {
        let urls: [URL]
        do {
            urls = try FileManager.default.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
        } catch {
            throw MigrationError(.unreadable, files: [directory.path], "cannot list the migrations directory \(directory.path)",
                                 underlying: error)
        }
        var byVersion: [Int: Migration] = [:]
        for url in urls where url.pathExtension == "sql" {
            let fileName = url.lastPathComponent
            guard let (version, name) = Migration.parse(fileName: fileName) else {
                throw MigrationError(.malformedFileName, files: [fileName],
                                     "migration file '\(fileName)' does not match NNN_name.sql (digits, '_', then letters, digits, '_' or '-')")
            }
            let migration = Migration(version: version, name: name, url: url)
            if let existing = byVersion[version] {
                let files = [existing.description, fileName].sorted()
                throw MigrationError(.duplicateVersion, files: files, version: version,
                                     "migration version \(version) is used by both \(files[0]) and \(files[1])")
            }
            byVersion[version] = migration
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    /// Applies every pending migration and returns the versions this call applied, in order (empty when the
    /// database was already up to date, or another runner applied them first).
    /// - Throws: `MigrationError` (`.failed` wraps the `PostgresError` of the failing file) or `PostgresError`.
    @discardableResult
    public func run() async throws -> [Int] {
        let migrations = try migrations()
        let lockKey = self.lockKey
        // Creating the table concurrently from several runners could collide, so it happens under the lock too.
        try await pool.withTransaction { tx in
            _ = try await tx.query("SELECT pg_advisory_xact_lock($1)", [.int64(lockKey)])
            try await tx.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version int PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        let alreadyApplied = Set(try await pool.query("SELECT version FROM schema_migrations").map { try $0.int("version") })

        var applied: [Int] = []
        for migration in migrations where !alreadyApplied.contains(migration.version) {
            let sql: String
            do {
                sql = try String(contentsOf: migration.url, encoding: .utf8)
            } catch {
                throw MigrationError(.unreadable, files: [migration.description], version: migration.version,
                                     "cannot read \(migration.url.path) as UTF-8", underlying: error)
            }
            if try await apply(migration, sql: sql) {
                applied.append(migration.version)
                logger.info("migration applied", metadata: ["version": "\(migration.version)", "file": "\(migration)"])
            }
        }
        if applied.isEmpty { logger.debug("migrations: database is up to date") }
        return applied
    }

    /// Applies one migration under the advisory lock unless it is recorded already; true when this call applied it.
    private func apply(_ migration: Migration, sql: String) async throws -> Bool {
        let lockKey = self.lockKey
        do {
            return try await pool.withTransaction { tx in
                _ = try await tx.query("SELECT pg_advisory_xact_lock($1)", [.int64(lockKey)])
                let recorded = try await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [.int(migration.version)])
                guard recorded.isEmpty else { return false }
                try await tx.executeScript(sql)
                try await tx.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                     [.int(migration.version), .string(migration.name)])
                return true
            }
        } catch let error as PostgresError where error.kind == .server {
            throw MigrationError(.failed, files: [migration.description], version: migration.version,
                                 "migration \(migration) failed and was rolled back", underlying: error)
        }
    }
}
