import PedidosPostgres
import ServiceLifecycle

/// Owns the PostgreSQL pool's lifetime inside the service group: registered first, so it stops last,
/// after every service that uses the pool finished its work; then it closes the pool.
public struct NotificacionesPoolService: Service {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await pool.close()
    }
}
