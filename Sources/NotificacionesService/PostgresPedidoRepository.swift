import Foundation
import PedidosDomain
import PedidosPostgres

/// ``PedidoRepository`` on PostgreSQL.
public struct PostgresPedidoRepository: PedidoRepository {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    public func pedido(id: Int64) async throws -> Pedido? {
        let rows = try await pool.query(
            "SELECT id, nombre, precio, correo, state FROM orders WHERE id = $1", [.int64(id)])
        return try rows.first.map(Self.pedido(from:))
    }

    public func historial(id: Int64) async throws -> PedidoHistorial? {
        // One round trip: the order, its transitions and their mails.
        let rows = try await pool.query(
            """
            SELECT o.id, o.nombre, o.precio, o.correo, o.state,
                   t.state AS transition_state, t.entered_at, m.status, m.sent_at, m.attempts
            FROM orders o
            LEFT JOIN order_transitions t ON t.order_id = o.id
            LEFT JOIN email_outbox m ON m.order_id = t.order_id AND m.state = t.state
            WHERE o.id = $1
            """,
            [.int64(id)])
        guard let first = rows.first else { return nil }
        let pedido = try Self.pedido(from: first)
        let entradas = try rows.compactMap { row -> PedidoHistorial.Entrada? in
            guard let state = try row.decode("transition_state", as: String?.self) else { return nil }
            guard let estado = Estado(rawValue: state) else {
                throw PostgresError(.decoding, "unknown transition state '\(state)' of order \(id)")
            }
            var correo: PedidoHistorial.Correo?
            if let status = try row.decode("status", as: String?.self) {
                guard let estadoCorreo = PedidoHistorial.EstadoCorreo(outboxStatus: status) else {
                    throw PostgresError(.decoding, "unknown outbox status '\(status)' of order \(id)")
                }
                correo = PedidoHistorial.Correo(
                    estado: estadoCorreo, enviadoEn: try row.decode("sent_at", as: Date?.self), intentos: try row.int("attempts"))
            }
            return PedidoHistorial.Entrada(estado: estado, fecha: try row.date("entered_at"), correo: correo)
        }
        return PedidoHistorial(pedido: pedido, entradas: entradas)
    }

    static func pedido(from row: PostgresRow) throws -> Pedido {
        let state = try row.string("state")
        guard let estado = Estado(rawValue: state) else {
            throw PostgresError(.decoding, "unknown order state '\(state)'")
        }
        let precioText = try row.string("precio")
        let precio: Precio
        do { precio = try Precio(literal: precioText) } catch {
            throw PostgresError(.decoding, "stored precio '\(precioText)' is not a valid price: \(error.message)")
        }
        return Pedido(id: try row.int64("id"), nombre: try row.string("nombre"), precio: precio,
                      correo: try row.string("correo"), estado: estado)
    }
}
