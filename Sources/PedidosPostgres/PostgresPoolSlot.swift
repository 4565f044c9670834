import Dispatch
import Logging
import Synchronization

/// One seat of a `PostgresPool`: a serial `DispatchQueue` and the libpq connection it owns.
///
/// The connection is opened lazily on first use and replaced after it breaks, so a pool outlives server
/// restarts. Every libpq call runs on `queue`, never on Swift's cooperative thread pool; callers await the
/// result through a continuation.
///
/// `@unchecked Sendable` is sound because the mutable state below (`connection`, `connectionEpoch`,
/// `generation`) is read and written only from closures running on the serial `queue`; the pool also hands a
/// slot to one task at a time.
final class PostgresPoolSlot: @unchecked Sendable {
    /// How a piece of work relates to transactions, which decides whether the slot may reconnect first and
    /// which transaction state the connection must be left in.
    enum Mode: Sendable {
        /// A standalone statement: may reconnect; the connection must end outside any transaction.
        case autocommit
        /// BEGIN: may reconnect; leaves a transaction open.
        case begin
        /// A statement inside the transaction started on connection `generation`: never reconnects.
        case inTransaction(generation: UInt64)
        /// COMMIT or ROLLBACK of that transaction: never reconnects; must leave no transaction open.
        case end(generation: UInt64)
    }

    let index: Int
    private let queue: DispatchQueue
    private let configuration: PostgresConfiguration
    private let logger: Logger
    /// Pool-wide count of detected connection losses. A connection opened before the latest loss is
    /// presumed dead too (the server probably restarted) and is replaced before its next standalone use.
    private let lossEpoch: LossEpoch

    /// The statement running now, if any, with its deadline; read by ``PostgresStatementWatchdog``.
    private let running = Mutex<Running?>(nil)

    private struct Running: Sendable {
        let canceller: PostgresCanceller
        let deadline: ContinuousClock.Instant
        var cancelled = false
    }

    // Touched only on `queue`.
    private var connection: PostgresConnection?
    private var connectionEpoch: UInt64 = 0
    private var generation: UInt64 = 0

    init(index: Int, configuration: PostgresConfiguration, lossEpoch: LossEpoch, logger: Logger) {
        self.index = index
        self.configuration = configuration
        self.lossEpoch = lossEpoch
        self.logger = logger
        self.queue = DispatchQueue(label: "pedidos.postgres.connection.\(index)")
        if configuration.statementTimeout != nil { PostgresStatementWatchdog.shared.watch(self) }
    }

    /// Cancels the running statement if it has outlived the statement timeout plus a margin (the server
    /// should have cancelled it at the timeout). Called by the watchdog's thread.
    func cancelIfOverdue(now: ContinuousClock.Instant) {
        let overdue = running.withLock { running -> PostgresCanceller? in
            guard var current = running, !current.cancelled, current.deadline <= now else { return nil }
            current.cancelled = true
            running = current
            return current.canceller
        }
        guard let overdue else { return }
        logger.warning("postgres: cancelling a statement past its deadline", metadata: [
            "slot": "\(index)", "statement_timeout": "\(configuration.statementTimeout.map { "\($0)" } ?? "none")",
        ])
        if let failure = overdue.cancel() {
            logger.warning("postgres: the cancel request failed", metadata: ["slot": "\(index)", "error": "\(failure)"])
        }
    }

    /// Client-side margin beyond the server's `statement_timeout` before the watchdog cancels.
    private static let watchdogMargin: Duration = .seconds(2)

    /// Runs `work` on this slot's queue with a usable connection and returns its result.
    /// `work` also receives the connection's generation (which changes whenever the connection is replaced).
    func run<T: Sendable>(
        _ mode: Mode = .autocommit,
        _ work: @escaping @Sendable (PostgresConnection, UInt64) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runOnQueue(mode, work) })
            }
        }
    }

    /// Closes the connection, if any (used by `PostgresPool.close()`).
    func disconnect() async {
        await withCheckedContinuation { continuation in
            queue.async {
                self.connection = nil
                continuation.resume()
            }
        }
    }

    private func runOnQueue<T>(_ mode: Mode, _ work: (PostgresConnection, UInt64) throws -> T) throws -> T {
        let connection: PostgresConnection
        switch mode {
        case .autocommit, .begin:
            connection = try usableConnection()
        case .inTransaction(let required), .end(let required):
            guard let current = self.connection, generation == required, current.isHealthy else {
                throw PostgresError(.connectionLost, "the connection was lost during the transaction")
            }
            connection = current
        }

        let result: T
        if let timeout = configuration.statementTimeout, let canceller = connection.canceller {
            running.withLock { $0 = Running(canceller: canceller, deadline: .now + timeout + Self.watchdogMargin) }
        }
        defer { running.withLock { $0 = nil } }
        do {
            result = try work(connection, generation)
        } catch {
            if !connection.isHealthy {
                discard(connection, because: "\(error)", lost: true)
            } else if case .end = mode, !connection.isIdle {
                discard(connection, because: "it is still inside a transaction after COMMIT/ROLLBACK failed", lost: false)
            }
            throw error
        }
        if !connection.isHealthy {
            discard(connection, because: "libpq reports it broken", lost: true)
        } else if !connection.isIdle {
            switch mode {
            case .autocommit, .end:
                // E.g. a bare "BEGIN" sent through pool.execute: never hand a connection back mid-transaction.
                discard(connection, because: "a statement left a transaction open outside withTransaction", lost: false)
            case .begin, .inTransaction:
                break
            }
        }
        return result
    }

    /// The current connection, replaced first when it is broken or older than the latest detected loss.
    private func usableConnection() throws -> PostgresConnection {
        let epoch = lossEpoch.current
        if let current = connection {
            if current.isHealthy && connectionEpoch >= epoch { return current }
            logger.debug("postgres: replacing a connection opened before the server went away", metadata: ["slot": "\(index)"])
            connection = nil
        }
        let fresh: PostgresConnection
        do {
            fresh = try PostgresConnection.connect(configuration: configuration, logger: logger)
        } catch {
            logger.warning("postgres: connect failed", metadata: ["slot": "\(index)", "error": "\(error)"])
            throw error
        }
        connection = fresh
        connectionEpoch = epoch
        generation &+= 1
        logger.debug("postgres: connected", metadata: ["slot": "\(index)", "server": "\(configuration)"])
        return fresh
    }

    private func discard(_ broken: PostgresConnection, because reason: String, lost: Bool) {
        guard connection === broken else { return }
        connection = nil
        if lost {
            lossEpoch.advance()
            logger.warning("postgres: connection lost; it will be reopened on next use",
                           metadata: ["slot": "\(index)", "reason": "\(reason)"])
        } else {
            logger.warning("postgres: discarding connection", metadata: ["slot": "\(index)", "reason": "\(reason)"])
        }
    }
}

extension PostgresPoolSlot {
    /// The pool-wide count of detected connection losses, shared by every slot of one pool.
    final class LossEpoch: Sendable {
        private let count = Atomic<UInt64>(0)

        /// The number of losses detected so far.
        var current: UInt64 { count.load(ordering: .acquiring) }

        /// Counts one more loss.
        func advance() { _ = count.wrappingAdd(1, ordering: .acquiringAndReleasing) }
    }
}
