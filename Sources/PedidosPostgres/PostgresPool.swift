import Logging
import Synchronization

/// A fixed-size pool of PostgreSQL connections (libpq).
///
/// - Every libpq call runs on a per-connection serial `DispatchQueue`, never on Swift's cooperative pool.
/// - Connections open lazily and are reopened after the server restarts: the statement that meets a dead
///   connection throws `PostgresError` with kind `.connectionLost` (`isConnectionError` is true), and the next
///   calls reconnect. Opening a connection is bounded by `PostgresConfiguration.connectTimeout`.
/// - When every connection is busy, callers wait in FIFO order, at most `acquireTimeout`
///   (then `PostgresError` of kind `.poolTimeout`); waiting is cancellable.
/// - Only parameterised statements (`$1`, `$2`, ...) are offered.
///
/// ```swift
/// let pool = try PostgresPool(url: "postgresql://pedidos@127.0.0.1:15432/pedidos")
/// let rows = try await pool.query("SELECT id, total FROM orders WHERE customer = $1", ["ana"])
/// try await pool.withTransaction { tx in
///     try await tx.execute("UPDATE stock SET quantity = quantity - $1 WHERE sku = $2", [.int(2), "A-1"])
///     try await tx.execute("INSERT INTO orders(customer) VALUES ($1)", ["ana"])
/// }
/// await pool.close()
/// ```
public final class PostgresPool: Sendable {
    /// The configuration the pool was created with.
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private let slots: [PostgresPoolSlot]
    private let state: Mutex<State>

    private struct Waiter: Sendable {
        let id: UInt64
        let continuation: CheckedContinuation<PostgresPoolSlot, any Error>
        /// Sleeps for the acquire timeout, then fails the waiter; cancelled once the waiter is served.
        let timer: Task<Void, Never>
    }

