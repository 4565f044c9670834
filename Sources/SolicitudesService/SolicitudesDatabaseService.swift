import PedidosPostgres
import ServiceLifecycle

/// Keeps the PostgreSQL pool of solicitudes open while the service group runs, and closes it on
/// graceful shutdown (after the HTTP server stopped, since services shut down in reverse order).
public struct SolicitudesDatabaseService: Service {
    /// The pool to close.
    public let pool: PostgresPool

    /// Takes ownership of closing `pool`.
    public init(pool: PostgresPool) { self.pool = pool }

    public func run() async throws {
        try? await gracefulShutdown()
        await pool.close()
    }
}
