import PedidosDomain
import PedidosPostgres

/// Reads `order_transitions` directly (see migrations/001_pedidos.sql), thousands of ids per query.
struct PostgresTraceSource: TraceSource {
    let pool: PostgresPool

    func finalized(among ids: [Int64]) async throws -> [Int64: PedidoTrace] {
        try await query(ids, """
            SELECT order_id, state, extract(epoch FROM entered_at)::float8 * 1000 AS t FROM order_transitions
            WHERE order_id IN (SELECT order_id FROM order_transitions WHERE state = 'finalizado' AND order_id = ANY($1::bigint[]))
            """)
    }

    func traces(of ids: [Int64]) async throws -> [Int64: PedidoTrace] {
        try await query(ids, """
            SELECT order_id, state, extract(epoch FROM entered_at)::float8 * 1000 AS t FROM order_transitions
            WHERE order_id = ANY($1::bigint[])
            """)
    }

    private func query(_ ids: [Int64], _ sql: String) async throws -> [Int64: PedidoTrace] {
        var traces: [Int64: PedidoTrace] = [:]
        for start in stride(from: 0, to: ids.count, by: 5000) {
            let chunk = ids[start..<min(ids.count, start + 5000)]
            let literal = "{" + chunk.map(String.init).joined(separator: ",") + "}"
            for row in try await pool.query(sql, [.string(literal)]) {
                guard let estado = Estado(rawValue: try row.string("state")) else { continue }
                traces[try row.int64("order_id"), default: PedidoTrace()].add(estado, enteredMs: try row.double("t"))
            }
        }
        return traces
    }
}