    private struct State: Sendable {
        /// Free slots; the most recently released is reused first, so rarely needed slots stay unconnected.
        var idle: [PostgresPoolSlot]
        /// Callers waiting for a slot, oldest first.
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Creates a pool; no connection is opened until the first statement (use `ping()` to check readiness).
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "pedidos.postgres")) {
        precondition(configuration.poolSize > 0, "PostgresConfiguration.poolSize must be positive")
        self.configuration = configuration
        self.logger = logger
        let lossEpoch = PostgresPoolSlot.LossEpoch()
        let slots = (0..<configuration.poolSize).map {
            PostgresPoolSlot(index: $0, configuration: configuration, lossEpoch: lossEpoch, logger: logger)
        }
        self.slots = slots
        self.state = Mutex(State(idle: slots.reversed()))
    }

    /// Creates a pool from a `postgresql://` URL (see `PostgresConfiguration.init(url:)`).
    public convenience init(url: String, logger: Logger = Logger(label: "pedidos.postgres")) throws {
        self.init(configuration: try PostgresConfiguration(url: url), logger: logger)
    }

    // MARK: - Statements

    /// Runs a parameterised statement and returns its rows.
    ///
    /// - Parameters:
    ///   - sql: SQL text with `$1`, `$2`, ... placeholders; never build it from input.
    ///   - parameters: the values for the placeholders, in order.
    ///   - planning: whether the server plans every execution (the default) or reuses one plan (see
    ///     ``PostgresPlanning/reused`` for the only statements that may).
    /// - Throws: `PostgresError` (server errors carry `sqlState`).
    public func query(_ sql: String, _ parameters: [PostgresValue] = [],
                      planning: PostgresPlanning = .perExecution) async throws -> [PostgresRow] {
        try await withSlot { slot in
            try await slot.run { connection, _ in try connection.execute(sql, parameters, planning: planning).rows }
        }
    }

    /// Runs a parameterised statement and returns the number of rows it inserted, updated or deleted
    /// (parameters as in ``query(_:_:planning:)``).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = [],
                        planning: PostgresPlanning = .perExecution) async throws -> Int {
        try await withSlot { slot in
            try await slot.run { connection, _ in
                try connection.execute(sql, parameters, planning: planning).affectedRows
            }
        }
    }

    /// Runs `body` inside a transaction on one connection: BEGIN, then COMMIT when `body` returns, or ROLLBACK
    /// when it throws (the error is rethrown).
    ///
    /// A failed statement that `body` catches still dooms the transaction: the COMMIT then throws
    /// (SQLSTATE 25P02). For `.serializable`, retry the whole call when `isSerializationFailure` is true.
    ///
    /// - Parameters:
    ///   - level: the isolation level (default READ COMMITTED).
    ///   - isolation: the caller's actor, so `body` runs where the caller does (leave the default).
    ///   - body: the work; use the `PostgresTransaction` only inside it.
    /// - Returns: what `body` returned, once the COMMIT succeeded.
    public func withTransaction<Value>(
        _ level: PostgresTransaction.IsolationLevel = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> Value
    ) async throws -> Value {
        let slot = try await acquire()
        defer { release(slot) }
        let generation = try await slot.run(.begin) { connection, generation in
            _ = try connection.execute(level.beginStatement, [])
            return generation
        }
        let transaction = PostgresTransaction(slot: slot, generation: generation, logger: logger)
        let result: Value
        do {
            result = try await body(transaction)
        } catch {
            await transaction.rollback()
            throw error
        }
        try await transaction.commit()
        return result
    }

    /// Checks that the server answers (`SELECT 1`), for readiness probes.
    /// - Throws: the `PostgresError` that prevented it.
    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    /// Shuts the pool down gracefully: new calls and waiting callers fail with `.poolClosed`, statements and
    /// transactions already running finish, then every connection is closed. Calling it again is harmless.
    public func close() async {
        let (waiters, allIdle) = state.withLock { state -> ([Waiter], Bool) in
            state.closed = true
            let waiters = state.waiters
            state.waiters = []
            return (waiters, state.idle.count == slots.count)
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume(throwing: PostgresError(.poolClosed, "the PostgreSQL pool was closed"))
        }
        if !allIdle {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.idle.count == slots.count { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        }
        for slot in slots { await slot.disconnect() }
        logger.debug("postgres: pool closed")
    }

    // MARK: - Checkout

    /// How many callers are waiting for a connection right now (for tests and metrics).
    var waitingCount: Int { state.withLock { $0.waiters.count } }

    private func withSlot<T>(_ body: (PostgresPoolSlot) async throws -> T) async throws -> T {
        let slot = try await acquire()
        defer { release(slot) }
        return try await body(slot)
    }

    private func acquire() async throws -> PostgresPoolSlot {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresPoolSlot, any Error>) in
                enum Outcome { case slot(PostgresPoolSlot), closed, waiting }
                let outcome = state.withLock { state -> Outcome in
                    if state.closed { return .closed }
                    if state.waiters.isEmpty, let slot = state.idle.popLast() { return .slot(slot) }
                    let timeout = configuration.acquireTimeout
                    let timer = Task { [weak self] in
                        guard (try? await Task.sleep(for: timeout)) != nil, let self else { return }
                        self.removeWaiter(id, error: PostgresError(
                            .poolTimeout,
                            "no PostgreSQL connection became free within \(timeout) (pool size \(self.slots.count))"))
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
                    return .waiting
                }
                switch outcome {
                case .slot(let slot):
                    continuation.resume(returning: slot)
                case .closed:
                    continuation.resume(throwing: PostgresError(.poolClosed, "the PostgreSQL pool was closed"))
                case .waiting:
                    // Cancelled before the waiter was registered: the handler found nothing to remove.
                    if Task.isCancelled { removeWaiter(id, error: CancellationError()) }
                }
            }
        } onCancel: {
            removeWaiter(id, error: CancellationError())
        }
    }

    /// Fails a waiting caller (timeout or cancellation) unless it has been served already.
    private func removeWaiter(_ id: UInt64, error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.timer.cancel()
        waiter.continuation.resume(throwing: error)
    }

    private func release(_ slot: PostgresPoolSlot) {
        let (waiter, closeWaiters) = state.withLock { state -> (Waiter?, [CheckedContinuation<Void, Never>]) in
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), []) }
            state.idle.append(slot)
            guard state.closed, state.idle.count == slots.count else { return (nil, []) }
            defer { state.closeWaiters = [] }
            return (nil, state.closeWaiters)
        }
        if let waiter {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: slot)
        }
        for continuation in closeWaiters { continuation.resume() }
    }
}
