import Foundation
import PedidosDomain
import PedidosPostgres

/// ``TransitionStore`` on PostgreSQL (`orders`, `order_transitions`, `email_outbox`).
///
/// A batch costs five round trips whatever its size (BEGIN, three statements, COMMIT), and each statement
/// takes its rows as a few array parameters expanded with `unnest` (see ``PostgresArrayLiteral``):
/// 1. upsert `orders`, moving `state` forward only (`WHERE orders.state_rank < EXCLUDED.state_rank`);
/// 2. insert `order_transitions … ON CONFLICT DO NOTHING RETURNING` the rows that were new;
/// 3. insert one `email_outbox` row per new transition (new transitions cannot have one yet).
///
/// Rows are written in key order so that concurrent batches (other replicas after a rebalance) lock
/// them in the same order; a deadlock or serialization failure is transient and the caller retries.
public struct PostgresTransitionStore: TransitionStore {
    let pool: PostgresPool
    let mailDomain: String

    /// - Parameter mailDomain: right-hand side of the Message-IDs (the domain of `SMTP_FROM`).
    public init(pool: PostgresPool, mailDomain: String) {
        self.pool = pool
        self.mailDomain = mailDomain
    }

    private struct Key: Hashable, Comparable {
        let orderID: Int64
        let estado: Estado
        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.orderID, lhs.estado) < (rhs.orderID, rhs.estado) }
    }

    public func record(_ transitions: [PedidoTransition]) async throws -> TransitionBatchOutcome {
        guard !transitions.isEmpty else { return TransitionBatchOutcome() }

        // The first occurrence of each (order, state) wins; later ones in the batch are duplicates.
        var unique: [Key: PedidoTransition] = [:]
        for transition in transitions {
            let key = Key(orderID: transition.pedido.id, estado: transition.pedido.estado)
            if unique[key] == nil { unique[key] = transition }
        }
        let inBatchDuplicates = transitions.count - unique.count
        // One row per order (ON CONFLICT DO UPDATE may touch a row once per statement): its furthest state.
        var furthest: [Int64: PedidoTransition] = [:]
        for transition in unique.values {
            let id = transition.pedido.id
            if let current = furthest[id], current.pedido.estado >= transition.pedido.estado { continue }
            furthest[id] = transition
        }
        let orders = furthest.values.sorted { $0.pedido.id < $1.pedido.id }
        let keys = unique.keys.sorted()

        let inserted = try await pool.withTransaction { tx -> Int in
            try await tx.execute(Self.upsertOrdersSQL, [
                PostgresArrayLiteral.integers(orders.map(\.pedido.id)),
                PostgresArrayLiteral.texts(orders.map(\.pedido.nombre)),
                PostgresArrayLiteral.texts(orders.map(\.pedido.precio.text)),
                PostgresArrayLiteral.texts(orders.map(\.pedido.correo)),
                PostgresArrayLiteral.texts(orders.map(\.pedido.estado.rawValue)),
                PostgresArrayLiteral.integers(orders.map(\.pedido.estado.ordinal)),
                PostgresArrayLiteral.timestamps(orders.map(\.enteredAt)),
            ])

            let transitionsInKeyOrder = keys.map { unique[$0]! }
            let newRows = try await tx.query(Self.insertTransitionsSQL, [
                PostgresArrayLiteral.integers(keys.map(\.orderID)),
                PostgresArrayLiteral.texts(keys.map(\.estado.rawValue)),
                PostgresArrayLiteral.timestamps(transitionsInKeyOrder.map(\.enteredAt)),
                PostgresArrayLiteral.integers(transitionsInKeyOrder.map(\.partition)),
                PostgresArrayLiteral.integers(transitionsInKeyOrder.map(\.offset)),
            ])
            let newKeys = try newRows.map { row -> Key in
                let state = try row.string("state")
                guard let estado = Estado(rawValue: state) else {
                    throw PostgresError(.decoding, "unknown state '\(state)' returned by order_transitions")
                }
                return Key(orderID: try row.int64("order_id"), estado: estado)
            }.sorted()
            guard !newKeys.isEmpty else { return 0 }

            let mails = newKeys.map { key in
                let transition = unique[key]!
                return NotificationMail(pedido: transition.pedido, enteredAt: transition.enteredAt, domain: mailDomain)
            }
            try await tx.execute(Self.insertOutboxSQL, [
                PostgresArrayLiteral.integers(newKeys.map(\.orderID)),
                PostgresArrayLiteral.texts(newKeys.map(\.estado.rawValue)),
                PostgresArrayLiteral.texts(mails.map(\.recipient)),
                PostgresArrayLiteral.texts(mails.map(\.subject)),
                PostgresArrayLiteral.texts(mails.map(\.body)),
                PostgresArrayLiteral.texts(mails.map(\.messageID)),
            ])
            return newKeys.count
        }
        return TransitionBatchOutcome(recorded: inserted, duplicates: inBatchDuplicates + unique.count - inserted)
    }

    static let upsertOrdersSQL = """
        INSERT INTO orders (id, nombre, precio, correo, state, state_rank, updated_at)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::timestamptz[])
        ON CONFLICT (id) DO UPDATE
            SET state = EXCLUDED.state, state_rank = EXCLUDED.state_rank, updated_at = EXCLUDED.updated_at
            WHERE orders.state_rank < EXCLUDED.state_rank
        """

    static let insertTransitionsSQL = """
        INSERT INTO order_transitions (order_id, state, entered_at, kafka_partition, kafka_offset)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::integer[], $5::bigint[])
        ON CONFLICT (order_id, state) DO NOTHING
        RETURNING order_id, state
        """

    static let insertOutboxSQL = """
        INSERT INTO email_outbox (order_id, state, recipient, subject, body, message_id)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
        """
}
