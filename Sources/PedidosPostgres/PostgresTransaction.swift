import Logging
import Synchronization

/// The handle passed to `PostgresPool.withTransaction`: statements run on the transaction's connection,
/// between its BEGIN and its COMMIT (or ROLLBACK when the body throws).
///
/// Valid only inside the `withTransaction` body; afterwards every call throws `PostgresError` of kind
/// `.transactionClosed`.
public final class PostgresTransaction: Sendable {
    /// The isolation level a transaction starts with.
    public enum IsolationLevel: Sendable {
        case readCommitted
        case repeatableRead
        /// Serializable: conflicting transactions fail with SQLSTATE 40001 (`PostgresError.isSerializationFailure`)
        /// and should be retried as a whole.
        case serializable

        var beginStatement: String {
            switch self {
            case .readCommitted: return "BEGIN ISOLATION LEVEL READ COMMITTED"
            case .repeatableRead: return "BEGIN ISOLATION LEVEL REPEATABLE READ"
            case .serializable: return "BEGIN ISOLATION LEVEL SERIALIZABLE"
            }
        }
    }

    private let slot: PostgresPoolSlot
    private let generation: UInt64
    private let logger: Logger
    /// Cleared (on the slot's queue) by COMMIT/ROLLBACK; statements check it on the same queue.
    private let isOpen = Mutex(true)

    init(slot: PostgresPoolSlot, generation: UInt64, logger: Logger) {
        self.slot = slot
        self.generation = generation
        self.logger = logger
    }

    /// Runs a parameterised statement inside the transaction and returns its rows.
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> [PostgresRow] {
        try await run { try $0.execute(sql, parameters).rows }
    }

    /// Runs a parameterised statement inside the transaction and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int {
        try await run { try $0.execute(sql, parameters).affectedRows }
    }

    /// Runs a trusted multi-statement script (migration files only; no parameters).
    func executeScript(_ sql: String) async throws {
        try await run { try $0.executeScript(sql) }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await slot.run(.inTransaction(generation: generation)) { connection, _ in
            guard self.isOpen.withLock({ $0 }) else {
                throw PostgresError(.transactionClosed, "the transaction handle was used after its transaction ended")
            }
            return try work(connection)
        }
    }

    /// Ends the transaction. A COMMIT of a transaction that had a failed statement is answered by the server
    /// with ROLLBACK; that is reported as an error (SQLSTATE 25P02) instead of a silent success.
    func commit() async throws {
        defer { isOpen.withLock { $0 = false } }
        try await slot.run(.end(generation: generation)) { connection, _ in
            self.isOpen.withLock { $0 = false }
            let result = try connection.execute("COMMIT", [])
            if result.commandTag == "ROLLBACK" {
                throw PostgresError(.server, "the transaction was rolled back because a statement in it failed",
                                    sqlState: "25P02")
            }
        }
    }

    /// Rolls the transaction back; failures are only logged (the connection is discarded if it is unusable).
    func rollback() async {
        defer { isOpen.withLock { $0 = false } }
        do {
            try await slot.run(.end(generation: generation)) { connection, _ in
                self.isOpen.withLock { $0 = false }
                _ = try connection.execute("ROLLBACK", [])
            }
        } catch {
            logger.debug("postgres: rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
