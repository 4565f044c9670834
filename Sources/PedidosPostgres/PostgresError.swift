/// An error from the PostgreSQL layer: a server error with its SQLSTATE, a lost or refused connection,
/// a pool problem or a value that could not be decoded.
///
/// ```swift
/// do { try await pool.execute("INSERT INTO orders(id) VALUES ($1)", [.int(id)]) }
/// catch let error as PostgresError where error.isUniqueViolation { /* already there */ }
/// ```
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely.
    public enum Kind: String, Sendable, Hashable {
        /// A new connection could not be opened (server down, refused, timed out, authentication failed).
        case connectionFailed
        /// An open connection broke while in use (server restarted or was killed, network failure).
        /// The statement may or may not have been executed.
        case connectionLost
        /// The server rejected the statement; `sqlState` says why.
        case server
        /// No connection became free within the pool's acquire timeout.
        case poolTimeout
        /// The pool was closed.
        case poolClosed
        /// A transaction handle was used after its transaction ended.
        case transactionClosed
        /// A column is missing, NULL where a value was required, or its text is not of the requested type.
        case decoding
        /// The configuration (URL, pool size, ...) cannot be used.
        case invalidConfiguration
        /// A parameter cannot be sent (for example text containing a NUL character).
        case invalidParameter
        /// libpq returned something this layer does not handle (for example a COPY result).
        case unexpectedResult
    }

    /// Well-known SQLSTATE codes, for comparing with `sqlState`.
    public enum SQLState {
        public static let uniqueViolation = "23505"
        public static let foreignKeyViolation = "23503"
        public static let notNullViolation = "23502"
        public static let checkViolation = "23514"
        public static let serializationFailure = "40001"
        public static let deadlockDetected = "40P01"
        /// Among others, "cached plan must not change result type": a prepared statement outlived a schema change.
        public static let featureNotSupported = "0A000"
        /// Among others, "prepared statement ... does not exist" (the session's statements were discarded).
        public static let invalidStatementName = "26000"
        public static let lockNotAvailable = "55P03"
        public static let queryCanceled = "57014"
        public static let adminShutdown = "57P01"
        public static let crashShutdown = "57P02"
        public static let cannotConnectNow = "57P03"
        public static let tooManyConnections = "53300"
    }

    /// The category of the failure.
    public let kind: Kind
    /// The primary message (from the server when `kind` is `.server`).
    public let message: String
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// The server's DETAIL line, if any.
    public let detail: String?
    /// The server's HINT line, if any.
    public let hint: String?
    /// The violated constraint's name, for integrity-constraint errors.
    public let constraint: String?

    /// Creates an error; mostly for this layer's own use and for tests.
    public init(
        _ kind: Kind,
        _ message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        constraint: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
    }

    /// True when the connection to the server failed or broke (kinds `.connectionFailed` and `.connectionLost`,
    /// and server errors of SQLSTATE class 08 or a shutdown in progress).
    public var isConnectionError: Bool {
        switch kind {
        case .connectionFailed, .connectionLost: return true
        case .server:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08")
                || [SQLState.adminShutdown, SQLState.crashShutdown, SQLState.cannotConnectNow].contains(sqlState)
        default: return false
        }
    }

    /// True when running the same work again later may succeed: connection errors, serialization failures,
    /// deadlocks, too many connections and pool timeouts. Whether a retry is safe is the caller's decision
    /// (after `.connectionLost` the statement may have been committed).
    public var isTransient: Bool {
        if isConnectionError || kind == .poolTimeout { return true }
        guard kind == .server, let sqlState else { return false }
        return [SQLState.serializationFailure, SQLState.deadlockDetected, SQLState.tooManyConnections,
                SQLState.lockNotAvailable].contains(sqlState)
    }

    /// True for `unique_violation` (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }

    /// True for `serialization_failure` (40001) and `deadlock_detected` (40P01): retry the whole transaction.
    public var isSerializationFailure: Bool {
        sqlState == SQLState.serializationFailure || sqlState == SQLState.deadlockDetected
    }

    public var description: String {
        var text = "PostgreSQL \(kind.rawValue)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
