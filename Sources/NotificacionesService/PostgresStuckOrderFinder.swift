import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport

/// Finds stuck orders in PostgreSQL, one reconciler at a time.
///
/// A pass runs in one transaction that first takes the transaction-level advisory lock
/// `pg_try_advisory_xact_lock(hashtext('pedidos-reconciliador:' || prefix))`: a second instance (another
/// notificaciones replica) finds it taken and skips its pass; the lock goes with the transaction, so a
/// crashed instance never leaves it held.
///
/// Inside the pass:
/// 1. ``markFinishedSQL``: accepted orders notificaciones recorded `finalizado` with all four transitions
///    are marked `finished`, so they leave the partial index the scan reads (it covers the orders still on
///    their way only);
/// 2. ``stuckSQL``: the accepted orders not finished whose current state (from `orders`, or `recibido`
///    with its acceptance time for an order notificaciones never saw) was entered longer than N + margin
///    ago, oldest first; and the `finalizado` orders missing an earlier transition (its record was lost
///    before notificaciones read it, e.g. with a topic deleted by hand), as that state, entered at the
///    latest when the next recorded one was (`recibido`: its acceptance), once that is N + margin ago.
///    Re-publishing it gives the customer the missing mail and the history its entry; procesamiento's
///    repeat of the later states is a duplicate everyone ignores.
public struct PostgresStuckOrderFinder: Sendable {
    let pool: PostgresPool
    let topicPrefix: String

    /// - Parameter topicPrefix: only orders accepted under this `PEDIDOS_TOPIC_PREFIX` are looked at.
    public init(pool: PostgresPool, topicPrefix: String) {
        self.pool = pool
        self.topicPrefix = topicPrefix
    }

    /// One look at the stuck orders, passed to `body` while the pass holds the lock.
    public struct Pass: Sendable {
        let transaction: PostgresTransaction
        let topicPrefix: String

        /// Marks finished orders, then returns up to `limit` stuck ones (oldest first), leaving out `excluding`.
        /// - Parameter thresholds: how long an order may stay in each state (N + margin).
        public func scan(thresholds: [Estado: Duration], limit: Int, excluding: Set<Int64> = []) async throws -> StuckOrderScan {
            try await transaction.execute(PostgresStuckOrderFinder.markFinishedSQL, [.string(topicPrefix)])
            func milliseconds(_ estado: Estado) -> PostgresValue {
                .double(PostgresMailOutboxRepository.milliseconds(thresholds[estado] ?? .seconds(35)))
            }
            let thresholdParameters: [PostgresValue] = [
                .string(topicPrefix), milliseconds(.recibido), milliseconds(.preparando), milliseconds(.entregando),
            ]
            let stats = try await transaction.query(PostgresStuckOrderFinder.statsSQL, thresholdParameters)
            let total = try stats.first?.int("stuck") ?? 0
            let oldest = try stats.first?.decode("oldest", as: Date?.self)
            guard total > 0 else { return StuckOrderScan(orders: [], total: 0, oldestEnteredAt: nil) }
            let rows = try await transaction.query(PostgresStuckOrderFinder.stuckSQL, thresholdParameters + [
                PostgresArrayLiteral.integers(excluding.sorted()), .int(limit),
            ])
            let orders = try rows.map { row -> StuckOrder in
                let state = try row.string("state")
                guard let estado = Estado(rawValue: state) else { throw PostgresError(.decoding, "unknown state '\(state)'") }
                let precio: Precio
                do { precio = try Precio(literal: try row.string("precio")) } catch {
                    throw PostgresError(.decoding, "stored precio is not a price: \(error)")
                }
                let pedido = Pedido(id: try row.int64("id"), nombre: try row.string("nombre"), precio: precio,
                                    correo: try row.string("correo"), estado: estado)
                return StuckOrder(pedido: pedido, enteredAt: try row.date("entered_at"))
            }
            return StuckOrderScan(orders: orders, total: total, oldestEnteredAt: oldest)
        }
    }

    /// Runs `body` as the only reconciler pass of this prefix; returns `nil` (without running it) when
    /// another instance holds the lock.
    public func exclusivePass<T: Sendable>(_ body: (Pass) async throws -> T) async throws -> T? {
        try await pool.withTransaction { transaction -> T? in
            let rows = try await transaction.query("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
                                                   [.string("pedidos-reconciliador:" + topicPrefix)])
            guard try rows.first?.bool("locked") == true else { return nil }
            return try await body(Pass(transaction: transaction, topicPrefix: topicPrefix))
        }
    }

    static let markFinishedSQL = """
        UPDATE accepted_orders a SET finished = true
        FROM orders o
        WHERE o.id = a.id AND o.state = 'finalizado' AND a.topic_prefix = $1 AND NOT a.finished
          AND (SELECT count(*) FROM order_transitions t WHERE t.order_id = o.id) = 4
        """

    /// The accepted orders of prefix $1 not finished whose current state — or, once `finalizado`, the first
    /// transition they lack — was entered longer ago than its threshold ($2, $3, $4: milliseconds for
    /// recibido, preparando, entregando).
    static let stuckCTE = """
        WITH open AS (
            SELECT a.id, a.accepted_at,
                   coalesce(o.nombre, a.nombre) AS nombre, coalesce(o.precio, a.precio) AS precio,
                   coalesce(o.correo, a.correo) AS correo, coalesce(o.state, 'recibido') AS state,
                   coalesce(o.updated_at, a.accepted_at) AS entered_at
            FROM accepted_orders a LEFT JOIN orders o ON o.id = a.id
            WHERE a.topic_prefix = $1 AND NOT a.finished
        ), rank AS (
            SELECT * FROM (VALUES ('recibido', 0), ('preparando', 1), ('entregando', 2), ('finalizado', 3)) AS r(state, rank)
        ), candidates AS (
            SELECT id, nombre, precio, correo, state, entered_at FROM open WHERE state <> 'finalizado'
            UNION ALL
            SELECT o.id, o.nombre, o.precio, o.correo, g.state,
                   CASE g.state WHEN 'recibido' THEN o.accepted_at ELSE
                       (SELECT min(t.entered_at) FROM order_transitions t JOIN rank tr ON tr.state = t.state
                        WHERE t.order_id = o.id AND tr.rank > g.rank) END
            FROM open o CROSS JOIN LATERAL (
                SELECT r.state, r.rank FROM rank r
                WHERE r.rank < 3 AND NOT EXISTS (SELECT 1 FROM order_transitions t WHERE t.order_id = o.id AND t.state = r.state)
                ORDER BY r.rank LIMIT 1
            ) g
            WHERE o.state = 'finalizado'
        ), stuck AS (
            SELECT * FROM candidates
            WHERE entered_at < now() - (CASE state WHEN 'recibido' THEN $2::float8 WHEN 'preparando' THEN $3::float8
                                                   ELSE $4::float8 END) * interval '1 millisecond'
        )
        """

    /// Up to $5 stuck orders, oldest first, leaving out the ids of $6.
    static let stuckSQL = stuckCTE + """
        SELECT * FROM stuck WHERE id <> ALL($5::bigint[]) ORDER BY entered_at, id LIMIT $6
        """

    /// How many orders are stuck, and since when the oldest.
    static let statsSQL = stuckCTE + """
        SELECT count(*) AS stuck, min(entered_at) AS oldest FROM stuck
        """
}
